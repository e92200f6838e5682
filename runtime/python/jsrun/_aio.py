"""The asyncio half of jsrun's classes, in Python.

Up to Python 3.13, interpreter shutdown ends a daemon thread (``pthread_exit``) when
it next runs Python code, and a thread ended while Rust frames are on its stack
crashes the whole process instead. So no Rust code of jsrun runs Python code on a
thread that may be a daemon thread: whatever creates or sets a future, calls a
coroutine function or reads a finished future is here, and the Rust methods it calls
only send commands and convert values. :func:`install` puts the public methods on
the Rust classes.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import typing as _t

from . import _jsrun

_Timeout = _t.Any  # seconds (int/float), datetime.timedelta or None


def new_future() -> "tuple[asyncio.AbstractEventLoop, asyncio.Future[_t.Any]]":
    """The running loop and a new future on it."""
    loop = asyncio.get_running_loop()
    return loop, loop.create_future()


async def drive(start: _t.Callable[..., _t.Any], *args: _t.Any) -> _t.Any:
    # `start` needs the running loop (the engine completes the future made for it), so
    # it runs when the coroutine is first awaited, as with a native `async def`.
    loop, fut = new_future()
    start(loop, fut, *args)
    return await fut


def complete(fut: "asyncio.Future[_t.Any]", completion: _t.Any) -> None:
    """Sets ``fut`` from a finished request; the engine thread schedules this on the
    future's loop (``call_soon_threadsafe``)."""
    if fut.done():  # cancelled meanwhile
        return
    outcome = completion.take()
    if outcome is None:
        return
    ok, value = outcome
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)


def settle(settler: _t.Any, fut: _t.Any) -> None:
    """Done-callback: hands a finished (asyncio or concurrent) future's outcome to the
    engine, where it settles a JS promise or a stream pull."""
    if fut.cancelled():
        settler.cancelled()
        return
    exc = fut.exception()
    if exc is None:
        settler.succeeded(fut.result())
        return
    try:
        message = str(exc)
    except Exception:
        message = ""
    settler.failed(type(exc).__name__, message)


def settle_when_done(fut: _t.Any, settler: _t.Any) -> None:
    """Registers :func:`settle` on ``fut`` for ``settler``."""
    fut.add_done_callback(functools.partial(settle, settler))


# ------------------------------------------------------------------ public methods


# How a timeout that expired is worded (the published jsrun's texts), by operation.
_TIMED_OUT = {
    "eval": ("Evaluation failed: Async evaluation timed out after {ms}ms",
             "Evaluation failed: Evaluation timed out after {ms}ms (promise still pending)"),
    "module": ("Module evaluation failed: Module evaluation timed out after {ms}ms",) * 2,
    "call": ("Function call failed: Function call timed out after {ms}ms",) * 2,
}
_RUNNING_TIMEOUT = "Evaluation timed out"
_PENDING_TIMEOUT = "Evaluation timed out (promise still pending)"


async def drive_timed(kind: str, ms: "int | None", start: _t.Callable[..., _t.Any], *args: _t.Any) -> _t.Any:
    """:func:`drive`, with an expired ``timeout=`` reported as the published jsrun does."""
    try:
        return await drive(start, *args)
    except RuntimeError as exc:
        if ms is None or type(exc) is not RuntimeError:
            raise
        message = str(exc)
        pending = message.endswith(_PENDING_TIMEOUT)
        if not (pending or message.endswith(_RUNNING_TIMEOUT)):
            raise
        worded = _TIMED_OUT[kind][pending].format(ms=ms)
        raise RuntimeError(worded) from None


def eval_async(self: _jsrun.Runtime, code: str, /, *, timeout: _Timeout = None) -> _t.Any:
    """Evaluates ``code``; a coroutine that resolves with the value, awaiting a promise.

    A non-promise value resolves at once. Cancelling the coroutine cancels the
    evaluation (or the wait for its promise).
    """
    ms = _jsrun._check_timeout(timeout)
    return drive_timed("eval", ms, self._eval_async_start, code, timeout)


def eval_module_async(self: _jsrun.Runtime, specifier: str, /, *, timeout: _Timeout = None) -> _t.Any:
    """Loads and evaluates the ES module ``specifier``; a coroutine resolving with its
    namespace as a dict.

    Top-level await is allowed; awaitable loader results are awaited on the caller's
    event loop. Cancelling it cancels the evaluation.
    """
    ms = _jsrun._check_timeout(timeout)
    return drive_timed("module", ms, self._eval_module_async_start, specifier, timeout)


def call_async(self: _jsrun.JsFunction, *args: _t.Any, timeout: _Timeout = None) -> _t.Any:
    """Calls the function; a coroutine that awaits a returned promise."""
    ms = _jsrun._check_timeout(timeout)
    return drive_timed("call", ms, self._call_async_start, args, timeout)


def await_promise(promise: _t.Any) -> _t.Generator[_t.Any, None, _t.Any]:
    """Waits for the promise to settle and returns its converted value."""
    loop, fut = new_future()
    return (yield from promise._start(loop, fut).__await__())


def is_coroutine_function(handler: _t.Any) -> bool:
    """An ``async def`` function, or an object whose ``__call__`` is one."""
    if inspect.iscoroutinefunction(handler):
        return True
    if not inspect.isfunction(handler):
        call = getattr(handler, "__call__", None)
        if call is not None:
            return inspect.iscoroutinefunction(call)
    return False


def register_op(
    self: _jsrun.Runtime, name: str, handler: _t.Callable[..., _t.Any], /, *, mode: str = "sync"
) -> int:
    """Registers a host op; JS calls it as ``__host_op_sync__(id, ...)`` /
    ``__host_op_async__(id, ...)``. Returns the op id. ``mode="async"`` needs a
    coroutine function, and a coroutine function needs it."""
    return self._register_op(name, handler, mode, is_coroutine_function(handler))


def put(cls: type, name: str, func: _t.Callable[..., _t.Any]) -> None:
    """Makes ``func`` the method ``name`` of the Rust class ``cls``."""
    func.__name__ = name
    func.__qualname__ = f"{cls.__name__}.{name}"
    setattr(cls, name, func)


def install() -> None:
    """Puts the methods above on the Rust classes (their public names)."""
    put(_jsrun.Runtime, "eval_async", eval_async)
    put(_jsrun.Runtime, "eval_module_async", eval_module_async)
    put(_jsrun.Runtime, "register_op", register_op)
    put(_jsrun.JsFunction, "call_async", call_async)
    put(_jsrun.JsPromise, "__await__", await_promise)
