// Condition-variable waits: the `MutexGuard` goes in and comes back out.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

#[blocking_detached]
fn wait_ready(py: Python<'_>, state: &(Mutex<bool>, Condvar)) -> bool {
    let (lock, cvar) = state;
    let guard = lock.lock().unwrap();
    let guard = cvar.wait_while(guard, |ready| !*ready).unwrap();
    let (guard, _timeout) = cvar.wait_timeout(guard, Duration::from_millis(1)).unwrap();
    *guard
}

fn main() {
    let state = Arc::new((Mutex::new(false), Condvar::new()));
    let s2 = state.clone();
    std::thread::spawn(move || {
        // Attaches before it signals: waiting attached would deadlock.
        Python::attach(|_| {});
        *s2.0.lock().unwrap() = true;
        s2.1.notify_all();
    });
    Python::attach(|py| assert!(wait_ready(py, &state)));
}
