fn run(
    __pyo3_detach_py: Python<'_>,
    rx: &crossbeam_channel::Receiver<u8>,
) -> Option<u8> {
    let __pyo3_detach_token: ::pyo3::Python<'_> = __pyo3_detach_py;
    let v = {
        let __pyo3_detach_arg0 = async { 1 };
        ::pyo3::Python::detach(
            __pyo3_detach_token,
            || {
                ::pyo3_detach::__private::reattaching({
                    futures::executor::block_on(__pyo3_detach_arg0)
                })
            },
        )
    };
    std::thread::spawn(move || other.recv());
    let already = py.detach(|| rx.recv().ok());
    Some(
        v
            + {
                #[allow(unused_imports)]
                use ::pyo3_detach::__private::{
                    CaptureNeither as _, CaptureSend as _, CaptureSync as _,
                };
                let __pyo3_detach_root = (&&&::pyo3_detach::__private::Probe(&rx))
                    .capture();
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
                .ok()?,
    )
}
