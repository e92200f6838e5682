//! `#[blocking_detached]` against the same function written by hand with `py.detach`.
//!
//! Both functions receive from a crossbeam channel whose value is already there, so the
//! time is the detach/re-attach pair plus a non-blocking `recv`: exactly what the macro
//! could add overhead to.  Runs alternate between the two (drift hits both alike); each
//! run times ITERS calls with `Instant`, and the report is the median of RUNS runs.
//!
//! Usage: detach-overhead [--quick].  Prints a human summary on stderr and one JSON line
//! on stdout (read by bench/run.py).  No assertion: it only reports.

use crossbeam_channel::{bounded, Receiver, Sender};
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::hint::black_box;
use std::time::Instant;

/// Written with the attribute: the `recv` is moved into `py.detach` by the macro.
#[inline(never)]
#[blocking_detached]
fn recv_macro(py: Python<'_>, rx: &Receiver<u64>) -> u64 {
    rx.recv().unwrap_or(0)
}

/// The same function written by hand.
#[inline(never)]
fn recv_hand(py: Python<'_>, rx: &Receiver<u64>) -> u64 {
    py.detach(|| rx.recv()).unwrap_or(0)
}

fn time_run(py: Python<'_>, f: fn(Python<'_>, &Receiver<u64>) -> u64, tx: &Sender<u64>, rx: &Receiver<u64>, iters: u64) -> f64 {
    let mut sum = 0u64;
    let t0 = Instant::now();
    for i in 0..iters {
        tx.send(i).unwrap(); // the value is there before the call
        sum = sum.wrapping_add(f(py, black_box(rx)));
    }
    let dt = t0.elapsed();
    black_box(sum);
    dt.as_nanos() as f64 / iters as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (runs, iters) = if quick { (7, 100_000) } else { (15, 400_000) };
    let (tx, rx) = bounded::<u64>(1);
    let (mut macro_ns, mut hand_ns) = (Vec::new(), Vec::new());
    let version = Python::attach(|py| {
        // warm-up of both paths
        time_run(py, recv_macro, &tx, &rx, iters / 10);
        time_run(py, recv_hand, &tx, &rx, iters / 10);
        for run in 0..runs {
            if run % 2 == 0 {
                macro_ns.push(time_run(py, recv_macro, &tx, &rx, iters));
                hand_ns.push(time_run(py, recv_hand, &tx, &rx, iters));
            } else {
                hand_ns.push(time_run(py, recv_hand, &tx, &rx, iters));
                macro_ns.push(time_run(py, recv_macro, &tx, &rx, iters));
            }
        }
        py.version().split_whitespace().next().unwrap_or("?").to_string()
    });
    // Noise: half the spread between the 25th and 75th percentile, relative to the median.
    let rel_iqr = |v: &mut Vec<f64>| {
        let m = median(v);
        let q1 = v[v.len() / 4];
        let q3 = v[(3 * v.len()) / 4];
        (q3 - q1) / 2.0 / m
    };
    let (m, h) = (median(&mut macro_ns), median(&mut hand_ns));
    let noise = rel_iqr(&mut macro_ns).max(rel_iqr(&mut hand_ns));
    eprintln!("python {version}: {runs} runs x {iters} calls");
    eprintln!("#[blocking_detached]     {m:8.1} ns/call (median)");
    eprintln!("hand-written py.detach   {h:8.1} ns/call (median)");
    eprintln!("ratio macro/hand         {:8.3}   (noise ±{:.1}%)", m / h, noise * 100.0);
    println!(
        "{{\"macro_ns\": {m:.2}, \"hand_ns\": {h:.2}, \"ratio\": {:.4}, \"noise\": {noise:.4}, \"runs\": {runs}, \"iters\": {iters}, \"python\": \"{version}\"}}",
        m / h
    );
}
