use pyo3::prelude::*;
use pyo3_detach::ft_module;

// #[ft_module] declares `gil_used = false`: a call saying otherwise is an error.
#[ft_module]
fn ext(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.gil_used(true)?;
    Ok(())
}

#[ft_module]
mod inline_ext {
    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        let on = std::env::var("GIL").is_ok();
        m.gil_used(on)
    }
}

fn main() {}
