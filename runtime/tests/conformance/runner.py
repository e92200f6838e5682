"""Runs the conformance cases against the ``jsrun`` importable in this interpreter.

    python runner.py OUT.jsonl [--skip ID ...] [--only GLOB ...]

Appends one JSON line per case, ``{"case": ID, "record": ...}``, and flushes after each,
so that a case that crashes or hangs the process (the watchdog ends it after
``--case-timeout`` seconds) loses nothing before it: ``compare.py`` restarts the runner
after the last finished case and records the lost one as ``{"died": ...}``.
"""

from __future__ import annotations

import argparse
import faulthandler
import fnmatch
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import load_cases, run_case  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--skip", nargs="*", default=[])
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--case-timeout", type=float, default=30.0)
    args = parser.parse_args()

    import jsrun

    cases = load_cases()
    skip = set(args.skip)
    with open(args.out, "a", encoding="utf-8") as out:
        for case_id, fn in cases.items():
            if case_id in skip:
                continue
            if args.only and not any(fnmatch.fnmatchcase(case_id, g) for g in args.only):
                continue
            out.write(json.dumps({"start": case_id}) + "\n")
            out.flush()
            faulthandler.dump_traceback_later(args.case_timeout, exit=True)
            record = run_case(jsrun, fn)
            faulthandler.cancel_dump_traceback_later()
            out.write(json.dumps({"case": case_id, "record": record}, sort_keys=True) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
