//! Streams on the engine thread (a child of `core`, so it works on `State` directly).
//!
//! - JS -> Python: a `ReadableStream` converted to Python is kept here under an id
//!   (`JsStream`); each `__anext__` is one `reader.read()` whose settlement completes
//!   the Python future with `[done, value]`.
//! - Python -> JS: a `PyStreamSource` becomes a `ReadableStream` whose `pull` asks the
//!   Python iterator for one item (on its event loop); the answer comes back as
//!   `Command::PyStreamSettle`. The polyfill calls `pull` again only once that promise
//!   settled and the queue is below its high-water mark: that is the back-pressure.
//!
//! `ReadableStream` itself is the polyfill `readable_stream.js`, installed at start-up.

use super::{describe, State};
use crate::engine::bytecode;
use crate::command::{AsyncTarget, Outcome, SettleError, StatsData};
use crate::convert::js::{instance_of, to_js};
use crate::python::stream::{self as pystream, PySource};
use crate::value::Value;
use rquickjs::function::This;
use rquickjs::{Ctx, Exception, Function, Object, Promise, Value as JsValue};
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

const POLYFILL: &str = include_str!("readable_stream.js");

/// The polyfill's bytecode, compiled by the first runtime of the process: parsing
/// 16 KB of JS in every new runtime was most of the cost of `Runtime()`.
static POLYFILL_BYTECODE: OnceLock<Vec<u8>> = OnceLock::new();

fn polyfill<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<JsValue<'js>> {
    if let Some(code) = POLYFILL_BYTECODE.get() {
        // SAFETY: written by `bytecode::write` of this engine, in this process.
        return unsafe { bytecode::read(ctx, code) };
    }
    let f = bytecode::compile(ctx, "readable_stream.js", POLYFILL)?;
    let _ = POLYFILL_BYTECODE.set(bytecode::write(ctx, &f)?);
    Ok(f)
}

/// What the polyfill hands the engine (kept: user code may replace the globals).
struct Internals<'js> {
    class: Object<'js>,
    reader: Function<'js>,
    read: Function<'js>,
    cancel: Function<'js>,
    py_stream: Function<'js>,
}

/// A JS stream handed to Python.
struct JsEntry<'js> {
    stream: Object<'js>,
    /// Acquired on the first read (the stream stays unlocked until Python reads it).
    reader: Option<Object<'js>>,
    /// Ended (done, errored or cancelled): no longer counted as active.
    finished: bool,
}

/// A JS stream reading a Python iterator.
struct PyEntry<'js> {
    source: Arc<PySource>,
    /// resolve/reject of the pull waiting for Python's next item.
    waiting: Option<(Function<'js>, Function<'js>)>,
}

#[derive(Default)]
pub(super) struct Streams<'js> {
    internals: OnceCell<Internals<'js>>,
    js: RefCell<HashMap<u64, JsEntry<'js>>>,
    py: RefCell<HashMap<u64, PyEntry<'js>>>,
}

/// What `bytes_streamed_*` counts for one chunk: the length of binary data (bytes /
/// Uint8Array); other chunks count 0, as in the published jsrun.
fn chunk_bytes(v: &Value) -> u64 {
    match v {
        Value::Bytes(b) => b.len() as u64,
        _ => 0,
    }
}

fn end_of_stream() -> Value {
    Value::Array(vec![Value::Bool(true), Value::Undefined])
}

fn closed_stream_error(what: &'static str) -> rquickjs::Error {
    rquickjs::Error::new_into_js_message(what, "ReadableStream", format!("{what} has been closed"))
}

impl<'js> State<'js> {
    /// Evaluates the polyfill: `ReadableStream` & co. become globals.
    pub(super) fn install_streams(&self) -> rquickjs::Result<()> {
        let install: Function = bytecode::run(&self.ctx, &polyfill(&self.ctx)?)?.get()?;
        let (w1, w2) = (self.weak(), self.weak());
        let pull = Function::new(self.ctx.clone(), move |ctx: Ctx<'js>, id: f64| {
            let Some(st) = w1.upgrade() else {
                return Err(Exception::throw_internal(&ctx, "runtime closed"));
            };
            st.py_pull(id as u64)
        })?;
        let cancel = Function::new(self.ctx.clone(), move |id: f64| {
            if let Some(st) = w2.upgrade() {
                st.py_cancel(id as u64);
            }
        })?;
        let hooks = Object::new(self.ctx.clone())?;
        hooks.set("pull", pull)?;
        hooks.set("cancel", cancel)?;
        let int: Object = install.call((self.ctx.globals(), hooks))?;
        let internals = Internals {
            class: int.get("ReadableStream")?,
            reader: int.get("reader")?,
            read: int.get("read")?,
            cancel: int.get("cancel")?,
            py_stream: int.get("pyStream")?,
        };
        let _ = self.streams.internals.set(internals);
        Ok(())
    }

    fn internals(&self) -> rquickjs::Result<&Internals<'js>> {
        self.streams
            .internals
            .get()
            .ok_or_else(|| closed_stream_error("ReadableStream support"))
    }

    /// Calls `f` with the outcome of `p` once it settles.
    fn when_settled(
        &self,
        p: &Promise<'js>,
        f: impl Fn(&State<'js>, Result<JsValue<'js>, JsValue<'js>>) + Clone + 'js,
    ) -> rquickjs::Result<()> {
        let (w1, w2, f2) = (self.weak(), self.weak(), f.clone());
        let on_ok = Function::new(self.ctx.clone(), move |v: JsValue<'js>| {
            if let Some(st) = w1.upgrade() {
                f(&st, Ok(v));
            }
        })?;
        let on_err = Function::new(self.ctx.clone(), move |v: JsValue<'js>| {
            if let Some(st) = w2.upgrade() {
                f2(&st, Err(v));
            }
        })?;
        p.then()?
            .call::<_, JsValue>((This(p.clone()), on_ok, on_err))?;
        Ok(())
    }

    // ------------------------------------------------------------ JS -> Python

    pub(super) fn stream_register(&self, obj: &Object<'js>) -> rquickjs::Result<Option<u64>> {
        let Some(int) = self.streams.internals.get() else {
            return Ok(None);
        };
        if !instance_of(obj, &int.class)? {
            return Ok(None);
        }
        let id = self.new_id();
        self.streams.js.borrow_mut().insert(
            id,
            JsEntry {
                stream: obj.clone(),
                reader: None,
                finished: false,
            },
        );
        self.stats.borrow_mut().total_js_streams += 1;
        Ok(Some(id))
    }

    pub(super) fn stream_value(&self, v: &Value) -> rquickjs::Result<JsValue<'js>> {
        match v {
            Value::JsStream(id) => match self.streams.js.borrow().get(id) {
                Some(e) => Ok(e.stream.clone().into_value()),
                None => Err(closed_stream_error("JsStream")),
            },
            Value::PyStream(source) => self.py_stream_open(source.clone()),
            _ => Err(closed_stream_error("stream")),
        }
    }

    /// `JsStream.__anext__`: completes `target` with `[done, value]` when a read settles.
    pub(super) fn stream_read(&self, seq: u64, id: u64, target: AsyncTarget) {
        self.remember_loop(&target);
        if let Err(e) = self.running() {
            return self.deliver(target, Err(e));
        }
        let p = match self.start_read(id) {
            Ok(Some(p)) => p,
            Ok(None) => return self.deliver(target, Ok(end_of_stream())),
            Err(e) => {
                let err = self.error(e);
                return self.deliver(target, Err(err));
            }
        };
        self.pending.borrow_mut().insert(seq, target.into());
        if let Err(e) = self.when_settled(&p, move |st, r| st.read_settled(seq, id, r)) {
            let err = self.error(e);
            if let Some(target) = self.pending.borrow_mut().remove(&seq) {
                self.deliver(target, Err(err));
            }
        }
        self.run_jobs();
    }

    /// The promise of the next `reader.read()`; `None` once the stream has ended.
    fn start_read(&self, id: u64) -> rquickjs::Result<Option<Promise<'js>>> {
        let int = self.internals()?;
        let (stream, reader) = match self.streams.js.borrow().get(&id) {
            Some(e) if !e.finished => (e.stream.clone(), e.reader.clone()),
            _ => return Ok(None),
        };
        let reader = match reader {
            Some(r) => r,
            None => {
                // Throws if JS code holds the stream's lock.
                let r: Object = int.reader.call((stream,))?;
                if let Some(e) = self.streams.js.borrow_mut().get_mut(&id) {
                    e.reader = Some(r.clone());
                }
                r
            }
        };
        int.read.call((reader,)).map(Some)
    }

    fn read_settled(&self, seq: u64, id: u64, r: Result<JsValue<'js>, JsValue<'js>>) {
        let out = match r {
            Ok(res) => self.read_result(id, res),
            Err(e) => {
                self.finish_js(id);
                Err(self.exception_to_error(e))
            }
        };
        // Gone: the Python future was cancelled (the chunk is dropped with it).
        if let Some(target) = self.pending.borrow_mut().remove(&seq) {
            self.deliver(target, out);
        }
    }

    fn read_result(&self, id: u64, res: JsValue<'js>) -> Outcome {
        let fields = (|| -> rquickjs::Result<(bool, JsValue<'js>)> {
            let obj = Object::from_value(res)?;
            Ok((obj.get("done")?, obj.get("value")?))
        })();
        let (done, value) = fields.map_err(|e| self.error(e))?;
        if done {
            self.finish_js(id);
            return Ok(end_of_stream());
        }
        let v = self.to_value(value)?;
        self.stats.borrow_mut().bytes_streamed_js_to_py += chunk_bytes(&v);
        Ok(Value::Array(vec![Value::Bool(false), v]))
    }

    fn finish_js(&self, id: u64) {
        if let Some(e) = self.streams.js.borrow_mut().get_mut(&id) {
            e.finished = true;
        }
    }

    /// `JsStream.close()` (`cancel`) or its garbage collection: forgets the stream,
    /// cancelling it when asked to or when the engine holds its lock (nobody else can
    /// read it then).
    pub(super) fn stream_release(&self, id: u64, cancel: bool) {
        let Some(e) = self.streams.js.borrow_mut().remove(&id) else {
            return;
        };
        if e.finished || (!cancel && e.reader.is_none()) || self.running().is_err() {
            return;
        }
        let Ok(int) = self.internals() else { return };
        let reader = match e.reader {
            Some(r) => r.into_value(),
            None => JsValue::new_undefined(self.ctx.clone()),
        };
        match int.cancel.call::<_, JsValue>((e.stream, reader)) {
            // Nobody awaits a cancel from `JsStream.close()`: its failure is no news.
            Ok(p) => {
                if let Some(p) = p.as_promise() {
                    self.consume_rejection(p);
                }
            }
            Err(err) => self.report_uncaught(err),
        }
        self.run_jobs();
    }

    // ------------------------------------------------------------ Python -> JS

    fn py_stream_open(&self, source: Arc<PySource>) -> rquickjs::Result<JsValue<'js>> {
        let int = self.internals()?;
        let id = self.new_id();
        self.streams.py.borrow_mut().insert(
            id,
            PyEntry {
                source,
                waiting: None,
            },
        );
        match int.py_stream.call::<_, JsValue>((id as f64,)) {
            Ok(stream) => {
                self.stats.borrow_mut().total_py_streams += 1;
                Ok(stream)
            }
            Err(e) => {
                let entry = self.streams.py.borrow_mut().remove(&id);
                drop(entry);
                Err(e)
            }
        }
    }

    /// The polyfill's `pull`: a promise of Python's next `[done, value]`.
    fn py_pull(&self, id: u64) -> rquickjs::Result<JsValue<'js>> {
        let (p, resolve, reject) = self.ctx.promise()?;
        let source = match self.streams.py.borrow_mut().get_mut(&id) {
            Some(e) => {
                e.waiting = Some((resolve, reject.clone()));
                Some(e.source.clone())
            }
            None => None,
        };
        let failure = match (source, self.handle.upgrade()) {
            (Some(source), Some(handle)) => pystream::request_next(&handle, &source, id).err(),
            _ => Some((
                "Error".to_string(),
                "the stream source is closed".to_string(),
            )),
        };
        if let Some((name, message)) = failure {
            self.py_stream_drop(id);
            reject.call::<_, ()>((self.make_error(&name, &message)?,))?;
        }
        Ok(p.into_value())
    }

    /// The JS stream was cancelled: stop the Python iterator.
    fn py_cancel(&self, id: u64) {
        self.py_stream_drop(id);
    }

    /// Forgets Python stream `id` and closes its iterator (a no-op once exhausted).
    fn py_stream_drop(&self, id: u64) {
        let entry = self.streams.py.borrow_mut().remove(&id);
        if let Some(e) = entry {
            pystream::close_source(&e.source);
        }
    }

    /// Python answered a pull: resolve (or reject) the waiting promise.
    pub(super) fn py_stream_settle(&self, id: u64, result: Result<Value, SettleError>) {
        let waiting = match self.streams.py.borrow_mut().get_mut(&id) {
            Some(e) => e.waiting.take(),
            None => None,
        };
        let Some((resolve, reject)) = waiting else {
            return; // cancelled meanwhile
        };
        if self.running().is_err() {
            return;
        }
        let pair = match result {
            Ok(Value::Array(pair)) if pair.len() == 2 => Ok(pair),
            Ok(_) => Err(SettleError {
                name: "Error".into(),
                message: "internal error: malformed stream item".into(),
            }),
            Err(e) => Err(e),
        };
        let r = match pair {
            Ok(pair) => {
                let done = matches!(pair[0], Value::Bool(true));
                if done {
                    let entry = self.streams.py.borrow_mut().remove(&id);
                    drop(entry);
                } else {
                    self.stats.borrow_mut().bytes_streamed_py_to_js += chunk_bytes(&pair[1]);
                }
                let limit = self.shared.limits.max_depth;
                match to_js(self, &Value::Array(pair), 0, limit) {
                    Ok(js) => resolve.call::<_, ()>((js,)),
                    Err(e) => {
                        let msg = describe(&self.error(e));
                        self.py_stream_drop(id);
                        self.make_error("TypeError", &msg)
                            .and_then(|err| reject.call::<_, ()>((err,)))
                    }
                }
            }
            Err(SettleError { name, message }) => {
                self.py_stream_drop(id);
                self.make_error(&name, &message)
                    .and_then(|err| reject.call::<_, ()>((err,)))
            }
        };
        if let Err(e) = r {
            self.report_uncaught(e);
        }
        self.run_jobs();
    }

    // ------------------------------------------------------------ stats, shutdown

    pub(super) fn stream_stats(&self, s: &mut StatsData) {
        s.active_js_streams = self
            .streams
            .js
            .borrow()
            .values()
            .filter(|e| !e.finished)
            .count() as u64;
        s.active_py_streams = self.streams.py.borrow().len() as u64;
    }

    pub(super) fn streams_shutdown(&self) {
        let js: Vec<_> = self.streams.js.borrow_mut().drain().collect();
        drop(js);
        let py: Vec<_> = self.streams.py.borrow_mut().drain().collect();
        for (_, e) in py {
            pystream::close_source(&e.source);
        }
    }
}
