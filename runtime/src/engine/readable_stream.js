// ReadableStream for QuickJS (which has none): the default-reader part of the WHATWG
// Streams standard, pull-based, with a count (or size()) queuing strategy.
//
// Evaluated once per runtime at start-up (engine/streams.rs). The expression is a
// function: the engine calls it with the global object and its hooks for Python-backed
// streams, it installs `ReadableStream` and returns the internals the engine uses (kept
// there, so user code replacing globals changes nothing for conversions).
//
// Not here: byte streams' BYOB readers (`type: "bytes"` is accepted and behaves as a
// default stream), `tee`, `pipeTo`/`pipeThrough`, `WritableStream`, `TransformStream`.
(function install(global, hooks) {
  'use strict';

  const STATE = Symbol('ReadableStream internal state');
  const Promise_ = Promise;
  const promiseThen = Promise.prototype.then;
  const then = (p, ok, err) => promiseThen.call(p, ok, err);
  const resolved = (v) => Promise_.resolve(v);
  const rejected = (e) => Promise_.reject(e);
  const noop = () => {};

  // A promise with its resolvers; `handled` keeps a rejection from being reported
  // as unhandled when nobody listens (as the standard marks `reader.closed`).
  function deferred(handled) {
    let resolve, reject;
    const promise = new Promise_((res, rej) => { resolve = res; reject = rej; });
    if (handled) then(promise, noop, noop);
    return { promise, resolve, reject };
  }

  function hidden(obj, value) {
    Object.defineProperty(obj, STATE, { value, enumerable: false, writable: false, configurable: false });
  }

  function stateOf(obj, kind) {
    const s = obj !== null && (typeof obj === 'object' || typeof obj === 'function') ? obj[STATE] : undefined;
    if (s === undefined || s.kind !== kind) {
      throw new TypeError(`Illegal invocation: not a ${kind}`);
    }
    return s;
  }

  // A FIFO with O(1) amortised shift (a producer may enqueue many chunks in start()).
  class Queue {
    constructor() { this.items = []; this.head = 0; this.total = 0; }
    get length() { return this.items.length - this.head; }
    push(value, size) { this.items.push({ value, size }); this.total += size; }
    shift() {
      const item = this.items[this.head];
      this.items[this.head++] = undefined;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      this.total -= item.size;
      if (this.length === 0) this.total = 0; // no floating-point drift
      return item.value;
    }
    clear() { this.items = []; this.head = 0; this.total = 0; }
  }

  // ------------------------------------------------------------------ controller

  class ReadableStreamDefaultController {
    constructor() { throw new TypeError('Illegal constructor'); }

    get desiredSize() {
      return desiredSize(stateOf(this, 'controller').stream);
    }

    enqueue(chunk) {
      const s = stateOf(this, 'controller').stream;
      if (s.closeRequested || s.state !== 'readable') {
        throw new TypeError('Cannot enqueue: the stream is closed or closing');
      }
      const reader = s.reader;
      if (reader !== undefined && reader.requests.length > 0) {
        reader.requests.shift().resolve({ value: chunk, done: false });
      } else {
        let size = 1;
        if (s.size !== undefined) {
          try {
            size = Number(s.size(chunk));
            if (!(size >= 0) || size === Infinity) throw new RangeError('chunk size must be a finite, non-negative number');
          } catch (e) {
            errorStream(s, e);
            throw e;
          }
        }
        s.queue.push(chunk, size);
      }
      callPullIfNeeded(s);
    }

    close() {
      const s = stateOf(this, 'controller').stream;
      if (s.closeRequested || s.state !== 'readable') {
        throw new TypeError('Cannot close: the stream is closed or closing');
      }
      s.closeRequested = true;
      if (s.queue.length === 0) closeStream(s);
    }

    error(e) {
      const s = stateOf(this, 'controller').stream;
      if (s.state === 'readable') errorStream(s, e);
    }
  }

  function desiredSize(s) {
    if (s.state === 'errored') return null;
    if (s.state === 'closed') return 0;
    return s.hwm - s.queue.total;
  }

  function shouldCallPull(s) {
    if (s.state !== 'readable' || s.closeRequested || !s.started) return false;
    if (s.reader !== undefined && s.reader.requests.length > 0) return true;
    return desiredSize(s) > 0;
  }

  // At most one pull at a time: a pull returning a promise is not called again until
  // that promise settles. This is what bounds what a producer makes ahead of the reader.
  function callPullIfNeeded(s) {
    if (!shouldCallPull(s)) return;
    if (s.pulling) { s.pullAgain = true; return; }
    s.pulling = true;
    let p;
    try {
      p = resolved(s.source.pull === undefined ? undefined : s.source.pull(s.controller));
    } catch (e) {
      p = rejected(e);
    }
    then(p, () => {
      s.pulling = false;
      if (s.pullAgain) { s.pullAgain = false; callPullIfNeeded(s); }
    }, (e) => { errorStream(s, e); });
  }

  function closeStream(s) {
    if (s.state !== 'readable') return;
    s.state = 'closed';
    const reader = s.reader;
    if (reader !== undefined) {
      const requests = reader.requests;
      reader.requests = [];
      for (const r of requests) r.resolve({ value: undefined, done: true });
      reader.closed.resolve(undefined);
    }
    s.source = {}; // let the producer be collected
  }

  function errorStream(s, e) {
    if (s.state !== 'readable') return;
    s.state = 'errored';
    s.storedError = e;
    s.queue.clear();
    const reader = s.reader;
    if (reader !== undefined) {
      const requests = reader.requests;
      reader.requests = [];
      for (const r of requests) r.reject(e);
      reader.closed.reject(e);
    }
    s.source = {};
  }

  function cancelStream(s, reason) {
    if (s.state === 'closed') return resolved(undefined);
    if (s.state === 'errored') return rejected(s.storedError);
    const source = s.source;
    s.queue.clear();
    closeStream(s);
    let p;
    try {
      p = resolved(source.cancel === undefined ? undefined : source.cancel(reason));
    } catch (e) {
      p = rejected(e);
    }
    return then(p, () => undefined);
  }

  // ------------------------------------------------------------------ reader

  class ReadableStreamDefaultReader {
    constructor(stream) {
      const s = stateOf(stream, 'stream');
      if (s.reader !== undefined) throw new TypeError('ReadableStream is locked to a reader');
      const r = { kind: 'reader', stream: s, requests: [], closed: deferred(true) };
      hidden(this, r);
      s.reader = r;
      if (s.state === 'closed') r.closed.resolve(undefined);
      else if (s.state === 'errored') r.closed.reject(s.storedError);
    }

    get closed() {
      return stateOf(this, 'reader').closed.promise;
    }

    read() {
      let r;
      try { r = stateOf(this, 'reader'); } catch (e) { return rejected(e); }
      return readFrom(r);
    }

    cancel(reason) {
      let r;
      try { r = stateOf(this, 'reader'); } catch (e) { return rejected(e); }
      if (r.stream === undefined) return rejected(new TypeError('The reader has been released'));
      return cancelStream(r.stream, reason);
    }

    releaseLock() {
      const r = stateOf(this, 'reader');
      releaseReader(r);
    }
  }

  function readFrom(r) {
    const s = r.stream;
    if (s === undefined) return rejected(new TypeError('The reader has been released'));
    if (s.state === 'closed') return resolved({ value: undefined, done: true });
    if (s.state === 'errored') return rejected(s.storedError);
    if (s.queue.length > 0) {
      const chunk = s.queue.shift();
      if (s.closeRequested && s.queue.length === 0) closeStream(s);
      else callPullIfNeeded(s);
      return resolved({ value: chunk, done: false });
    }
    const d = deferred(false);
    r.requests.push(d);
    callPullIfNeeded(s);
    return d.promise;
  }

  function releaseReader(r) {
    const s = r.stream;
    if (s === undefined) return;
    const err = new TypeError('The reader was released');
    const requests = r.requests;
    r.requests = [];
    for (const q of requests) q.reject(err);
    if (s.state === 'readable') r.closed.reject(err);
    else {
      r.closed = deferred(true);
      r.closed.reject(err);
    }
    s.reader = undefined;
    r.stream = undefined;
  }

  // ------------------------------------------------------------------ stream

  class ReadableStream {
    constructor(underlyingSource, strategy) {
      const source = underlyingSource === undefined || underlyingSource === null ? {} : underlyingSource;
      if (typeof source !== 'object' && typeof source !== 'function') {
        throw new TypeError('underlyingSource must be an object');
      }
      const type = source.type;
      if (type !== undefined && String(type) !== 'bytes') {
        throw new RangeError(`Invalid underlying source type: ${String(type)}`);
      }
      for (const name of ['start', 'pull', 'cancel']) {
        if (source[name] !== undefined && typeof source[name] !== 'function') {
          throw new TypeError(`underlyingSource.${name} must be a function`);
        }
      }
      const st = strategy === undefined || strategy === null ? {} : strategy;
      let hwm = st.highWaterMark === undefined ? 1 : Number(st.highWaterMark);
      if (Number.isNaN(hwm) || hwm < 0) throw new RangeError('highWaterMark must be a non-negative number');
      const size = st.size;
      if (size !== undefined && typeof size !== 'function') throw new TypeError('strategy.size must be a function');
      const s = {
        kind: 'stream',
        state: 'readable',
        storedError: undefined,
        reader: undefined,
        queue: new Queue(),
        hwm,
        size,
        // Methods are called with the source as `this`, as the standard does.
        source: {
          pull: source.pull === undefined ? undefined : (c) => source.pull.call(source, c),
          cancel: source.cancel === undefined ? undefined : (r) => source.cancel.call(source, r),
        },
        started: false,
        pulling: false,
        pullAgain: false,
        closeRequested: false,
        controller: undefined,
      };
      hidden(this, s);
      const controller = Object.create(ReadableStreamDefaultController.prototype);
      hidden(controller, { kind: 'controller', stream: s });
      s.controller = controller;
      const start = source.start === undefined ? undefined : source.start.call(source, controller);
      then(resolved(start), () => {
        s.started = true;
        callPullIfNeeded(s);
      }, (e) => { errorStream(s, e); });
    }

    get locked() {
      return stateOf(this, 'stream').reader !== undefined;
    }

    cancel(reason) {
      let s;
      try { s = stateOf(this, 'stream'); } catch (e) { return rejected(e); }
      if (s.reader !== undefined) return rejected(new TypeError('Cannot cancel a locked ReadableStream'));
      return cancelStream(s, reason);
    }

    getReader(options) {
      stateOf(this, 'stream');
      const mode = options === undefined || options === null ? undefined : options.mode;
      if (mode !== undefined) {
        throw String(mode) === 'byob'
          ? new TypeError('BYOB readers are not supported by this ReadableStream')
          : new RangeError(`Invalid reader mode: ${String(mode)}`);
      }
      return new ReadableStreamDefaultReader(this);
    }

    values(options) {
      const preventCancel = !!(options && options.preventCancel);
      const reader = this.getReader();
      const r = reader[STATE];
      let finished = false;
      const iterator = {
        next() {
          if (finished) return resolved({ value: undefined, done: true });
          return then(readFrom(r), (res) => {
            if (res.done) { finished = true; releaseReader(r); }
            return res;
          }, (e) => {
            finished = true;
            releaseReader(r);
            throw e;
          });
        },
        return(value) {
          if (finished) return resolved({ value, done: true });
          finished = true;
          const s = r.stream;
          const p = !preventCancel && s !== undefined ? cancelStream(s, value) : resolved(undefined);
          releaseReader(r);
          return then(p, () => ({ value, done: true }));
        },
        [Symbol.asyncIterator]() { return this; },
      };
      Object.setPrototypeOf(iterator, AsyncIteratorPrototype);
      return iterator;
    }

    [Symbol.asyncIterator](options) {
      return this.values(options);
    }

    static from(iterable) {
      if (iterable === null || iterable === undefined) throw new TypeError('ReadableStream.from needs an iterable');
      let method = iterable[Symbol.asyncIterator];
      let sync = false;
      if (method === undefined || method === null) {
        method = iterable[Symbol.iterator];
        sync = true;
      }
      if (typeof method !== 'function') throw new TypeError('ReadableStream.from needs an (async) iterable');
      const it = method.call(iterable);
      if (it === null || typeof it !== 'object') throw new TypeError('the iterator is not an object');
      const step = (res) => {
        if (res === null || typeof res !== 'object') throw new TypeError('iterator result is not an object');
        return res;
      };
      return new ReadableStream({
        pull(c) {
          return then(resolved(it.next()), (res) => {
            step(res);
            if (res.done) { c.close(); return undefined; }
            // A sync iterator's values may be promises: awaited, as the standard does.
            return sync ? then(resolved(res.value), (v) => { c.enqueue(v); }) : c.enqueue(res.value);
          });
        },
        cancel(reason) {
          const ret = it.return;
          if (typeof ret !== 'function') return undefined;
          return then(resolved(ret.call(it, reason)), (res) => { step(res); });
        },
      }, { highWaterMark: 0 });
    }
  }

  const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);

  Object.defineProperty(ReadableStream.prototype, Symbol.toStringTag, { value: 'ReadableStream', configurable: true });
  Object.defineProperty(ReadableStreamDefaultReader.prototype, Symbol.toStringTag, { value: 'ReadableStreamDefaultReader', configurable: true });
  Object.defineProperty(ReadableStreamDefaultController.prototype, Symbol.toStringTag, { value: 'ReadableStreamDefaultController', configurable: true });

  for (const [name, value] of [
    ['ReadableStream', ReadableStream],
    ['ReadableStreamDefaultReader', ReadableStreamDefaultReader],
    ['ReadableStreamDefaultController', ReadableStreamDefaultController],
  ]) {
    Object.defineProperty(global, name, { value, writable: true, enumerable: false, configurable: true });
  }

  // ------------------------------------------------------------------ engine internals

  return {
    ReadableStream,
    // The engine's reader of a stream handed to Python (throws if the stream is locked).
    reader(stream) {
      return new ReadableStreamDefaultReader(stream);
    },
    read(reader) {
      return readFrom(reader[STATE]);
    },
    // Cancels a stream handed to Python: through its reader when the engine holds one.
    cancel(stream, reader) {
      if (reader !== undefined) {
        const r = reader[STATE];
        if (r.stream !== undefined) return cancelStream(r.stream, undefined);
        return resolved(undefined);
      }
      const s = stream[STATE];
      if (s.reader !== undefined) return resolved(undefined); // JS code holds it
      return cancelStream(s, undefined);
    },
    // A stream whose chunks come from a Python async iterator (`PyStreamSource`):
    // each pull asks Python for one item; `hooks.pull(id)` resolves to [done, value].
    pyStream(id) {
      return new ReadableStream({
        pull(c) {
          return then(hooks.pull(id), (res) => {
            if (res[0]) c.close();
            else c.enqueue(res[1]);
          });
        },
        cancel() {
          hooks.cancel(id);
        },
      }, { highWaterMark: 1 });
    },
  };
})
