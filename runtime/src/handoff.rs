//! The spin-then-yield-then-park wait both sides of a command use (design.md, section 3).
//!
//! A reply usually arrives within microseconds, so parking at once (two futex wake-ups
//! per round trip) would cost more than the work. But a pure busy-wait is harmful when
//! both threads share one core (2-core machines under load): the spinner then burns
//! the very time slice the other side needs. So: spin only briefly, then poll with
//! `yield_now` between tries (the other thread gets the core), then park.

use std::time::Duration;

/// Tight polling, for replies that are already on their way.
const PURE_SPIN: Duration = Duration::from_micros(3);
/// Polling with the core given away between tries, before parking.
const YIELD_SPIN: Duration = Duration::from_micros(80);

pub enum Phase {
    Spin,
    Yield,
    Park,
}

/// The phase of a waiter that has been polling for `spent`.
pub fn phase(spent: Duration) -> Phase {
    if spent > YIELD_SPIN {
        Phase::Park
    } else if spent > PURE_SPIN {
        Phase::Yield
    } else {
        Phase::Spin
    }
}
