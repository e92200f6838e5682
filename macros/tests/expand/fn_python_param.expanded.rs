#[pyfunction]
fn wait_detached(py: Python<'_>, value: u64) -> PyResult<u64> {
    let __pyo3_detach_token: ::pyo3::Python<'_> = py;
    let rx = spawn_attached_producer(value);
    let first = {
        let __pyo3_detach_arg0 = Duration::from_millis(10);
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
                    rx.recv_timeout(__pyo3_detach_arg0)
                })
            },
        )
    };
    let handle = std::thread::spawn(|| 1);
    let _ = ::pyo3::Python::detach(
        __pyo3_detach_token,
        || { ::pyo3_detach::__private::reattaching({ handle.join() }) },
    );
    {
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
                    rx.recv()
                })
            },
        )
    }
        .map_err(closed)
}
fn wait_ready(py: Python<'_>, state: &(Mutex<bool>, Condvar)) -> bool {
    let __pyo3_detach_token: ::pyo3::Python<'_> = py;
    let guard = state.0.lock().unwrap();
    *{
        let __pyo3_detach_arg0 = ::pyo3_detach::__private::SameThreadValue::new(guard);
        ::pyo3::Python::detach(
                __pyo3_detach_token,
                || {
                    ::pyo3_detach::__private::reattaching({
                        ::pyo3_detach::__private::SameThreadValue::new(
                            state
                                .1
                                .wait_while(
                                    __pyo3_detach_arg0.into_inner(),
                                    |ready| !*ready,
                                ),
                        )
                    })
                },
            )
            .into_inner()
    }
        .unwrap()
}
