use pyo3::prelude::*;
use pyo3_detach::ft_module;

// A module initialiser runs attached, at import: its waits are reported too.
#[ft_module]
fn ext(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let handle = std::thread::spawn(|| 1u8);
    let v = handle.join().unwrap_or(0);
    m.add("V", v)
}

#[ft_module]
mod inline_ext {
    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        let (tx, rx) = std::sync::mpsc::channel::<u8>();
        drop(tx);
        m.add("V", rx.recv().unwrap_or(0))
    }
}

fn main() {}
