//! The spin-then-yield-then-park wait both sides of a command use (design.md, section 3).
//!
//! A reply usually arrives within microseconds, so parking at once (two futex wake-ups
//! per round trip) would cost more than the work. But a pure busy-wait is harmful when
//! both threads share one core (2-core machines under load): the spinner then burns
//! the very time slice the other side needs. So: spin only briefly, then poll with
//! `yield_now` between tries (the other thread gets the core), then park.

use crate::reply::Inbox;
use crossbeam_channel::{RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

/// Tight polling, for replies that are already on their way.
const PURE_SPIN: Duration = Duration::from_micros(3);
/// Polling with the core given away between tries, before parking.
const YIELD_SPIN: Duration = Duration::from_micros(80);

enum Phase {
    Spin,
    Yield,
    Park,
}

/// The phase of a waiter that has been polling for `spent`.
fn phase(spent: Duration) -> Phase {
    if spent > YIELD_SPIN {
        Phase::Park
    } else if spent > PURE_SPIN {
        Phase::Yield
    } else {
        Phase::Spin
    }
}

/// Polls `rx` through the spin and yield phases: `Some` with the value (or
/// `Disconnected`), `None` when it is time to park (or `until` has passed).
pub fn poll<T>(rx: &impl Inbox<T>, until: Option<Instant>) -> Option<Result<T, RecvTimeoutError>> {
    let start = Instant::now();
    let mut tries = 0u32;
    loop {
        match rx.try_recv() {
            Ok(v) => return Some(Ok(v)),
            Err(TryRecvError::Disconnected) => return Some(Err(RecvTimeoutError::Disconnected)),
            Err(TryRecvError::Empty) => {}
        }
        tries += 1;
        if tries.is_multiple_of(8) {
            let now = Instant::now();
            if until.is_some_and(|d| now >= d) {
                return None;
            }
            match phase(now - start) {
                Phase::Park => return None,
                Phase::Yield => {
                    std::thread::yield_now();
                    continue;
                }
                Phase::Spin => {}
            }
        }
        std::hint::spin_loop();
    }
}
