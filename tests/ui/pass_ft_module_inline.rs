// #[ft_module] on an inline module: interpreter-aware cells are accepted.
use pyo3_detach::ft_module;

#[ft_module]
mod inline_ext {
    use pyo3::prelude::*;
    use pyo3::sync::PyOnceLock;

    static CACHE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static COUNTER: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

    #[pyfunction]
    fn cached(py: Python<'_>) -> PyResult<Py<PyAny>> {
        let _ = COUNTER.get();
        CACHE.get_or_try_init(py, || Ok(py.None())).map(|v| v.clone_ref(py))
    }

    #[pymodule_export]
    use super::inline_ext_sub;
}

#[pyo3::pymodule]
fn inline_ext_sub(_m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
    Ok(())
}

fn main() {}
