//! The one-shot slot a command's answer travels back in.
//!
//! A crossbeam `bounded(1)` channel per command did the job, but building and tearing
//! one down (a buffer, two wakers with their own locks, a disconnect pass) was about a
//! tenth of an `eval` round trip. A reply needs much less: one value, one waiter, and
//! "the engine dropped this request" when the sender goes away unanswered.

use crossbeam_channel::{RecvTimeoutError, TryRecvError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

struct Slot<T> {
    state: Mutex<State<T>>,
    /// Set once a value is stored or the sender is gone: lets pollers skip the lock.
    settled: AtomicBool,
    cv: Condvar,
}

struct State<T> {
    value: Option<T>,
    sender_gone: bool,
    /// The receiver sleeps on `cv`: only then does the sender pay for a wake-up.
    sleeping: bool,
}

/// The engine's end: answer once with [`ReplyTx::send`]; dropping it unanswered tells
/// the waiter the request was dropped (`Disconnected`).
pub struct ReplyTx<T>(Arc<Slot<T>>);

/// The caller's end.
pub struct ReplyRx<T>(Arc<Slot<T>>);

/// A fresh slot.
pub fn reply_slot<T>() -> (ReplyTx<T>, ReplyRx<T>) {
    let slot = Arc::new(Slot {
        state: Mutex::new(State {
            value: None,
            sender_gone: false,
            sleeping: false,
        }),
        settled: AtomicBool::new(false),
        cv: Condvar::new(),
    });
    (ReplyTx(slot.clone()), ReplyRx(slot))
}

fn lock<T>(slot: &Slot<T>) -> MutexGuard<'_, State<T>> {
    // Nothing runs user code under this lock: a poisoned one still holds valid data.
    slot.state.lock().unwrap_or_else(|e| e.into_inner())
}

impl<T> ReplyTx<T> {
    /// Stores the answer and wakes the waiter. Never blocks; a vanished waiter is fine.
    pub fn send(self, value: T) -> Result<(), T> {
        self.settle(Some(value));
        Ok(())
    }

    fn settle(&self, value: Option<T>) {
        if self.0.settled.load(Ordering::Acquire) {
            return; // answered already (only this end sets it)
        }
        let mut st = lock(&self.0);
        if st.sender_gone {
            return;
        }
        if value.is_some() {
            st.value = value;
        }
        st.sender_gone = true;
        self.0.settled.store(true, Ordering::Release);
        if st.sleeping {
            self.0.cv.notify_one();
        }
    }
}

impl<T> Drop for ReplyTx<T> {
    fn drop(&mut self) {
        self.settle(None);
    }
}

impl<T> ReplyRx<T> {
    /// The answer if it is there.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        if !self.0.settled.load(Ordering::Acquire) {
            return Err(TryRecvError::Empty);
        }
        let mut st = lock(&self.0);
        match st.value.take() {
            Some(v) => Ok(v),
            None if st.sender_gone => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Sleeps until the answer arrives or `deadline` passes.
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        let mut st = lock(&self.0);
        loop {
            if let Some(v) = st.value.take() {
                return Ok(v);
            }
            if st.sender_gone {
                return Err(RecvTimeoutError::Disconnected);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(RecvTimeoutError::Timeout);
            }
            st.sleeping = true;
            st = match self.0.cv.wait_timeout(st, deadline - now) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
            st.sleeping = false;
        }
    }

    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.recv_deadline(Instant::now() + timeout)
    }
}

/// What the hand-off loop (`handoff::poll`) and the detached waits can poll: a command
/// channel or a reply slot.
pub trait Inbox<T> {
    fn try_recv(&self) -> Result<T, TryRecvError>;
    fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError>;
}

impl<T> Inbox<T> for ReplyRx<T> {
    fn try_recv(&self) -> Result<T, TryRecvError> {
        ReplyRx::try_recv(self)
    }
    fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        ReplyRx::recv_timeout(self, timeout)
    }
}

impl<T> Inbox<T> for crossbeam_channel::Receiver<T> {
    fn try_recv(&self) -> Result<T, TryRecvError> {
        crossbeam_channel::Receiver::try_recv(self)
    }
    fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        crossbeam_channel::Receiver::recv_timeout(self, timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_then_disconnected() {
        let (tx, rx) = reply_slot();
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty)));
        tx.send(7).ok();
        assert_eq!(rx.try_recv().ok(), Some(7));
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Disconnected)));
    }

    #[test]
    fn dropped_sender_is_disconnected() {
        let (tx, rx) = reply_slot::<u8>();
        drop(tx);
        assert!(matches!(
            rx.recv_timeout(Duration::from_secs(5)),
            Err(RecvTimeoutError::Disconnected)
        ));
    }

    #[test]
    fn sleeping_receiver_is_woken() {
        let (tx, rx) = reply_slot();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(1).ok();
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)).ok(), Some(1));
        t.join().ok();
    }

    #[test]
    fn timeout_when_nothing_comes() {
        let (_tx, rx) = reply_slot::<u8>();
        assert!(matches!(
            rx.recv_timeout(Duration::from_millis(10)),
            Err(RecvTimeoutError::Timeout)
        ));
    }
}
