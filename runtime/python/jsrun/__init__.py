"""Run JavaScript from Python.

Each :class:`Runtime` owns one JavaScript engine (QuickJS-NG) running on its own OS
thread. Any Python thread may call any method; calls are served one at a time, in
arrival order. Waiting for the engine never holds the interpreter (GIL or, on
free-threaded builds, the attached thread state).

The module-level helpers (:func:`eval`, :func:`eval_async`, ...) use a *default
runtime* owned by the current asyncio task when one is running, otherwise by the
current thread.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import threading
from typing import Any, Callable, Mapping

from ._jsrun import (
    InspectorConfig,
    InspectorEndpoints,
    JavaScriptError,
    JsFunction,
    JsPromise,
    JsStream,
    JsUndefined,
    PyStreamSource,
    Runtime,
    RuntimeConfig,
    RuntimeStats,
    RuntimeTerminated,
    SnapshotBuilder,
    _close_all,
    undefined,
)
from . import _aio, _streams

# The async methods and the streams' Python halves (see `_aio`'s docstring for why
# they are Python code).
_aio.install()
_streams.install()

# The published jsrun's names (JsPromise and PyStreamSource are importable too).
__all__ = [
    "Runtime",
    "RuntimeConfig",
    "RuntimeStats",
    "JsFunction",
    "JsStream",
    "JsUndefined",
    "JavaScriptError",
    "RuntimeTerminated",
    "SnapshotBuilder",
    "InspectorConfig",
    "InspectorEndpoints",
    "undefined",
    "eval",
    "eval_async",
    "bind_function",
    "bind_object",
    "get_default_runtime",
    "close_default_runtime",
]


# --------------------------------------------------------------------- default runtime

class _Entry:
    __slots__ = ("runtime", "owner")

    def __init__(self, runtime: Runtime, owner: object) -> None:
        self.runtime = runtime
        self.owner = owner


_default: contextvars.ContextVar[_Entry | None] = contextvars.ContextVar("jsrun_default_runtime", default=None)
_thread_local = threading.local()


def _current_owner() -> object:
    """The running asyncio task if any, else the current thread."""
    try:
        task = asyncio.current_task()
    except RuntimeError:
        task = None
    if task is not None:
        return task
    return threading.current_thread()


class _ThreadCloser:
    """Lives in a thread-local: closes the thread's runtimes when the thread ends."""

    def __init__(self) -> None:
        self.runtimes: list[Runtime] = []

    def __del__(self) -> None:
        for rt in self.runtimes:
            try:
                rt.close()
            except Exception:
                pass


def _close_when_task_done(task: asyncio.Task, rt: Runtime) -> None:
    def done(_t: object) -> None:
        try:
            rt.close()
        except Exception:
            pass

    task.add_done_callback(done)


def get_default_runtime() -> Runtime:
    """The default runtime of the current task (or thread), created lazily."""
    owner = _current_owner()
    entry = _default.get()
    if entry is not None and entry.owner is owner and not entry.runtime.is_closed():
        return entry.runtime
    rt = Runtime()
    _default.set(_Entry(rt, owner))
    if isinstance(owner, asyncio.Task):
        _close_when_task_done(owner, rt)
    else:
        closer = getattr(_thread_local, "closer", None)
        if closer is None:
            closer = _thread_local.closer = _ThreadCloser()
        closer.runtimes = [r for r in closer.runtimes if not r.is_closed()]
        closer.runtimes.append(rt)
    return rt


def close_default_runtime() -> None:
    """Closes the current context's default runtime.

    Raises ``RuntimeError`` when the current task or thread does not own it.
    """
    entry = _default.get()
    if entry is None:
        return
    if entry.owner is not _current_owner():
        raise RuntimeError("Default runtime can only be closed from its owner context.")
    _default.set(None)
    entry.runtime.close()


def eval(code: str) -> Any:  # noqa: A001 - the published API shadows the builtin
    """Evaluates ``code`` on the default runtime."""
    return get_default_runtime().eval(code)


async def eval_async(code: str, **kwargs: Any) -> Any:
    """Evaluates ``code`` on the default runtime, awaiting a returned promise."""
    return await get_default_runtime().eval_async(code, **kwargs)


def bind_function(name: str, handler: Callable[..., Any]) -> None:
    """Binds ``handler`` as ``globalThis[name]`` on the default runtime."""
    get_default_runtime().bind_function(name, handler)


def bind_object(name: str, mapping: Mapping[str, Any]) -> None:
    """Binds ``mapping`` as ``globalThis[name]`` on the default runtime."""
    get_default_runtime().bind_object(name, mapping)


# --------------------------------------------------------------------- async support

_bg_lock = threading.Lock()
_bg_loop: asyncio.AbstractEventLoop | None = None


def _background_loop() -> asyncio.AbstractEventLoop:
    """An event loop on a daemon thread, for async handlers called with no caller loop."""
    global _bg_loop
    with _bg_lock:
        if _bg_loop is None or _bg_loop.is_closed():
            loop = asyncio.new_event_loop()
            t = threading.Thread(target=loop.run_forever, name="jsrun-async-handlers", daemon=True)
            t.start()
            _bg_loop = loop
        return _bg_loop


async def _as_coroutine(awaitable: Any) -> Any:
    return await awaitable


@atexit.register
def _at_exit() -> None:
    _close_all()
