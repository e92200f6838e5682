// `waits = [..]` adds a crate's own blocking helpers to the set.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

struct Pool;
impl Pool {
    fn shutdown(&self) {}
    fn call_sync(&self, x: u32) -> u32 {
        x
    }
}

#[blocking_detached(waits = [shutdown, call_sync])]
fn stop(py: Python<'_>, pool: &Pool, x: u32) -> u32 {
    pool.shutdown();
    pool.call_sync(x + 1)
}

fn main() {
    Python::attach(|py| assert_eq!(stop(py, &Pool, 1), 2));
}
