#[blocking_detached]
impl Drop for Pool {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
#[blocking_detached(waits = [iter])]
fn total(py: Python<'_>, rx: std::sync::mpsc::Receiver<u64>) -> Res<u64> {
    let py = 1u64;
    let work = move || other.recv();
    std::thread::spawn(work);
    let s: u64 = rx.iter().map(|v| v + py).sum();
    let first = format!("{}", self.m.lock().map_err(closed)?.recv().map_err(closed)?);
    Ok(s)
}
