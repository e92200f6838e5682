#[pyfunction]
#[blocking_detached]
fn wait_detached(py: Python<'_>, value: u64) -> PyResult<u64> {
    let rx = spawn_attached_producer(value);
    let first = rx.recv_timeout(Duration::from_millis(10));
    let handle = std::thread::spawn(|| 1);
    let _ = handle.join();
    rx.recv().map_err(closed)
}

#[blocking_detached]
fn wait_ready(py: Python<'_>, state: &(Mutex<bool>, Condvar)) -> bool {
    let guard = state.0.lock().unwrap();
    *state.1.wait_while(guard, |ready| !*ready).unwrap()
}
