#[::pyo3::pymodule(name = "renamed", submodule, gil_used = false)]
#[pyo3(crate = "pyo3")]
fn detach_demo(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(wait_detached, m)?)
}
