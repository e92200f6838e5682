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

/// A promise rejected while nobody handled it, with its reason.
struct Candidate {
    key: usize,
    promise: Persistent<JsValue<'static>>,
    reason: Persistent<JsValue<'static>>,
}

thread_local! {
    /// The engine thread's candidates (one QuickJS runtime per engine thread; the
    /// tracker is a `'static` callback that cannot reach the `State`).
    static CANDIDATES: RefCell<Vec<Candidate>> = const { RefCell::new(Vec::new()) };
}

/// Identity of a promise object (its address; the candidate keeps it alive).
fn key(v: &JsValue<'_>) -> usize {
    // SAFETY: reads the pointer bits of an object value, no dereference.
    unsafe { qjs::JS_VALUE_GET_PTR(v.as_raw()) as usize }
}

/// Installs the rejection tracker on the engine thread's runtime.
pub(crate) fn install_tracker(rt: &rquickjs::Runtime) {
    rt.set_host_promise_rejection_tracker(Some(Box::new(
        |ctx: Ctx<'_>, promise: JsValue<'_>, reason: JsValue<'_>, is_handled: bool| {
            let k = key(&promise);
            CANDIDATES.with(|c| {
                let Ok(mut c) = c.try_borrow_mut() else {
                    return;
                };
                if is_handled {
                    c.retain(|x| x.key != k);
                } else if !c.iter().any(|x| x.key == k) {
                    c.push(Candidate {
                        key: k,
                        promise: Persistent::save(&ctx, promise),
                        reason: Persistent::save(&ctx, reason),
                    });
                }
            })
        },
    )));
}

/// Drops the candidates (their JS values) while the runtime is still alive.
pub(crate) fn forget_all() {
    let all = CANDIDATES.with(|c| c.try_borrow_mut().map(|mut c| std::mem::take(&mut *c)));
    drop(all);
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
        let gone = CANDIDATES.with(|c| {
            c.try_borrow_mut()
                .map(|mut c| {
                    let (gone, kept) = std::mem::take(&mut *c)
                        .into_iter()
                        .partition(|x| x.key == k);
                    *c = kept;
                    gone
                })
                .unwrap_or_default()
        });
        drop::<Vec<Candidate>>(gone);
        if p.result::<JsValue>().is_none() {
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
        let all = CANDIDATES.with(|c| c.try_borrow_mut().map(|mut c| std::mem::take(&mut *c)));
        let Ok(all) = all else { return };
        if all.is_empty() {
            return;
        }
        let held: Vec<usize> = self
            .promises
            .borrow()
            .values()
            .map(|p| key(p.as_value()))
            .collect();
        for c in all {
            drop(c.promise);
            let Ok(reason) = c.reason.restore(&self.ctx) else {
                continue;
            };
            if held.contains(&c.key) {
                continue; // a `JsPromise` holds it: the host decides
            }
            if let Some(text) = self.describe_thrown(reason) {
                host::log_error(&format!("Unhandled promise rejection: {text}"));
            }
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
        EngineError::Js(_) | EngineError::Conversion(_) | EngineError::Internal(_) => {
            Some(super::describe(&e))
        }
        EngineError::Timeout
        | EngineError::Terminated(_)
        | EngineError::Interrupted
        | EngineError::Closed => None,
    }
}
