"""Command line: ``python -m jsrun -c CODE`` or ``python -m jsrun FILE`` (``-`` = stdin).

Evaluates the code in a fresh runtime (a returned promise is awaited) and prints
``str()`` of the result, nothing for ``undefined``. Errors go to stderr with exit
status 1: a JavaScript exception as ``JavaScript Error: Name: message`` followed by
its stack; exit status 2 for usage errors, 130 for Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from ._jsrun import JavaScriptError, Runtime, RuntimeConfig, undefined


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m jsrun",
        description="Evaluate JavaScript (QuickJS-NG) and print the result.",
    )
    p.add_argument("-c", "--command", dest="command", metavar="CODE", help="JavaScript code to evaluate")
    p.add_argument("file", nargs="?", metavar="FILE", help="JavaScript file to evaluate ('-' reads stdin)")
    p.add_argument(
        "--console",
        action="store_true",
        help="enable console.log & co. (written to stdout/stderr)",
    )
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="stop the evaluation after SECONDS")
    return p


def _source(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    if args.command is not None and args.file is not None:
        parser.error("Cannot specify both -c and a file argument")
    if args.command is not None:
        return str(args.command)
    if args.file is None:
        parser.error("Must specify either -c or a file argument")
    if args.file == "-":
        return sys.stdin.read()
    try:
        with open(args.file, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        print(f"Error: cannot read {args.file!r}: {e.strerror or e}", file=sys.stderr)
        raise SystemExit(1) from None


async def _run(code: str, console: bool, timeout: float | None) -> Any:
    with Runtime(RuntimeConfig(enable_console=console)) as rt:
        return await rt.eval_async(code, timeout=timeout)


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    code = _source(args, parser)
    try:
        result = asyncio.run(_run(code, args.console, args.timeout))
    except JavaScriptError as e:
        # The stack starts with "Name: message" (as V8's does); the frames follow.
        stack = getattr(e, "stack", None)
        print(f"JavaScript Error: {stack.rstrip() if stack else e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - the CLI reports any failure
        print(f"Error: {e}", file=sys.stderr)
        return 1
    if result is not undefined:
        print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
