use pyo3::prelude::*;
use pyo3_detach::blocking_detached;

struct Tasks;

// `.await`ed calls are fine; a blocking wait in an `async fn` is not.
#[blocking_detached]
impl Tasks {
    fn sync_wait(&self, py: Python<'_>, h: std::thread::JoinHandle<u8>) -> u8 {
        h.join().unwrap_or(0)
    }

    async fn calls_blocking(&self, rx: crossbeam_channel::Receiver<u8>) -> u8 {
        rx.recv().unwrap_or(0)
    }
}

// An `async fn` that only awaits has nothing to detach.
#[blocking_detached]
async fn awaits_only(fut: std::future::Ready<u8>) -> u8 {
    fut.await
}

fn main() {}
