use pyo3_detach::ft_module;

#[ft_module]
struct NotAModule;

fn main() {}
