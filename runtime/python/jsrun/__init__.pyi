from collections.abc import Callable, Mapping
from typing import Any

from ._jsrun import (
    InspectorConfig as InspectorConfig,
    InspectorEndpoints as InspectorEndpoints,
    JavaScriptError as JavaScriptError,
    JsFunction as JsFunction,
    JsPromise as JsPromise,
    JsStream as JsStream,
    PyStreamSource as PyStreamSource,
    JsUndefined as JsUndefined,
    Runtime as Runtime,
    RuntimeConfig as RuntimeConfig,
    RuntimeStats as RuntimeStats,
    RuntimeTerminated as RuntimeTerminated,
    SnapshotBuilder as SnapshotBuilder,
    undefined as undefined,
)

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

def eval(code: str) -> Any: ...
async def eval_async(code: str, **kwargs: Any) -> Any: ...
def bind_function(name: str, handler: Callable[..., Any]) -> None: ...
def bind_object(name: str, mapping: Mapping[str, Any]) -> None: ...
def get_default_runtime() -> Runtime: ...
def close_default_runtime() -> None: ...
