"""The conformance harness: cases, and how a case is reduced to a comparable record.

A case is a function ``def name(js)`` (or ``async def``) registered with ``@case``; ``js``
is the implementation's ``jsrun`` module. It returns what it observed: a value, or a
dict of several observations (``attempt(...)`` turns a call into a result-or-exception
observation). ``run_case`` reduces that to a JSON record with ``norm`` so that two
implementations, run in different interpreters, can be compared line by line.

Cases own their runtimes (create, close) so that they can run in any order, in any
thread, and once each.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import math
from typing import Any, Callable

CASES: dict[str, Callable[..., Any]] = {}


def case(fn=None, *, name: str | None = None):
    """Registers a case under ``<module suffix>.<function name>`` (e.g. ``config.timeout_nan``)."""

    def register(f):
        module = f.__module__.rsplit(".", 1)[-1]
        area = module[len("cases_"):] if module.startswith("cases_") else module
        key = f"{area}.{name or f.__name__}"
        if key in CASES:
            raise ValueError(f"duplicate conformance case {key}")
        CASES[key] = f
        return f

    return register(fn) if fn is not None else register


class Raised:
    """An exception as observed: its class name and message."""

    def __init__(self, exc: BaseException):
        self.type = type(exc).__name__
        self.message = str(exc)


def attempt(fn: Callable[[], Any], *args, **kwargs) -> Any:
    """Calls ``fn``; the result, or the exception it raised, as an observation."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the exception is the observation
        return Raised(exc)


async def attempt_async(awaitable_or_fn) -> Any:
    """Awaits; the result, or the exception it raised, as an observation."""
    try:
        if callable(awaitable_or_fn):
            awaitable_or_fn = awaitable_or_fn()
        return await awaitable_or_fn
    except Exception as exc:  # noqa: BLE001
        return Raised(exc)


def norm(value: Any, depth: int = 0) -> Any:
    """A JSON-able record of a value that keeps what callers can tell apart (types too)."""
    if depth > 50:
        return "<deep>"
    if isinstance(value, Raised):
        return {"raises": value.type, "message": value.message}
    if isinstance(value, BaseException):
        return norm(Raised(value), depth)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else {"int": str(value)}
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value) or value == int(value):
            return {"float": repr(value)}
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {type(value).__name__: bytes(value).hex()}
    if isinstance(value, datetime.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, datetime.timedelta):
        return {"timedelta": value.total_seconds()}
    if isinstance(value, (list, tuple)):
        return {type(value).__name__: [norm(v, depth + 1) for v in value]}
    if isinstance(value, (set, frozenset)):
        return {type(value).__name__: sorted((norm(v, depth + 1) for v in value), key=repr)}
    if isinstance(value, dict):
        return {"dict": [[norm(k, depth + 1), norm(v, depth + 1)] for k, v in value.items()]}
    name = type(value).__name__
    if name == "JsUndefined":
        return "<undefined>"
    return f"<{name}>"


def run_case(js, fn) -> Any:
    """Runs one case against ``js`` and returns its record."""
    try:
        if inspect.iscoroutinefunction(fn):
            observed = asyncio.run(fn(js))
        else:
            observed = fn(js)
    except Exception as exc:  # noqa: BLE001 - an uncaught exception is a record too
        observed = Raised(exc)
    return norm(observed)


def load_cases() -> dict[str, Callable[..., Any]]:
    """Imports every ``cases_*.py`` beside this file and returns the registry."""
    import importlib
    import pathlib
    import sys

    here = pathlib.Path(__file__).resolve().parent
    if str(here) not in sys.path:
        sys.path.insert(0, str(here))
    for path in sorted(here.glob("cases_*.py")):
        importlib.import_module(path.stem)
    return CASES
