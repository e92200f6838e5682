//! Waiting for the engine: always detached, in slices so that the main thread can
//! run signal handlers (Ctrl-C) between them, attached.

use crate::engine::Handle;
use crate::python::errors::closed_err;
use crate::reply::{Inbox, ReplyRx};
use crossbeam_channel::RecvTimeoutError;
use pyo3::prelude::*;
use pyo3_detach::{blocking_detached, Detached};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// Longest detached wait between two signal checks.
const SLICE: Duration = Duration::from_millis(50);

static EXITING: AtomicBool = AtomicBool::new(false);
static EXIT_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);

/// Called by the exit hook (`atexit`): from now on the interpreter is going away.
/// Non-daemon threads are already joined at that point; the threads left are daemon
/// threads, which the interpreter would kill (`pthread_exit`, through our Rust frames)
/// if they re-attached during finalization.
pub fn begin_exit() {
    if let Ok(mut t) = EXIT_THREAD.lock() {
        *t = Some(std::thread::current().id());
    }
    EXITING.store(true, Ordering::SeqCst);
}

/// Has the exit hook run? Engine threads no longer attach after it.
pub fn exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

/// After a detached wait: a daemon thread must not re-attach during finalization.
/// It parks for good instead (what Python 3.14 does to daemon threads anyway).
fn hold_if_exiting() {
    if !exiting() {
        return;
    }
    let me = std::thread::current().id();
    if EXIT_THREAD.lock().map(|t| *t == Some(me)).unwrap_or(false) {
        return;
    }
    loop {
        std::thread::park();
    }
}

/// Spins briefly, then parks for at most `slice`. Demands the detached proof.
pub fn spin_recv<T>(
    _proof: &Detached<'_>,
    rx: &impl Inbox<T>,
    slice: Duration,
) -> Result<T, RecvTimeoutError> {
    let r = crate::handoff::poll(rx, None).unwrap_or_else(|| {
        pyo3_detach::assert_detached();
        rx.recv_timeout(slice)
    });
    hold_if_exiting();
    r
}

/// Waits for the answer to command `seq`. Between slices, attached, runs the signal
/// handlers; on an exception (KeyboardInterrupt) it stops this evaluation's JS,
/// waits for the engine to acknowledge, and raises.
#[blocking_detached]
pub fn wait_outcome<T: Send>(
    py: Python<'_>,
    handle: &Handle,
    seq: u64,
    rx: &ReplyRx<T>,
) -> PyResult<T> {
    loop {
        match spin_recv(detached!(), rx, SLICE) {
            Ok(out) => return Ok(out),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(if handle.is_closed() {
                    closed_err()
                } else {
                    pyo3::exceptions::PyRuntimeError::new_err(
                        "internal error: the engine dropped this request",
                    )
                })
            }
            Err(RecvTimeoutError::Timeout) => {
                if let Err(e) = py.check_signals() {
                    handle.shared.cancel(seq);
                    // The engine answers `Interrupted` promptly; the runtime stays usable.
                    let _ = spin_recv(detached!(), rx, Duration::from_secs(5));
                    handle.shared.uncancel(seq);
                    return Err(e);
                }
            }
        }
    }
}

/// Waits for a plain acknowledgement (bind, register): short engine work.
#[blocking_detached]
pub fn wait_ack<T: Send>(py: Python<'_>, rx: &ReplyRx<T>) -> PyResult<T> {
    loop {
        match spin_recv(detached!(), rx, SLICE) {
            Ok(v) => return Ok(v),
            Err(RecvTimeoutError::Disconnected) => return Err(closed_err()),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
        }
    }
}

/// Waits until the engine thread has finished (after `Close`), in slices, running the
/// signal handlers between them. With a `limit`, gives up after it (returns false).
#[blocking_detached]
pub fn wait_exit(py: Python<'_>, handle: &Handle, limit: Option<Duration>) -> PyResult<bool> {
    let start = Instant::now();
    loop {
        match spin_recv(detached!(), &handle.exited, SLICE) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return Ok(true),
            Err(RecvTimeoutError::Timeout) => {
                py.check_signals()?;
                if limit.is_some_and(|l| start.elapsed() > l) {
                    return Ok(false);
                }
            }
        }
    }
}

/// A request made on the runtime's own engine thread (a bound Python function calling
/// back into its runtime): queueing it would wait for ourselves, so it runs inline,
/// inside the JS call that invoked the handler, detached while its JS runs.
pub fn run_on_engine_thread<T>(
    py: Python<'_>,
    cmd: crate::command::Command,
    rx: &ReplyRx<T>,
) -> PyResult<T> {
    let ran = py.detach(move || crate::engine::run_inline(cmd).is_ok());
    if !ran {
        return Err(pyo3::exceptions::PyRuntimeError::new_err(
            "re-entrant call: this runtime's engine thread cannot wait for itself here",
        ));
    }
    rx.try_recv().map_err(|_| {
        pyo3::exceptions::PyRuntimeError::new_err("internal error: inline request gave no answer")
    })
}

/// Sends `cmd` and waits for its answer detached, or runs it inline on the engine thread.
pub fn roundtrip<T: Send>(
    py: Python<'_>,
    handle: &Handle,
    seq: u64,
    cmd: crate::command::Command,
    rx: &ReplyRx<T>,
) -> PyResult<T> {
    if handle.on_engine_thread() {
        return run_on_engine_thread(py, cmd, rx);
    }
    handle.send(cmd).map_err(|_| closed_err())?;
    wait_outcome(py, handle, seq, rx)
}
