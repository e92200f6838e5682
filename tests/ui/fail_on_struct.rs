use pyo3_detach::blocking_detached;

#[blocking_detached]
struct Pool {
    size: usize,
}

fn main() {}
