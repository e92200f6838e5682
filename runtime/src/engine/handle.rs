//! The engine's face towards Python: a command sender and a few atomics. Holds no
//! engine object and no Python object, so it may be shared by every thread.

use crate::command::Command;
use crate::value::Limits;
use crossbeam_channel::{Sender, TrySendError};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Lifecycle states.
pub const RUNNING: u8 = 0;
pub const TERMINATED: u8 = 1;
pub const HEAP_LIMIT: u8 = 2;

pub struct Shared {
    /// 0 = running, TERMINATED, HEAP_LIMIT.
    pub state: AtomicU8,
    pub closed: AtomicBool,
    /// Sequence number of the command the engine is running JS for.
    pub current_seq: AtomicU64,
    /// Sequence numbers whose JS must stop (Ctrl-C, cancelled futures).
    cancelled: Mutex<HashSet<u64>>,
    any_cancelled: AtomicBool,
    /// Deadline of the running evaluation, in µs since `base`, plus one; 0 = none.
    pub deadline_us: AtomicU64,
    pub base: Instant,
    next_seq: AtomicU64,
    next_op: AtomicU32,
    /// Live `JsFunction` proxies (`Runtime._debug_tracked_function_count`).
    pub live_functions: std::sync::atomic::AtomicUsize,
    pub limits: Limits,
    pub default_timeout: Option<Duration>,
    /// The fork generation that started the engine (a forked child has no engine thread).
    pub fork_generation: u64,
}

impl Shared {
    pub fn new(limits: Limits, default_timeout: Option<Duration>) -> Self {
        Shared {
            state: AtomicU8::new(RUNNING),
            closed: AtomicBool::new(false),
            current_seq: AtomicU64::new(0),
            cancelled: Mutex::new(HashSet::new()),
            any_cancelled: AtomicBool::new(false),
            deadline_us: AtomicU64::new(0),
            base: Instant::now(),
            next_seq: AtomicU64::new(1),
            // Op ids count from 0 per runtime, as in the published jsrun.
            next_op: AtomicU32::new(0),
            live_functions: std::sync::atomic::AtomicUsize::new(0),
            limits,
            default_timeout,
            fork_generation: fork_generation(),
        }
    }

    /// Polled by the engine's interrupt handler while JS runs.
    pub fn should_interrupt(&self) -> bool {
        if self.state.load(Ordering::Relaxed) != RUNNING || self.closed.load(Ordering::Relaxed) {
            return true;
        }
        if self.is_cancelled(self.current_seq.load(Ordering::Relaxed)) {
            return true;
        }
        self.deadline_passed()
    }

    /// Asks for the JS of command `seq` to stop (now if it runs, at once if it starts).
    pub fn cancel(&self, seq: u64) {
        if let Ok(mut c) = self.cancelled.lock() {
            c.insert(seq);
            self.any_cancelled.store(true, Ordering::SeqCst);
        }
    }

    pub fn uncancel(&self, seq: u64) {
        if let Ok(mut c) = self.cancelled.lock() {
            c.remove(&seq);
            self.any_cancelled.store(!c.is_empty(), Ordering::SeqCst);
        }
    }

    pub fn is_cancelled(&self, seq: u64) -> bool {
        seq != 0
            && self.any_cancelled.load(Ordering::Relaxed)
            && self
                .cancelled
                .lock()
                .map(|c| c.contains(&seq))
                .unwrap_or(false)
    }

    pub fn deadline_passed(&self) -> bool {
        let dl = self.deadline_us.load(Ordering::Relaxed);
        dl != 0 && (self.base.elapsed().as_micros() as u64) + 1 >= dl
    }

    pub fn set_deadline(&self, timeout: Option<Duration>) {
        let v = match timeout {
            Some(t) => (self.base.elapsed() + t).as_micros() as u64 + 1,
            None => 0,
        };
        self.deadline_us.store(v, Ordering::Relaxed);
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq.fetch_add(1, Ordering::Relaxed)
    }

    pub fn next_op_id(&self) -> u32 {
        self.next_op.fetch_add(1, Ordering::Relaxed)
    }
}

/// Shared by `Runtime`, `JsFunction` and friends.
pub struct Handle {
    tx: Sender<Command>,
    pub shared: Arc<Shared>,
    pub join: Mutex<Option<JoinHandle<()>>>,
    /// Disconnected when the engine thread has finished (its sender is dropped last).
    pub exited: crossbeam_channel::Receiver<()>,
}

impl Handle {
    pub fn new(
        tx: Sender<Command>,
        shared: Arc<Shared>,
        exited: crossbeam_channel::Receiver<()>,
    ) -> Self {
        Handle {
            tx,
            shared,
            join: Mutex::new(None),
            exited,
        }
    }

    /// A forked child inherits the handle but not the engine thread.
    pub fn forked(&self) -> bool {
        fork_generation() != self.shared.fork_generation
    }

    /// Sends without ever blocking (the channel is unbounded).
    pub fn send(&self, cmd: Command) -> Result<(), Command> {
        match self.tx.try_send(cmd) {
            Ok(()) => Ok(()),
            Err(TrySendError::Disconnected(c)) | Err(TrySendError::Full(c)) => Err(c),
        }
    }

    /// Sends the command `make` builds, the first time only (`flag` remembers): the
    /// release of a handle from `close()` and from `Drop`, whichever comes first.
    pub fn send_once(&self, flag: &AtomicBool, make: impl FnOnce() -> Command) {
        if !flag.swap(true, Ordering::AcqRel) {
            let _ = self.send(make());
        }
    }

    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::Acquire)
    }

    /// Is the current thread this runtime's engine thread (a bound Python function
    /// calling back into its own runtime)?
    pub fn on_engine_thread(&self) -> bool {
        // A thread-local instead of a locked thread id: this runs on every call.
        ENGINE_OF_THIS_THREAD.with(|e| e.get() == Arc::as_ptr(&self.shared) as usize)
    }

    /// Marks the runtime closed and asks the engine to stop. Never waits.
    pub fn request_close(&self) {
        if !self.shared.closed.swap(true, Ordering::AcqRel) {
            let _ = self.send(Command::Close);
        }
    }

    /// The join handle, if nobody took it yet (the one who takes it joins).
    pub fn take_join(&self) -> Option<JoinHandle<()>> {
        self.join.lock().ok()?.take()
    }
}

/// Bumped in every forked child. Checked on every call, where `getpid()` (a system
/// call) would cost more than the rest of the check.
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);

extern "C" fn bump_fork_generation() {
    FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
}

fn fork_generation() -> u64 {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        // SAFETY: registers a handler that only touches an atomic (async-signal-safe).
        unsafe { libc::pthread_atfork(None, None, Some(bump_fork_generation)) };
    });
    FORK_GENERATION.load(Ordering::Relaxed)
}

thread_local! {
    /// On an engine thread: the address of its runtime's `Shared`; 0 elsewhere.
    static ENGINE_OF_THIS_THREAD: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Marks the current thread as the engine thread of `shared` (called once, at its start).
pub fn mark_engine_thread(shared: &Arc<Shared>) {
    ENGINE_OF_THIS_THREAD.with(|e| e.set(Arc::as_ptr(shared) as usize));
}

/// Every live runtime, for the exit hook.
pub static LIVE: Mutex<Vec<Weak<Handle>>> = Mutex::new(Vec::new());

pub fn register_live(h: &Arc<Handle>) {
    if let Ok(mut v) = LIVE.lock() {
        v.retain(|w| w.strong_count() > 0);
        v.push(Arc::downgrade(h));
    }
}

pub fn live_handles() -> Vec<Arc<Handle>> {
    LIVE.lock()
        .map(|v| v.iter().filter_map(|w| w.upgrade()).collect())
        .unwrap_or_default()
}
