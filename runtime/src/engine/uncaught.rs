//! Errors nobody awaits: exceptions thrown by timer callbacks (and other engine
//! paths that have no caller to raise to) and promise rejections that are still
//! unhandled once the job queue has drained. Both go to Python's `logging`
//! (logger `"jsrun"`, level ERROR) instead of vanishing.
//!
//! Rejections are collected by QuickJS's rejection tracker, which reports a promise
//! when it is rejected without a handler and again when a handler is attached later;
//! the candidates left at the end of a command or timer are logged, except those the
//! host consumes (a promise returned to a caller, held by a `JsPromise`, a module's
//! evaluation promise) and interrupts (timeout, terminate, close).

use super::State;
use crate::command::EngineError;
use crate::python::host;
use rquickjs::{qjs, Ctx, Function, Persistent, Promise, Value as JsValue};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

/// A promise rejected while nobody handled it, with its reason.
struct Candidate {
    /// Rejection order (reports follow it).
    order: u64,
    promise: Persistent<JsValue<'static>>,
    reason: Persistent<JsValue<'static>>,
}

/// Candidates by promise identity: a loop rejecting many promises stays linear.
#[derive(Default)]
struct Candidates {
    next: u64,
    map: HashMap<usize, Candidate>,
}

thread_local! {
    /// The engine thread's candidates (one QuickJS runtime per engine thread; the
    /// tracker is a `'static` callback that cannot reach the `State`).
    static CANDIDATES: RefCell<Option<Candidates>> = const { RefCell::new(None) };
}

/// At most this many rejections are logged one by one per command or timer.
const MAX_REPORTED: usize = 100;

/// Identity of a promise object (its address; the candidate keeps it alive).
fn key(v: &JsValue<'_>) -> usize {
    // SAFETY: reads the pointer bits of an object value, no dereference.
    unsafe { qjs::JS_VALUE_GET_PTR(v.as_raw()) as usize }
}

/// Runs `f` on the candidates (never while JS runs: the borrow is short).
fn with_candidates<R: Default>(f: impl FnOnce(&mut Candidates) -> R) -> R {
    CANDIDATES.with(|c| match c.try_borrow_mut() {
        Ok(mut c) => f(c.get_or_insert_with(Default::default)),
        Err(_) => R::default(),
    })
}

/// Installs the rejection tracker on the engine thread's runtime.
pub(crate) fn install_tracker(rt: &rquickjs::Runtime) {
    rt.set_host_promise_rejection_tracker(Some(Box::new(
        |ctx: Ctx<'_>, promise: JsValue<'_>, reason: JsValue<'_>, is_handled: bool| {
            let k = key(&promise);
            let gone = with_candidates(|c| {
                if is_handled {
                    return c.map.remove(&k);
                }
                if !c.map.contains_key(&k) {
                    c.next += 1;
                    let order = c.next;
                    let promise = Persistent::save(&ctx, promise);
                    let reason = Persistent::save(&ctx, reason);
                    c.map.insert(
                        k,
                        Candidate {
                            order,
                            promise,
                            reason,
                        },
                    );
                }
                None
            });
            drop(gone); // outside the borrow: frees JS values
        },
    )));
}

/// Takes every candidate out, in rejection order.
fn take_all() -> Vec<(usize, Candidate)> {
    let mut all: Vec<_> = with_candidates(|c| std::mem::take(&mut c.map).into_iter().collect());
    all.sort_by_key(|(_, c)| c.order);
    all
}

/// Drops the candidates (their JS values) while the runtime is still alive.
pub(crate) fn forget_all() {
    drop(take_all());
}

impl<'js> State<'js> {
    /// An exception nobody will see (a timer callback's, ...): logged unless it is
    /// an interrupt.
    pub(super) fn report_uncaught(&self, e: rquickjs::Error) {
        let text = match e {
            rquickjs::Error::Exception => {
                let v = self.ctx.catch();
                self.describe_thrown(v)
            }
            other => loggable(self.error(other)),
        };
        if let Some(text) = text {
            host::log_error(&format!("Uncaught {text}"));
        }
    }

    /// The host takes care of `p`'s rejection (it raises it, or awaits it): never log it.
    pub(in crate::engine) fn consume_rejection(&self, p: &Promise<'js>) {
        let k = key(p.as_value());
        let gone = with_candidates(|c| c.map.remove(&k));
        drop(gone);
        // `state()`, not `result()`: the latter throws a rejected promise's reason into
        // the context, where it would stay pending and break the next import.
        if p.state() == rquickjs::promise::PromiseState::Pending {
            // Still pending: a no-op handler marks it handled for when it rejects.
            let r = (|| -> rquickjs::Result<()> {
                let then: Function = p.get("then")?;
                let noop = Function::new(self.ctx.clone(), || {})?;
                then.call::<_, JsValue>((rquickjs::function::This(p.clone()), noop.clone(), noop))?;
                Ok(())
            })();
            if r.is_err() {
                let _ = self.ctx.catch();
            }
        }
    }

    /// Logs the rejections still unhandled now that the job queue has drained.
    pub(super) fn report_rejections(&self) {
        let all = take_all();
        if all.is_empty() {
            return;
        }
        let held: HashSet<usize> = self
            .promises
            .borrow()
            .values()
            .map(|p| key(p.as_value()))
            .collect();
        let mut reported = 0usize;
        let mut more = 0usize;
        for (k, c) in all {
            drop(c.promise);
            if held.contains(&k) {
                continue; // a `JsPromise` holds it: the host decides
            }
            if reported == MAX_REPORTED {
                more += 1;
                continue;
            }
            let Ok(reason) = c.reason.restore(&self.ctx) else {
                continue;
            };
            if let Some(text) = self.describe_thrown(reason) {
                host::log_error(&format!("Unhandled promise rejection: {text}"));
                reported += 1;
            }
        }
        if more > 0 {
            host::log_error(&format!("... and {more} more unhandled promise rejections"));
        }
    }

    /// `Name: message` and the stack for an error object, `String(v)` for anything
    /// else; `None` for interrupts, which are no JS error.
    fn describe_thrown(&self, v: JsValue<'js>) -> Option<String> {
        let is_error = v.is_object() && !v.is_function();
        match self.exception_to_error(v.clone()) {
            EngineError::Js(info) if is_error => {
                let mut s = format!("{}: {}", info.name, info.message);
                if let Some(stack) = info.stack.as_deref().map(str::trim_end) {
                    if !stack.is_empty() {
                        s.push('\n');
                        s.push_str(stack);
                    }
                }
                Some(s)
            }
            EngineError::Js(info) => Some(info.message),
            other => loggable(other),
        }
    }
}

/// What is worth logging about an engine error (interrupts are not).
fn loggable(e: EngineError) -> Option<String> {
    match e {
        EngineError::Js(_)
        | EngineError::Conversion(_)
        | EngineError::Internal(_)
        | EngineError::ModuleLoad(_) => {
            Some(super::describe(&e))
        }
        EngineError::Timeout
        | EngineError::PendingTimeout
        | EngineError::Terminated(_)
        | EngineError::Interrupted
        | EngineError::Closed => None,
    }
}
