//! Waiting for the engine: always detached, in slices so that the main thread can
//! run signal handlers (Ctrl-C) between them, attached.

use crate::engine::Handle;
use crate::python::errors::closed_err;
use crate::reply::{Inbox, ReplyRx};
use crossbeam_channel::RecvTimeoutError;
use pyo3::prelude::*;
use pyo3_detach::{blocking_detached, Detached};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

/// Longest detached wait between two signal checks.
const SLICE: Duration = Duration::from_millis(50);

static EXITING: AtomicBool = AtomicBool::new(false);
static EXIT_THREAD: Mutex<Option<ThreadId>> = Mutex::new(None);

/// Threads that passed the exit check after a detached wait and are not attached again
/// yet. The exit hook waits for them: once it returns, no thread of ours re-attaches.
static REATTACHING: AtomicUsize = AtomicUsize::new(0);
static REATTACHED: Condvar = Condvar::new();
static REATTACHED_LOCK: Mutex<()> = Mutex::new(());

/// Longest the exit hook waits for threads on their way back (a thread re-attaching
/// waits for the GIL at most a switch interval; this only bounds the unexpected).
const REATTACH_GRACE: Duration = Duration::from_secs(2);

/// Called by the exit hook (`atexit`), detached: from now on the interpreter is going
/// away. Non-daemon threads are already joined at that point; the threads left are
/// daemon threads, which the interpreter kills (`pthread_exit`, up to Python 3.13) if
/// they re-attach during finalization, and a kill that unwinds through Rust frames
/// aborts the process. So they park instead; this returns once none is half-way.
pub fn begin_exit(_proof: &Detached<'_>) {
    if let Ok(mut t) = EXIT_THREAD.lock() {
        *t = Some(std::thread::current().id());
    }
    EXITING.store(true, Ordering::SeqCst);
    let deadline = Instant::now() + REATTACH_GRACE;
    let mut guard = REATTACHED_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    while REATTACHING.load(Ordering::SeqCst) > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        guard = match REATTACHED.wait_timeout(guard, left) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        };
    }
}

/// Has the exit hook run? Engine threads no longer attach after it.
pub fn exiting() -> bool {
    EXITING.load(Ordering::SeqCst)
}

/// Permission to re-attach after a detached wait, counted until the thread is attached
/// again (see [`Received::attached`]).
struct ReattachPass(());

impl ReattachPass {
    /// Before re-attaching: a daemon thread must not re-attach during finalization. It
    /// parks for good instead (what Python 3.14 does to daemon threads anyway).
    fn take() -> ReattachPass {
        REATTACHING.fetch_add(1, Ordering::SeqCst);
        if exiting() && !is_exit_thread() {
            drop(ReattachPass(()));
            loop {
                std::thread::park();
            }
        }
        ReattachPass(())
    }
}

impl Drop for ReattachPass {
    fn drop(&mut self) {
        if REATTACHING.fetch_sub(1, Ordering::SeqCst) == 1 && exiting() {
            let _guard = REATTACHED_LOCK.lock();
            REATTACHED.notify_all();
        }
    }
}

fn is_exit_thread() -> bool {
    let me = std::thread::current().id();
    EXIT_THREAD.lock().map(|t| *t == Some(me)).unwrap_or(false)
}

/// What a detached wait received, with the pass to re-attach. Take it with
/// [`Received::attached`] once attached again (after the `py.detach` the macro wrote),
/// never inside the detached region, or the exit hook could miss this thread.
#[must_use]
pub struct Received<R> {
    value: R,
    _pass: ReattachPass,
}

impl<R> Received<R> {
    /// The value; the thread is attached again.
    pub fn attached(self) -> R {
        self.value
    }
}

/// Ends a blocking step, detached: the step's value with the pass to re-attach.
fn finish_detached<R>(_proof: &Detached<'_>, step: impl FnOnce() -> R) -> Received<R> {
    let value = step();
    Received {
        value,
        _pass: ReattachPass::take(),
    }
}

/// Blocks until `rx` answers or disconnects (engine start-up: no signal checks).
pub fn recv_detached<T>(
    proof: &Detached<'_>,
    rx: &crossbeam_channel::Receiver<T>,
) -> Received<Result<T, crossbeam_channel::RecvError>> {
    finish_detached(proof, || rx.recv())
}

/// Joins a thread that has finished its work (or is about to).
pub fn join_detached<T>(
    proof: &Detached<'_>,
    thread: std::thread::JoinHandle<T>,
) -> Received<std::thread::Result<T>> {
    finish_detached(proof, || thread.join())
}

/// Spins briefly, then parks for at most `slice`. Demands the detached proof.
pub fn spin_recv<T>(
    proof: &Detached<'_>,
    rx: &impl Inbox<T>,
    slice: Duration,
) -> Received<Result<T, RecvTimeoutError>> {
    finish_detached(proof, || {
        crate::handoff::poll(rx, None).unwrap_or_else(|| {
            pyo3_detach::assert_detached();
            rx.recv_timeout(slice)
        })
    })
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
        let received = spin_recv(detached!(), rx, SLICE);
        match received.attached() {
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
                    // Running JS sees the flag; a request parked on a promise (a
                    // module's top-level await) or a module loader needs the command.
                    let _ = handle.send(crate::command::Command::Cancel { seq });
                    // The engine answers `Interrupted` promptly; the runtime stays usable.
                    let acknowledged = spin_recv(detached!(), rx, Duration::from_secs(5));
                    let _ = acknowledged.attached();
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
        let received = spin_recv(detached!(), rx, SLICE);
        match received.attached() {
            Ok(v) => return Ok(v),
            Err(RecvTimeoutError::Disconnected) => return Err(closed_err()),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
        }
    }
}

/// Waits until the engine thread has finished (after `Close`), in slices, running the
/// signal handlers between them, then joins it. With a `limit`, gives up after it
/// (returns false).
#[blocking_detached]
pub fn wait_exit(py: Python<'_>, handle: &Handle, limit: Option<Duration>) -> PyResult<bool> {
    let start = Instant::now();
    loop {
        let received = spin_recv(detached!(), &handle.exited, SLICE);
        match received.attached() {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                if let Some(thread) = handle.take_join() {
                    // Immediate: the thread has finished its work.
                    let joined = join_detached(detached!(), thread);
                    let _ = joined.attached();
                }
                return Ok(true);
            }
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
