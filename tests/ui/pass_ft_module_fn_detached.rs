// A module function that waits, with #[blocking_detached] below #[ft_module].
use pyo3::prelude::*;
use pyo3_detach::{blocking_detached, ft_module};

#[ft_module]
#[blocking_detached]
fn ext(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let handle = std::thread::spawn(|| 1u8);
    let v = handle.join().unwrap_or(0);
    m.add("V", v)
}

fn main() {}
