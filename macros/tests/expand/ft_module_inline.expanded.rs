#[::pyo3::pymodule(name = "ext", gil_used = false)]
mod ext {
    use pyo3::sync::PyOnceLock;
    static CACHE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    #[pymodule_export]
    use super::wait_detached;
}
