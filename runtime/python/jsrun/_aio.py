"""Coroutine wrappers: the Rust side starts the work once a loop is running."""

import typing as _t


async def drive(start: _t.Callable[..., _t.Any], *args: _t.Any, **kwargs: _t.Any) -> _t.Any:
    # `start` needs the running loop (it creates the future the engine completes),
    # so it runs when the coroutine is first awaited, as with a native `async def`.
    return await start(*args, **kwargs)
