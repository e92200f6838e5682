"""Command line: ``python -m jsrun -c CODE`` or ``python -m jsrun FILE`` (``-`` = stdin).

As the published jsrun's: evaluates the code synchronously in a fresh runtime and
prints ``str()`` of the result, nothing for ``undefined``. Errors go to stderr with
exit status 1 (``JavaScript Error: ...`` for a JavaScript exception, ``Error: ...``
otherwise); exit status 2 for usage errors. Beyond it: ``--console``, ``--timeout``,
``-`` for stdin, and 130 for Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._jsrun import JavaScriptError, Runtime, RuntimeConfig, undefined


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Execute JavaScript code using jsrun",
        prog="python -m jsrun",
    )
    p.add_argument("-c", "--command", dest="command", help="Execute JavaScript code from command line")
    p.add_argument("file", nargs="?", help="JavaScript file to execute")  # ('-' reads stdin)
    p.add_argument(
        "--console",
        action="store_true",
        help="enable console.log & co. (written to stdout/stderr)",
    )
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="stop the evaluation after SECONDS")
    return p


def _config(args: argparse.Namespace) -> RuntimeConfig:
    kwargs = {}
    if args.console:
        kwargs["enable_console"] = True
    if args.timeout is not None:
        kwargs["timeout"] = args.timeout
    return RuntimeConfig(**kwargs)


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command and args.file:
        parser.error("Cannot specify both -c and a file argument")
    if not args.command and not args.file:
        parser.error("Must specify either -c or a file argument")
    try:
        with Runtime(_config(args)) as rt:
            if args.command:
                code = args.command
            elif args.file == "-":
                code = sys.stdin.read()
            else:
                file_path = Path(args.file)
                if not file_path.exists():
                    print(f"Error: File '{file_path}' not found", file=sys.stderr)
                    return 1
                code = file_path.read_text(encoding="utf-8")
            result = rt.eval(code)
            if result is not undefined:
                print(result)
    except JavaScriptError as e:
        print(f"JavaScript Error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # noqa: BLE001 - the CLI reports any failure
        print(f"Error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
