// #[ft_module] on a module function, alone or over #[pymodule(..)] with options.
use pyo3::prelude::*;
use pyo3_detach::ft_module;

#[ft_module]
fn plain(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}

#[ft_module]
#[pymodule(name = "renamed")]
fn with_options(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}

#[ft_module(name = "other", gil_used = false)]
fn with_own_options(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}

fn main() {}
