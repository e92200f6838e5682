//! `blocking_queue`: a bounded blocking queue and a worker pool for Python, written
//! as an adopter of `pyo3-detach`.
//!
//! Every method that can block waits *detached*, so any number of Python threads can
//! block in `get`/`put`/`result`/`shutdown` while other threads (and the pool's
//! workers) keep running Python code, on GIL builds and under the stop-the-world
//! pauses of free-threaded builds alike. Each of the crate's layers appears once:
//!
//! | Method | How its wait is detached |
//! |---|---|
//! | `Queue.get`, `Queue.put` | a helper that demands the `Detached` proof, called with `detached!()` |
//! | `Job.result` | condition-variable waits (`wait_while`, `wait_timeout_while`), in the default wait set |
//! | `WorkerPool.submit` | a bounded channel's `send`, listed with `waits = [send]` |
//! | `WorkerPool.shutdown` | `JoinHandle::join`, in the default wait set |
//!
//! Semantics, in one place:
//!
//! - A timeout is a number of seconds (`None`: no limit; negative or NaN: `ValueError`;
//!   too large to represent, such as `float("inf")`: no limit). When it expires, the
//!   builtin `TimeoutError` is raised.
//! - `Queue.close()` wakes every blocked `get` and `put`. A `put` that has not
//!   completed raises `QueueClosed` and does not enqueue its item. Items enqueued
//!   before are not lost: `get` keeps returning them, and raises `QueueClosed` only once
//!   the queue is closed **and** empty. A `put` that returned normally has enqueued its
//!   item.
//! - `Queue.get_attached` is a test-only negative control (see its documentation).

use crossbeam_channel::{Receiver, Select, Sender, TryRecvError};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3_detach::{blocking_detached, ft_module, Detached};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

create_exception!(
    blocking_queue,
    QueueClosed,
    PyException,
    "Raised by `put` on a closed queue, and by `get` on a closed queue that is empty."
);

/// Largest accepted `maxsize`/`backlog`: a bounded channel allocates its slots up front.
const MAX_CAPACITY: usize = 1 << 20;
/// Largest accepted number of worker threads.
const MAX_WORKERS: usize = 1024;

/// A Python timeout in seconds as a `Duration`. `None` (or a value too large to
/// represent) means no limit.
fn timeout_duration(timeout: Option<f64>) -> PyResult<Option<Duration>> {
    match timeout {
        None => Ok(None),
        Some(t) if t.is_nan() || t < 0.0 => Err(PyValueError::new_err("'timeout' must be a non-negative number")),
        Some(t) => Ok(Duration::try_from_secs_f64(t).ok()),
    }
}

/// A Python timeout as a deadline (`None`: no limit).
fn deadline(timeout: Option<f64>) -> PyResult<Option<Instant>> {
    Ok(timeout_duration(timeout)?.and_then(|d| Instant::now().checked_add(d)))
}

fn poisoned<E>(_: E) -> PyErr {
    PyRuntimeError::new_err("internal lock poisoned (a thread panicked while holding it)")
}

// -- Queue ----------------------------------------------------------------------------

/// The channel behind a `Queue`. The queue holds both ends, so the data channel never
/// disconnects; closing is signalled by disconnecting `closed_rx` instead, which makes
/// every `Select` on it ready at once.
struct Chan {
    tx: Sender<Py<PyAny>>,
    rx: Receiver<Py<PyAny>>,
    closed_rx: Receiver<()>,
}

impl Chan {
    fn is_closed(&self) -> bool {
        matches!(self.closed_rx.try_recv(), Err(TryRecvError::Disconnected))
    }
}

enum GetError {
    Timeout,
    Closed,
}

impl GetError {
    fn into_pyerr(self) -> PyErr {
        match self {
            GetError::Timeout => PyTimeoutError::new_err("Queue.get timed out: the queue stayed empty"),
            GetError::Closed => QueueClosed::new_err("the queue is closed and empty"),
        }
    }
}

/// A failed `put`. It hands the item back, so that it is dropped attached.
enum PutError {
    Timeout(Py<PyAny>),
    Closed(Py<PyAny>),
}

impl PutError {
    fn into_pyerr(self) -> PyErr {
        match self {
            PutError::Timeout(_item) => PyTimeoutError::new_err("Queue.put timed out: the queue stayed full"),
            PutError::Closed(_item) => QueueClosed::new_err("the queue is closed"),
        }
    }
}

/// Takes the next item, blocking until there is one, the queue is closed, or the
/// deadline passes. This is the raw wait: it does not check that the thread is detached.
/// Only `get_wait` (detached, by proof) and the negative control `get_attached` call it.
fn get_core(chan: &Chan, deadline: Option<Instant>) -> Result<Py<PyAny>, GetError> {
    // Items put before `close()` are still delivered.
    if let Ok(item) = chan.rx.try_recv() {
        return Ok(item);
    }
    if chan.is_closed() {
        return Err(GetError::Closed);
    }
    // Biased: when an item and the close signal are both ready, the item wins.
    let mut sel = Select::new_biased();
    let data = sel.recv(&chan.rx);
    sel.recv(&chan.closed_rx);
    let oper = match deadline {
        None => sel.select(),
        Some(d) => sel.select_deadline(d).map_err(|_| GetError::Timeout)?,
    };
    if oper.index() == data {
        // Cannot fail: the queue holds a sender, so the channel never disconnects.
        oper.recv(&chan.rx).map_err(|_| GetError::Closed)
    } else {
        let _ = oper.recv(&chan.closed_rx);
        // An item may have arrived together with the close signal.
        chan.rx.try_recv().map_err(|_| GetError::Closed)
    }
}

/// `get_core`, callable only while detached: it demands the proof.
fn get_wait(_proof: &Detached<'_>, chan: &Chan, deadline: Option<Instant>) -> Result<Py<PyAny>, GetError> {
    get_core(chan, deadline)
}

/// Enqueues `item`, blocking while the queue is full, until it is closed or the
/// deadline passes. Callable only while detached.
fn put_wait(_proof: &Detached<'_>, chan: &Chan, item: Py<PyAny>, deadline: Option<Instant>) -> Result<(), PutError> {
    if chan.is_closed() {
        return Err(PutError::Closed(item));
    }
    // Biased: once closed, a put fails even if there is room.
    let mut sel = Select::new_biased();
    sel.recv(&chan.closed_rx);
    let space = sel.send(&chan.tx);
    let oper = match deadline {
        None => sel.select(),
        Some(d) => match sel.select_deadline(d) {
            Ok(oper) => oper,
            Err(_) => return Err(PutError::Timeout(item)),
        },
    };
    if oper.index() == space {
        // Cannot fail: the queue holds a receiver.
        oper.send(&chan.tx, item).map_err(|e| PutError::Closed(e.into_inner()))
    } else {
        let _ = oper.recv(&chan.closed_rx);
        Err(PutError::Closed(item))
    }
}

/// A FIFO queue of Python objects, safe to share between threads.
///
/// `Queue(maxsize=0)`: `maxsize <= 0` means unbounded (as in the `queue` module);
/// otherwise `put` blocks while `maxsize` items are waiting.
#[pyclass(frozen, module = "blocking_queue")]
struct Queue {
    chan: Chan,
    /// Dropping this sender (in `close`) disconnects `chan.closed_rx`.
    close_tx: Mutex<Option<Sender<()>>>,
    maxsize: usize,
}

// Above #[pymethods]: methods with a wait get an interpreter token parameter.
#[blocking_detached]
#[pymethods]
impl Queue {
    #[new]
    #[pyo3(signature = (maxsize = 0))]
    fn new(maxsize: isize) -> PyResult<Self> {
        let (tx, rx) = match usize::try_from(maxsize) {
            Ok(0) | Err(_) => crossbeam_channel::unbounded(),
            Ok(n) if n <= MAX_CAPACITY => crossbeam_channel::bounded(n),
            Ok(_) => {
                return Err(PyValueError::new_err(format!(
                    "maxsize above {MAX_CAPACITY} (the slots are allocated up front): use 0 for an unbounded queue"
                )))
            }
        };
        let (close_tx, closed_rx) = crossbeam_channel::bounded(0);
        Ok(Queue { chan: Chan { tx, rx, closed_rx }, close_tx: Mutex::new(Some(close_tx)), maxsize: maxsize.max(0) as usize })
    }

    /// Enqueues `item`, waiting (detached) while the queue is full.
    ///
    /// Raises `TimeoutError` if there is still no room after `timeout` seconds, and
    /// `QueueClosed` if the queue is or gets closed before the item is enqueued.
    #[pyo3(signature = (item, timeout = None))]
    fn put(&self, item: Py<PyAny>, timeout: Option<f64>) -> PyResult<()> {
        let deadline = deadline(timeout)?;
        put_wait(detached!(), &self.chan, item, deadline).map_err(PutError::into_pyerr)
    }

    /// Removes and returns the oldest item, waiting (detached) while the queue is empty.
    ///
    /// Raises `TimeoutError` if it stays empty for `timeout` seconds, and
    /// `QueueClosed` once the queue is closed and empty.
    #[pyo3(signature = (timeout = None))]
    fn get(&self, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        let deadline = deadline(timeout)?;
        get_wait(detached!(), &self.chan, deadline).map_err(GetError::into_pyerr)
    }

    /// TEST-ONLY NEGATIVE CONTROL: `get` without detaching. It waits while attached,
    /// so it deadlocks as soon as the producer it waits for must attach first (on a
    /// GIL build the producer waits for the GIL; on a free-threaded build a
    /// `gc.collect()` anywhere waits for this thread). The test suite calls it only in
    /// a subprocess, to show that the scenario `get` survives really deadlocks.
    /// `#[blocking_detached]` leaves it alone because `get_core` is not a wait name.
    #[pyo3(signature = (timeout = None))]
    fn get_attached(&self, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        get_core(&self.chan, deadline(timeout)?).map_err(GetError::into_pyerr)
    }

    /// Closes the queue: wakes every blocked `get` and `put`. Idempotent.
    fn close(&self) -> PyResult<()> {
        self.close_tx.lock().map_err(poisoned)?.take();
        Ok(())
    }

    /// Whether `close()` has been called.
    #[getter]
    fn closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// The `maxsize` given to the constructor (0: unbounded).
    #[getter]
    fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// The number of items waiting (a snapshot: other threads may change it at once).
    fn qsize(&self) -> usize {
        self.chan.rx.len()
    }

    fn empty(&self) -> bool {
        self.chan.rx.is_empty()
    }

    fn full(&self) -> bool {
        self.chan.rx.is_full()
    }
}

// -- WorkerPool and Job -----------------------------------------------------------------

/// Where a worker leaves the outcome of one call.
struct Slot {
    outcome: Mutex<Option<PyResult<Py<PyAny>>>>,
    ready: Condvar,
}

impl Slot {
    fn complete(&self, outcome: PyResult<Py<PyAny>>) {
        // Nothing panics while holding this lock; recover the data if it ever did.
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
        self.ready.notify_all();
    }
}

/// The pending result of one `WorkerPool.submit`.
#[pyclass(frozen, module = "blocking_queue")]
struct Job {
    slot: Arc<Slot>,
}

#[blocking_detached]
#[pymethods]
impl Job {
    /// Waits (detached) for the call to finish and returns its value, or re-raises the
    /// exception it raised. Raises `TimeoutError` if it has not finished after
    /// `timeout` seconds. Can be called any number of times, from any thread.
    #[pyo3(signature = (timeout = None))]
    fn result(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        let timeout = timeout_duration(timeout)?;
        // Held only for a moment by the worker, which never attaches while holding it.
        let guard = self.slot.outcome.lock().map_err(poisoned)?;
        // Both waits are rewritten to run detached; the guard crosses on this thread.
        let guard = match timeout {
            None => self.slot.ready.wait_while(guard, |o| o.is_none()).map_err(poisoned)?,
            Some(t) => self.slot.ready.wait_timeout_while(guard, t, |o| o.is_none()).map_err(poisoned)?.0,
        };
        match guard.as_ref() {
            None => Err(PyTimeoutError::new_err("Job.result timed out: the call has not finished")),
            Some(Ok(value)) => Ok(value.clone_ref(py)),
            Some(Err(err)) => Err(err.clone_ref(py)),
        }
    }

    /// Whether the call has finished (without waiting).
    fn done(&self) -> PyResult<bool> {
        Ok(self.slot.outcome.lock().map_err(poisoned)?.is_some())
    }
}

type JobMsg = (Py<PyAny>, Arc<Slot>);

/// One worker thread: attaches for each call, waits for jobs detached (it is a Rust
/// thread that is never attached while it waits).
fn worker_loop(func: Py<PyAny>, jobs: Receiver<JobMsg>) {
    while let Ok((arg, slot)) = jobs.recv() {
        let outcome = Python::attach(|py| func.call1(py, (arg,)));
        slot.complete(outcome);
    }
}

/// `WorkerPool(func, workers=4, backlog=None)`: `workers` threads that call
/// `func(item)` for each submitted item.
///
/// `backlog=None` queues any number of jobs; an integer bounds the queue of jobs no
/// worker has taken yet, and `submit` then blocks (detached) while it is full.
#[pyclass(frozen, module = "blocking_queue")]
struct WorkerPool {
    jobs: Mutex<Option<Sender<JobMsg>>>,
    handles: Mutex<Vec<JoinHandle<()>>>,
    workers: usize,
}

// `send` on a bounded channel blocks: list it, so `submit` waits detached.
#[blocking_detached(waits = [send])]
#[pymethods]
impl WorkerPool {
    #[new]
    #[pyo3(signature = (func, workers = 4, backlog = None))]
    fn new(py: Python<'_>, func: Py<PyAny>, workers: usize, backlog: Option<usize>) -> PyResult<Self> {
        if workers == 0 || workers > MAX_WORKERS {
            return Err(PyValueError::new_err(format!("workers must be between 1 and {MAX_WORKERS}")));
        }
        let (tx, rx) = match backlog {
            None => crossbeam_channel::unbounded(),
            Some(n) if n <= MAX_CAPACITY => crossbeam_channel::bounded(n),
            Some(_) => return Err(PyValueError::new_err(format!("backlog above {MAX_CAPACITY}: use None for no limit"))),
        };
        let mut handles = Vec::with_capacity(workers);
        for i in 0..workers {
            let (func, rx) = (func.clone_ref(py), rx.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("blocking-queue-worker-{i}"))
                .spawn(move || worker_loop(func, rx));
            match spawned {
                Ok(handle) => handles.push(handle),
                // Dropping `tx` stops the workers already started.
                Err(e) => return Err(PyRuntimeError::new_err(format!("cannot start a worker thread: {e}"))),
            }
        }
        Ok(WorkerPool { jobs: Mutex::new(Some(tx)), handles: Mutex::new(handles), workers })
    }

    /// Queues `func(item)` and returns its `Job`. With a `backlog`, waits (detached)
    /// while the backlog is full. Raises `RuntimeError` after `shutdown()`.
    fn submit(&self, item: Py<PyAny>) -> PyResult<Job> {
        // Clone the sender out of the lock: `shutdown` must never wait for this lock
        // while a submit is blocked in `send`.
        let tx = self.jobs.lock().map_err(poisoned)?.clone();
        let tx = tx.ok_or_else(|| PyRuntimeError::new_err("the pool is shut down"))?;
        let slot = Arc::new(Slot { outcome: Mutex::new(None), ready: Condvar::new() });
        tx.send((item, Arc::clone(&slot)))
            .map_err(|_| PyRuntimeError::new_err("every worker thread has stopped"))?;
        Ok(Job { slot })
    }

    /// Stops accepting jobs. The jobs already queued still run. With `wait=True`,
    /// joins the worker threads (detached: they may be attached, running `func`).
    /// Idempotent; a call from inside `func` does not join its own thread.
    #[pyo3(signature = (wait = true))]
    fn shutdown(&self, py: Python<'_>, wait: bool) -> PyResult<()> {
        self.jobs.lock().map_err(poisoned)?.take();
        if !wait {
            return Ok(());
        }
        let handles = std::mem::take(&mut *self.handles.lock().map_err(poisoned)?);
        let me = std::thread::current().id();
        for handle in handles {
            if handle.thread().id() == me {
                continue;
            }
            handle.join().map_err(|_| PyRuntimeError::new_err("a worker thread panicked"))?;
        }
        Ok(())
    }

    #[getter]
    fn workers(&self) -> usize {
        self.workers
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.shutdown(py, true)?;
        Ok(false)
    }
}

#[ft_module]
fn blocking_queue(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("QueueClosed", m.py().get_type::<QueueClosed>())?;
    m.add_class::<Queue>()?;
    m.add_class::<WorkerPool>()?;
    m.add_class::<Job>()?;
    Ok(())
}
