"""The Python halves of jsrun's streams (the Rust side is src/python/stream.rs)."""

from __future__ import annotations

import asyncio
import typing as _t

from . import _aio, _jsrun


async def next_chunk(self: _jsrun.JsStream) -> _t.Any:
    """Await and return the next chunk of the stream."""
    # `_read_start(loop, fut)` sends the read; `fut` gives `[done, value]`.
    loop, fut = _aio.new_future()
    if not self._read_start(loop, fut):  # the JsStream was closed
        raise StopAsyncIteration("Stream closed")
    done, value = await fut
    if done:
        raise StopAsyncIteration("Stream closed")
    return value


def stream_from_async_iterable(self: _jsrun.Runtime, iterable: _t.AsyncIterable[_t.Any]) -> _jsrun.PyStreamSource:
    """Wraps a Python async iterable so JavaScript reads it as a ``ReadableStream``
    (pass the result to JS); needs a running event loop, where the iterator runs."""
    return self._stream_source(Source(iterable, self._stream_loop()))


def close_source(self: _jsrun.PyStreamSource) -> None:
    """End the stream and close the iterator (``aclose()``); idempotent."""
    driver = self._driver()
    if driver is not None:
        driver.close()


def install() -> None:
    """Puts the methods above on the Rust classes (their public names)."""
    _aio.put(_jsrun.JsStream, "__anext__", next_chunk)
    _aio.put(_jsrun.Runtime, "stream_from_async_iterable", stream_from_async_iterable)
    _aio.put(_jsrun.PyStreamSource, "close", close_source)


class Source:
    """Runs the async iterator of a ``PyStreamSource`` on the event loop it was made on.

    The engine thread calls :meth:`request` once per JS pull (never two at a time) and
    gets ``(done, value)`` through the done-callback; :meth:`close` may come from any
    thread. All iterator state is only touched on the loop's thread.
    """

    __slots__ = ("_it", "_setup_error", "_loop", "_task", "_closed", "_finished", "_closer")

    def __init__(self, iterable: _t.Any, loop: asyncio.AbstractEventLoop) -> None:
        # As in the published jsrun, anything is accepted here; what is not an async
        # iterable fails the first read in JS ("Failed to get __aiter__: ...").
        self._it: _t.Any = None
        self._setup_error: "str | None" = None
        try:
            self._it = type(iterable).__aiter__(iterable)
        except Exception as exc:  # noqa: BLE001 - reported to the JS reader
            if isinstance(exc, AttributeError):
                exc = AttributeError(f"'{type(iterable).__name__}' object has no attribute '__aiter__'")
            self._setup_error = f"Failed to get __aiter__: {type(exc).__name__}: {exc}"
        self._loop = loop
        self._task: asyncio.Task[_t.Any] | None = None
        self._closed = False  # no more items will be asked for
        self._finished = False  # the iterator is exhausted or closed
        self._closer: _t.Any = None

    # Coroutines are only made on the loop's thread, in a callback: a loop that closes
    # before running the callback then leaves no never-awaited coroutine behind.

    def request(self, settler: _t.Any) -> None:
        """Asks for the next item (from the engine thread); ``settler`` gets it."""
        try:
            self._loop.call_soon_threadsafe(self._start_next, settler)
        except RuntimeError:
            raise RuntimeError("the event loop of this PyStreamSource is closed") from None

    def _start_next(self, settler: _t.Any) -> None:
        _aio.settle_when_done(self._loop.create_task(self._next()), settler)

    async def _next(self) -> tuple[bool, _t.Any]:
        if self._closed:
            return (True, None)
        if self._setup_error is not None:
            self._closed = self._finished = True
            raise TypeError(self._setup_error)
        self._task = asyncio.current_task()
        try:
            value = await self._it.__anext__()
        except StopAsyncIteration:
            self._closed = self._finished = True
            return (True, None)
        except asyncio.CancelledError:
            if self._closed:  # cancelled by close(): the stream just ends
                return (True, None)
            raise
        except Exception as exc:
            # The JS reader gets a TypeError worded as the published jsrun's.
            self._closed = self._finished = True
            raise TypeError(f"Python stream errored: {type(exc).__name__}: {exc}") from exc
        except BaseException:
            self._closed = self._finished = True
            raise
        finally:
            self._task = None
        return (False, value)

    def close(self) -> None:
        """Ends the stream and closes the iterator (``aclose()``), from any thread."""
        loop = self._loop
        if loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._start_close()
        else:
            try:
                loop.call_soon_threadsafe(self._start_close)
            except RuntimeError:  # closed meanwhile: nothing left to clean up for
                pass

    def _start_close(self) -> None:
        self._closed = True
        if self._closer is None:
            self._closer = self._loop.create_task(self._aclose())

    async def _aclose(self) -> None:
        self._closed = True
        task = self._task
        if task is not None and not task.done() and task is not asyncio.current_task():
            # An item is being produced: stop it (an async generator runs its finally).
            task.cancel()
            await asyncio.wait([task])
        if self._finished:
            return
        self._finished = True
        aclose = getattr(self._it, "aclose", None)
        if aclose is not None:
            try:
                await aclose()
            except Exception:
                pass  # a failing clean-up has nobody to report to
