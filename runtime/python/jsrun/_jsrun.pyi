"""Type stubs of the extension module `jsrun._jsrun` (kept in sync with src/python/)."""

import asyncio
import datetime
from collections.abc import AsyncIterable, Awaitable, Callable, Coroutine, Generator, Mapping
from typing import Any, Final, Literal, TypeVar, final, overload

from typing_extensions import Self

__all__ = [
    "InspectorConfig", "InspectorEndpoints", "JavaScriptError", "JsFunction", "JsPromise",
    "JsStream", "JsUndefined", "PyStreamSource", "Runtime", "RuntimeConfig", "RuntimeStats",
    "RuntimeTerminated", "SnapshotBuilder", "undefined", "_close_all",
]

_F = TypeVar("_F", bound=Callable[..., Any])

_Timeout = float | int | datetime.timedelta | None

class JavaScriptError(Exception):
    """An exception thrown by JavaScript."""

    name: str
    message: str
    stack: str | None
    frames: list[dict[str, Any]]

class RuntimeTerminated(RuntimeError):
    """The runtime was terminated (host request or heap limit)."""

@final
class JsUndefined:
    """JavaScript `undefined`; only the `undefined` singleton exists."""

    def __bool__(self) -> Literal[False]: ...
    def __copy__(self) -> JsUndefined: ...
    def __deepcopy__(self, memo: Any, /) -> JsUndefined: ...

undefined: Final[JsUndefined]

@final
class InspectorConfig:
    """Where a DevTools inspector would listen; accepted, but no engine here has one."""

    def __new__(
        cls,
        host: str = "127.0.0.1",
        port: int = 9229,
        *,
        wait_for_connection: bool = False,
        break_on_next_statement: bool = False,
        target_url: str | None = None,
        display_name: str | None = None,
    ) -> Self: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    wait_for_connection: bool
    break_on_next_statement: bool
    target_url: str | None
    display_name: str | None
    def endpoint(self) -> str: ...

@final
class InspectorEndpoints:
    """DevTools URLs of a running inspector; never produced by this engine."""

    @property
    def id(self) -> str: ...
    @property
    def websocket_url(self) -> str: ...
    @property
    def devtools_frontend_url(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def target_url(self) -> str: ...
    @property
    def favicon_url(self) -> str: ...
    @property
    def host(self) -> str: ...

@final
class SnapshotBuilder:
    """Runs scripts now and records their bytecode; `build()` returns the image."""

    def __new__(cls, *, bootstrap: str | None = None, enable_console: bool | None = False) -> Self: ...
    def execute_script(self, name: str, source: str) -> None: ...
    def build(self) -> bytes: ...

@final
class RuntimeConfig:
    def __new__(
        cls,
        *,
        max_heap_size: int | None = None,
        initial_heap_size: int | None = None,
        bootstrap: str | None = None,
        timeout: _Timeout = None,
        enable_console: bool | None = None,
        inspector: InspectorConfig | None = None,
        snapshot: bytes | None = None,
        max_serialization_depth: int | None = None,
        max_serialization_bytes: int | None = None,
    ) -> Self: ...
    max_heap_size: int | None
    initial_heap_size: int | None
    bootstrap: str | None
    timeout: float | int | datetime.timedelta | None
    @property
    def enable_console(self) -> bool: ...
    inspector: InspectorConfig | None
    snapshot: bytes | None
    max_serialization_depth: int
    max_serialization_bytes: int

@final
class RuntimeStats:
    @property
    def heap_total_bytes(self) -> int: ...
    @property
    def heap_used_bytes(self) -> int: ...
    @property
    def external_memory_bytes(self) -> int: ...
    @property
    def physical_total_bytes(self) -> int: ...
    @property
    def total_execution_time_ms(self) -> int: ...
    @property
    def last_execution_time_ms(self) -> int: ...
    @property
    def last_execution_kind(self) -> str | None: ...
    @property
    def eval_sync_count(self) -> int: ...
    @property
    def eval_async_count(self) -> int: ...
    @property
    def eval_module_sync_count(self) -> int: ...
    @property
    def eval_module_async_count(self) -> int: ...
    @property
    def call_function_sync_count(self) -> int: ...
    @property
    def call_function_async_count(self) -> int: ...
    @property
    def active_async_ops(self) -> int: ...
    @property
    def open_resources(self) -> int: ...
    @property
    def active_timers(self) -> int: ...
    @property
    def active_intervals(self) -> int: ...
    @property
    def active_js_streams(self) -> int: ...
    @property
    def active_py_streams(self) -> int: ...
    @property
    def total_js_streams(self) -> int: ...
    @property
    def total_py_streams(self) -> int: ...
    @property
    def bytes_streamed_js_to_py(self) -> int:
        """Payload read by Python from JS streams: UTF-8 length of str chunks, length of
        bytes chunks (`Uint8Array`/`ArrayBuffer`); other chunk types count 0."""
    @property
    def bytes_streamed_py_to_js(self) -> int:
        """Payload read by JS from Python streams: UTF-8 length of str chunks, length of
        bytes/bytearray/memoryview chunks; other chunk types count 0."""

@final
class JsPromise:
    """A pending JavaScript promise; await it on any event loop."""

    def __await__(self) -> Generator[Any, None, Any]: ...
    # The Rust halves of the methods written in Python (jsrun._aio, jsrun._streams).
    def _start(self, lp: asyncio.AbstractEventLoop, fut: asyncio.Future[Any]) -> asyncio.Future[Any]: ...

@final
class JsFunction:
    """A JavaScript function living on its runtime's engine thread."""

    def __call__(self, *args: Any, timeout: _Timeout = None) -> Any:
        """The converted result, or a `JsPromise` when the function returned a pending promise."""
    def call_async(self, *args: Any, timeout: _Timeout = None) -> Coroutine[Any, Any, Any]: ...
    def close(self) -> Awaitable[None]: ...
    def _call_async_start(
        self,
        event_loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
        args: tuple[Any, ...],
        timeout: _Timeout = None,
    ) -> None: ...

@final
class JsStream:
    """An async iterator over a JavaScript `ReadableStream`.

    Each chunk is converted like any value; `StopAsyncIteration` at the end,
    `JavaScriptError` if the stream errors. Released when garbage-collected or when
    the runtime closes.
    """

    def __aiter__(self) -> Self: ...
    async def __anext__(self) -> Any:
        """Await and return the next chunk of the stream."""
    def _read_start(self, event_loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any]) -> bool: ...
    def close(self) -> None:
        """Cancel the stream and release it; later reads end the iteration. Idempotent."""

@final
class PyStreamSource:
    """A Python async iterable that JavaScript reads as a `ReadableStream`.

    Made by `Runtime.stream_from_async_iterable`; pass it to JS once.
    """

    def close(self) -> None:
        """End the stream and close the iterator (`aclose()`); idempotent."""
    def _driver(self) -> Any: ...

@final
class Runtime:
    def __new__(cls, config: RuntimeConfig | None = None) -> Self: ...
    def eval(self, code: str, /, *, timeout: _Timeout = None) -> Any: ...
    def eval_async(self, code: str, /, *, timeout: _Timeout = None) -> Coroutine[Any, Any, Any]: ...
    def eval_module(self, specifier: str, /, *, timeout: _Timeout = None) -> dict[str, Any]:
        """Loads and evaluates an ES module (waiting for a top-level await); returns its namespace (``default`` included)."""
    def eval_module_async(
        self, specifier: str, /, *, timeout: _Timeout = None
    ) -> Coroutine[Any, Any, dict[str, Any]]:
        """Same, as a coroutine: top-level await allowed, async loaders awaited on the caller's loop."""
    def set_module_resolver(self, resolver: Callable[[str, str], str | None] | None) -> None:
        """``resolver(specifier, referrer)`` (``referrer`` "." for the entry module): a resolved
        URL for the loader, or None/"" for the static resolution; anything else is denied."""
    def set_module_loader(self, loader: Callable[[str], Any] | None) -> None:
        """``loader(resolved_url)``: the module's source, or an awaitable of it (for
        ``eval_module_async`` only)."""
    def add_static_module(self, name: str, source: str) -> None:
        """Registers a module importable as ``name`` or ``static:<name>`` (resolved as
        ``jsrun://static/<name>``)."""
    def bind_function(self, name: str, handler: Callable[..., Any]) -> None: ...
    @overload
    def bind(self, func: _F, /, *, name: str | None = None) -> _F: ...
    @overload
    def bind(self, func: None = None, /, *, name: str | None = None) -> Callable[[_F], _F]: ...
    def bind_object(self, name: str, mapping: Mapping[str, Any]) -> None: ...
    def register_op(
        self, name: str, handler: Callable[..., Any], /, *, mode: Literal["sync", "async"] = "sync"
    ) -> int: ...
    def stream_from_async_iterable(self, iterable: AsyncIterable[Any]) -> PyStreamSource:
        """Wrap `iterable` so JavaScript reads it as a `ReadableStream`; needs a running event
        loop. What is not an async iterable fails the first read in JS."""
    def get_stats(self) -> RuntimeStats: ...
    def inspector_endpoints(self) -> InspectorEndpoints | None: ...
    def is_closed(self) -> bool: ...
    def close(self) -> None: ...
    def terminate(self) -> None: ...
    def __enter__(self) -> Runtime: ...
    def __exit__(self, *args: object) -> bool: ...
    def _eval_async_start(
        self,
        event_loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
        code: str,
        timeout: _Timeout = None,
    ) -> None: ...
    def _eval_module_async_start(
        self,
        event_loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
        specifier: str,
        timeout: _Timeout = None,
    ) -> None: ...
    def _register_op(
        self, name: str, handler: Callable[..., Any], mode: str, coroutine: bool
    ) -> int: ...
    def _stream_loop(self) -> asyncio.AbstractEventLoop: ...
    def _stream_source(self, driver: Any) -> PyStreamSource: ...

def _close_all() -> None: ...
def _check_timeout(timeout: _Timeout) -> int | None: ...
