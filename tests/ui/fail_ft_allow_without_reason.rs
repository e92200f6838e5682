use pyo3_detach::ft_module;

#[ft_module]
mod ext {
    use pyo3::prelude::*;

    #[pyfunction]
    #[pyo3_detach::allow_attached(reason = "  ")]
    fn empty_reason(h: u8) -> u8 {
        h
    }

    #[pyfunction]
    #[pyo3_detach::allow_attached]
    fn no_reason(h: u8) -> u8 {
        h
    }
}

fn main() {}
