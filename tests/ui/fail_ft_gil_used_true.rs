use pyo3::prelude::*;
use pyo3_detach::ft_module;

#[ft_module(gil_used = true)]
fn ext(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}

fn main() {}
