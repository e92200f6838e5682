use pyo3::prelude::*;

#[pyfunction]
fn answer() -> u32 {
    42
}

/// A plain `#[pymodule]`, as most extensions are written today.
#[pymodule]
fn gil_control(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(answer, m)?)
}
