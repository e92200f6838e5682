#[ft_module]
#[pymodule(name = "renamed", submodule)]
#[pyo3(crate = "pyo3")]
fn detach_demo(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(wait_detached, m)?)
}
