// Waits found through the wait model: a receiver's iterator consumed by `sum`, UFCS
// `Receiver::recv(&rx)`, `send` on a `SyncSender` (bounded by its declared type), a
// join through `.map(JoinHandle::join)`. All run detached; the unbounded `send` and
// the lock stay as written.
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::mpsc::{Sender, SyncSender};
use std::sync::Mutex;
use std::thread::JoinHandle;

#[blocking_detached]
fn drain(
    py: Python<'_>,
    rx: &crossbeam_channel::Receiver<u64>,
    tx: &SyncSender<u64>,
    log: &Sender<u64>,
    m: &Mutex<u64>,
    hs: Vec<JoinHandle<u64>>,
) -> u64 {
    let first = crossbeam_channel::Receiver::recv(rx).unwrap_or(0);
    tx.send(first).ok();
    log.send(first).ok();
    let rest: u64 = rx.iter().take(2).sum();
    let joined: u64 = hs.into_iter().map(JoinHandle::join).map(|r| r.unwrap_or(0)).sum();
    *m.lock().unwrap() + first + rest + joined
}

// A local std `Receiver` (`Send`, not `Sync`) consumed through its iterator: carried
// into the detached closure like the receiver of `recv()`.
#[blocking_detached]
fn sum_std(py: Python<'_>, rx: std::sync::mpsc::Receiver<u64>) -> u64 {
    rx.iter().take(2).sum::<u64>()
}

fn main() {
    let (tx, rx) = crossbeam_channel::unbounded();
    for v in [1, 2, 3] {
        tx.send(v).unwrap();
    }
    let (stx, srx) = std::sync::mpsc::sync_channel(1);
    let (ltx, _lrx) = std::sync::mpsc::channel();
    let hs = vec![std::thread::spawn(|| 10)];
    let m = Mutex::new(100);
    let total = Python::attach(|py| drain(py, &rx, &stx, &ltx, &m, hs));
    assert_eq!(total, 100 + 1 + 5 + 10);
    assert_eq!(srx.recv().unwrap(), 1);
    let (tx, rx) = std::sync::mpsc::channel();
    tx.send(20).unwrap();
    tx.send(22).unwrap();
    assert_eq!(Python::attach(|py| sum_std(py, rx)), 42);
}
