#[pymethods]
impl Worker {
    #[new]
    fn new() -> Self {
        Worker::default()
    }
    fn result(&self, __pyo3_detach_py: ::pyo3::Python<'_>) -> PyResult<u64> {
        let __pyo3_detach_token: ::pyo3::Python<'_> = __pyo3_detach_py;
        {
            match ::pyo3::Python::detach(
                __pyo3_detach_token,
                || -> ::core::result::Result<_, ::pyo3::PyErr> {
                    ::pyo3_detach::__private::reattaching(
                        ::core::result::Result::Ok({
                            self.results
                                .lock()
                                .map_err(|_| PyRuntimeError::new_err("poisoned"))?
                                .recv()
                        }),
                    )
                },
            ) {
                ::core::result::Result::Ok(__pyo3_detach_value) => __pyo3_detach_value,
                ::core::result::Result::Err(__pyo3_detach_err) => {
                    return ::core::result::Result::Err(__pyo3_detach_err);
                }
            }
        }
            .map_err(closed)
    }
    fn result_timeout(
        &self,
        __pyo3_detach_py: ::pyo3::Python<'_>,
        timeout: f64,
    ) -> PyResult<u64> {
        let __pyo3_detach_token: ::pyo3::Python<'_> = __pyo3_detach_py;
        {
            let __pyo3_detach_arg1 = &self.results;
            let __pyo3_detach_arg2 = Some(Duration::from_secs_f64(timeout));
            ::pyo3::Python::detach(
                __pyo3_detach_token,
                || {
                    let __pyo3_detach_proof = ::pyo3_detach::__private::proof();
                    ::pyo3_detach::__private::reattaching({
                        next_result(
                            &__pyo3_detach_proof,
                            __pyo3_detach_arg1,
                            __pyo3_detach_arg2,
                        )
                    })
                },
            )
        }
    }
}
