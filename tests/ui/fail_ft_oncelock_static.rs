use pyo3_detach::ft_module;

#[ft_module]
mod ext {
    use pyo3::prelude::*;
    use std::sync::{LazyLock, OnceLock};

    static CALLBACK: OnceLock<Py<PyAny>> = OnceLock::new();
    static TYPES: LazyLock<Vec<Py<PyAny>>> = LazyLock::new(Vec::new);
    static FINE: OnceLock<String> = OnceLock::new();

    mod nested {
        use pyo3::prelude::*;
        pub static DEEP: std::sync::OnceLock<Py<PyAny>> = std::sync::OnceLock::new();
    }
}

fn main() {}
