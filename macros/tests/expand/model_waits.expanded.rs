fn drain(
    py: Python<'_>,
    rx: Receiver<u64>,
    tx: &SyncSender<u64>,
    log: &Sender<u64>,
    m: &Mutex<u64>,
    v: &[u64],
) -> u64 {
    let first = {
        let __pyo3_detach_arg0 = &rx;
        ::pyo3::Python::detach(
            py,
            || {
                ::pyo3_detach::__private::reattaching({
                    Receiver::recv(__pyo3_detach_arg0)
                })
            },
        )
    }
        .unwrap_or(0);
    {
        let __pyo3_detach_arg0 = first;
        ::pyo3::Python::detach(
            py,
            || { ::pyo3_detach::__private::reattaching({ tx.send(__pyo3_detach_arg0) }) },
        )
    }
        .ok();
    log.send(first).ok();
    let total: u64 = {
        #[allow(unused_imports)]
        use ::pyo3_detach::__private::{
            CaptureNeither as _, CaptureSend as _, CaptureSync as _,
        };
        let __pyo3_detach_root = (&&&::pyo3_detach::__private::Probe(&rx)).capture();
        ::pyo3::Python::detach(
            py,
            || {
                ::pyo3_detach::__private::reattaching({
                    let rx = __pyo3_detach_root.get();
                    rx.iter().take(3).sum()
                })
            },
        )
    };
    let doubled: u64 = ::pyo3::Python::detach(
        py,
        || {
            ::pyo3_detach::__private::reattaching({ v.par_iter().map(|x| x * 2).sum() })
        },
    );
    *m.lock().unwrap() + total + doubled
}
