//! setTimeout / setInterval bookkeeping (engine thread only).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::{Duration, Instant};

pub struct Timer<T> {
    pub payload: T,
    pub interval: Option<Duration>,
    pub due: Instant,
}

pub struct Timers<T> {
    map: HashMap<u64, Timer<T>>,
    queue: BinaryHeap<Reverse<(Instant, u64)>>,
    next: u64,
}

impl<T> Default for Timers<T> {
    fn default() -> Self {
        Timers {
            map: HashMap::new(),
            queue: BinaryHeap::new(),
            next: 1,
        }
    }
}

impl<T> Timers<T> {
    pub fn add(&mut self, delay: Duration, interval: bool, payload: T) -> u64 {
        let id = self.next;
        self.next += 1;
        let due = Instant::now() + delay;
        self.map.insert(
            id,
            Timer {
                payload,
                interval: interval.then_some(delay.max(Duration::from_millis(1))),
                due,
            },
        );
        self.queue.push(Reverse((due, id)));
        id
    }

    pub fn remove(&mut self, id: u64) -> Option<Timer<T>> {
        self.map.remove(&id)
    }

    /// Re-arms an interval timer after it fired.
    pub fn rearm(&mut self, id: u64, timer: Timer<T>) {
        let due = Instant::now() + timer.interval.unwrap_or_default();
        self.queue.push(Reverse((due, id)));
        self.map.insert(id, Timer { due, ..timer });
    }

    /// The id of one due timer, removed from the table.
    pub fn pop_due(&mut self, now: Instant) -> Option<(u64, Timer<T>)> {
        while let Some(Reverse((due, id))) = self.queue.peek().copied() {
            if due > now {
                return None;
            }
            self.queue.pop();
            if self.map.get(&id).is_some_and(|t| t.due == due) {
                return self.map.remove(&id).map(|t| (id, t));
            }
        }
        None
    }

    pub fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(Reverse((due, id))) = self.queue.peek().copied() {
            if self.map.get(&id).is_some_and(|t| t.due == due) {
                return Some(due);
            }
            self.queue.pop();
        }
        None
    }

    pub fn counts(&self) -> (u64, u64) {
        let intervals = self.map.values().filter(|t| t.interval.is_some()).count() as u64;
        (self.map.len() as u64 - intervals, intervals)
    }

    pub fn clear(&mut self) -> Vec<T> {
        self.queue.clear();
        self.map.drain().map(|(_, t)| t.payload).collect()
    }
}
