// `waits = [iter]`: the whole chain over the blocking iterator runs detached, not just
// the `iter()` call (`sum` pulls every item).
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::sync::mpsc;

#[blocking_detached(waits = [iter])]
fn total(py: Python<'_>, rx: mpsc::Receiver<u64>) -> u64 {
    rx.iter().map(|v| v * 2).sum::<u64>()
}

#[blocking_detached(waits = [iter])]
fn first_three(py: Python<'_>, rx: &crossbeam_channel::Receiver<u64>) -> Vec<u64> {
    rx.iter().take(3).collect()
}

fn main() {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || (1..=3).for_each(|v| tx.send(v).unwrap()));
    let (ctx, crx) = crossbeam_channel::unbounded();
    (0..5).for_each(|v| ctx.send(v).unwrap());
    Python::attach(|py| {
        assert_eq!(total(py, rx), 12);
        assert_eq!(first_three(py, &crx), vec![0, 1, 2]);
    });
}
