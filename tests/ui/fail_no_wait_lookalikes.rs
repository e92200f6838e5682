use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

// `join` with arguments is not `JoinHandle::join()`: nothing here blocks.
#[blocking_detached]
fn label(py: Python<'_>, names: Vec<String>) -> String {
    let dir = std::path::Path::new("/tmp").join("x");
    format!("{}: {}", dir.display(), names.join(", "))
}

fn main() {}
