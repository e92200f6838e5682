"""Coroutine wrappers: the Rust side starts the work once a loop is running."""

import asyncio
import typing as _t


def new_future() -> "tuple[asyncio.AbstractEventLoop, asyncio.Future[_t.Any]]":
    """The running loop and a new future on it, made here rather than by the Rust side.

    Interpreter shutdown ends daemon threads (``pthread_exit``, up to Python 3.13)
    when they next run Python code; ``loop.create_future()`` is Python code, and a
    thread ended while Rust frames are on its stack crashes the process instead.
    """
    loop = asyncio.get_running_loop()
    return loop, loop.create_future()


async def drive(start: _t.Callable[..., _t.Any], *args: _t.Any) -> _t.Any:
    # `start` needs the running loop (the engine completes the future made for it), so
    # it runs when the coroutine is first awaited, as with a native `async def`.
    loop, fut = new_future()
    start(loop, fut, *args)
    return await fut


def await_promise(promise: _t.Any) -> _t.Generator[_t.Any, None, _t.Any]:
    """``JsPromise.__await__``: the future is made and awaited here, in Python."""
    loop, fut = new_future()
    return (yield from promise._start(loop, fut).__await__())
