use pyo3_detach::ft_module;

// A cell of Python objects named through a type alias declared in the module; a cell
// of function pointers holds none.
#[ft_module]
mod ext {
    use pyo3::prelude::*;
    use std::sync::OnceLock;

    type Callback = Py<PyAny>;
    type Callbacks = Vec<Callback>;

    static ONE: OnceLock<Callback> = OnceLock::new();
    static MANY: OnceLock<Callbacks> = OnceLock::new();
    static MAKER: OnceLock<fn(Python<'_>) -> Py<PyAny>> = OnceLock::new();
    static BOXED: OnceLock<Box<dyn Fn(Python<'_>) -> Py<PyAny> + Send + Sync>> = OnceLock::new();
}

fn main() {}
