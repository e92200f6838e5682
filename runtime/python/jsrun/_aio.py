"""Coroutine wrappers: the Rust side starts the work once a loop is running."""

from typing import Any, Callable


async def drive(start: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # `start` needs the running loop (it creates the future the engine completes),
    # so it runs when the coroutine is first awaited, as with a native `async def`.
    return await start(*args, **kwargs)
