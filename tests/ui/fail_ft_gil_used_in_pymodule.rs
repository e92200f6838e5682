use pyo3::prelude::*;
use pyo3_detach::ft_module;

#[ft_module]
#[pymodule(name = "ext", gil_used = true)]
fn ext(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}

#[ft_module]
#[pyo3(gil_used = true)]
fn ext2(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}

fn main() {}
