#[blocking_detached]
#[pymethods]
impl Worker {
    #[new]
    fn new() -> Self {
        Worker::default()
    }

    fn result(&self) -> PyResult<u64> {
        self.results.lock().map_err(|_| PyRuntimeError::new_err("poisoned"))?.recv().map_err(closed)
    }

    fn result_timeout(&self, timeout: f64) -> PyResult<u64> {
        next_result(detached!(), &self.results, Some(Duration::from_secs_f64(timeout)))
    }
}
