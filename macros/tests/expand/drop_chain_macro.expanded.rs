impl Drop for Pool {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            let _ = ::pyo3_detach::__private::detach_if_attached(|| {
                ::pyo3_detach::__private::reattaching({ h.join() })
            });
        }
    }
}
fn total(py: Python<'_>, rx: std::sync::mpsc::Receiver<u64>) -> Res<u64> {
    let __pyo3_detach_token: ::pyo3::Python<'_> = py;
    let py = 1u64;
    let work = move || other.recv();
    std::thread::spawn(work);
    let s: u64 = {
        #[allow(unused_imports)]
        use ::pyo3_detach::__private::{
            CaptureNeither as _, CaptureSend as _, CaptureSync as _,
        };
        let __pyo3_detach_root = (&&&::pyo3_detach::__private::Probe(&rx)).capture();
        ::pyo3::Python::detach(
            __pyo3_detach_token,
            || {
                ::pyo3_detach::__private::reattaching({
                    let rx = __pyo3_detach_root.get();
                    rx.iter().map(|v| v + py).sum()
                })
            },
        )
    };
    let first = format!(
        "{}", { match ::pyo3::Python::detach(__pyo3_detach_token, | | ->
        ::core::result::Result < _, < Res < u64 > as
        ::pyo3_detach::__private::ResultReturn > ::Err > {
        ::pyo3_detach::__private::reattaching(::core::result::Result::Ok({ self.m.lock()
        .map_err(closed) ? .recv() })) }) {
        ::core::result::Result::Ok(__pyo3_detach_value) => __pyo3_detach_value,
        ::core::result::Result::Err(__pyo3_detach_err) => return
        ::core::result::Result::Err(__pyo3_detach_err), } } .map_err(closed) ?
    );
    Ok(s)
}
