#[pyfunction]
fn wait_detached(py: Python<'_>, value: u64) -> PyResult<u64> {
    let rx = spawn_attached_producer(value);
    let first = {
        let __pyo3_detach_arg0 = Duration::from_millis(10);
        #[allow(unused_imports)]
        use ::pyo3_detach::__private::{
            CaptureNeither as _, CaptureSend as _, CaptureSync as _,
        };
        let __pyo3_detach_root = (&&&::pyo3_detach::__private::Probe(&rx)).capture();
        ::pyo3_detach::__private::watch_exit(py);
        ::pyo3::Python::detach(
            py,
            || {
                let __pyo3_detach_out = {
                    let rx = __pyo3_detach_root.get();
                    rx.recv_timeout(__pyo3_detach_arg0)
                };
                ::pyo3_detach::__private::before_reattach();
                __pyo3_detach_out
            },
        )
    };
    let handle = std::thread::spawn(|| 1);
    let _ = {
        ::pyo3_detach::__private::watch_exit(py);
        ::pyo3::Python::detach(
            py,
            || {
                let __pyo3_detach_out = { handle.join() };
                ::pyo3_detach::__private::before_reattach();
                __pyo3_detach_out
            },
        )
    };
    {
        #[allow(unused_imports)]
        use ::pyo3_detach::__private::{
            CaptureNeither as _, CaptureSend as _, CaptureSync as _,
        };
        let __pyo3_detach_root = (&&&::pyo3_detach::__private::Probe(&rx)).capture();
        ::pyo3_detach::__private::watch_exit(py);
        ::pyo3::Python::detach(
            py,
            || {
                let __pyo3_detach_out = {
                    let rx = __pyo3_detach_root.get();
                    rx.recv()
                };
                ::pyo3_detach::__private::before_reattach();
                __pyo3_detach_out
            },
        )
    }
        .map_err(closed)
}
fn wait_ready(py: Python<'_>, state: &(Mutex<bool>, Condvar)) -> bool {
    let guard = state.0.lock().unwrap();
    *{
        let __pyo3_detach_arg0 = ::pyo3_detach::__private::SameThreadValue::new(guard);
        ::pyo3_detach::__private::watch_exit(py);
        ::pyo3::Python::detach(
                py,
                || {
                    let __pyo3_detach_out = {
                        ::pyo3_detach::__private::SameThreadValue::new(
                            state
                                .1
                                .wait_while(
                                    __pyo3_detach_arg0.into_inner(),
                                    |ready| !*ready,
                                ),
                        )
                    };
                    ::pyo3_detach::__private::before_reattach();
                    __pyo3_detach_out
                },
            )
            .into_inner()
    }
        .unwrap()
}
