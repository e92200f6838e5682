use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

#[blocking_detached(waits = [wait_for])]
fn wait(py: Python<'_>, obj: Py<PyAny>) -> PyResult<()> {
    let bound = obj.bind(py);
    bound.wait_for()
}

trait WaitFor {
    fn wait_for(&self) -> PyResult<()>;
}
impl WaitFor for Bound<'_, PyAny> {
    fn wait_for(&self) -> PyResult<()> {
        Ok(())
    }
}

fn main() {}
