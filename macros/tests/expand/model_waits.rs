// Waits the macro finds through the model: iterator forms of a receiver parameter,
// UFCS, a bounded send by the parameter's declared type, rayon. The lock stays attached
// (its guard could not leave the detached closure); an unbounded send is not a wait.
#[blocking_detached]
fn drain(py: Python<'_>, rx: Receiver<u64>, tx: &SyncSender<u64>, log: &Sender<u64>, m: &Mutex<u64>, v: &[u64]) -> u64 {
    let first = Receiver::recv(&rx).unwrap_or(0);
    tx.send(first).ok();
    log.send(first).ok();
    let total: u64 = rx.iter().take(3).sum();
    let doubled: u64 = v.par_iter().map(|x| x * 2).sum();
    *m.lock().unwrap() + total + doubled
}
