use pyo3::prelude::*;
use pyo3_detach::ft_module;

macro_rules! lazy_static {
    ($($t:tt)*) => {};
}

#[ft_module]
fn ext(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    lazy_static! {
        static ref EXC: Py<PyAny> = unimplemented!();
    }
    static INNER: std::sync::OnceLock<Py<PyAny>> = std::sync::OnceLock::new();
    Ok(())
}

fn main() {}
