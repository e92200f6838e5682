// `.await`ed calls are not blocking waits, and async blocks run wherever their future
// is polled: the rewrite leaves both alone (an `async fn` method, a future given to
// `block_on`, one given to a runtime's `spawn`).
use pyo3::prelude::*;
use pyo3_detach::blocking_detached;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

struct AsyncRx(u8);
impl AsyncRx {
    async fn recv(&self) -> Option<u8> {
        Some(self.0)
    }
}

/// A minimal executor: `block_on` is a default wait, so the call is detached.
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Stands for `tokio::select!`: in an `async fn` a `select!` is taken for an async one.
macro_rules! select {
    ($($t:tt)*) => {
        0u8
    };
}

fn spawn<F: Future<Output = ()> + Send + 'static>(fut: F) {
    drop(fut);
}

struct Chan {
    rx: AsyncRx,
    sync_rx: crossbeam_channel::Receiver<u8>,
}

#[blocking_detached]
impl Chan {
    fn get(&self, py: Python<'_>) -> u8 {
        self.sync_rx.recv().unwrap_or(0)
    }

    async fn get_async(&self) -> u8 {
        self.rx.recv().await.unwrap_or(0)
    }

    async fn get_either(&self) -> u8 {
        select! { v = self.rx.recv() => v }
    }
}

#[blocking_detached]
fn bridge(py: Python<'_>, rx: &AsyncRx) -> u8 {
    let first = block_on(async { rx.recv().await.unwrap_or(0) });
    spawn(async {
        let rx = AsyncRx(2);
        let _ = rx.recv().await;
    });
    first
}

fn main() {
    Python::attach(|py| assert_eq!(bridge(py, &AsyncRx(7)), 7));
    let (tx, sync_rx) = crossbeam_channel::unbounded();
    tx.send(5).unwrap();
    let chan = Chan { rx: AsyncRx(6), sync_rx };
    Python::attach(|py| assert_eq!(chan.get(py), 5));
    assert_eq!(block_on(chan.get_async()), 6);
}
