"""Run one scenario for one library in this (fresh) process and print one JSON line.

    python bench/run_one.py LIB SCENARIO [--quick]

The line holds `value`/`unit`, or `na` (the library cannot do it, with the reason), or
`error` (it failed). Run by bench/run.py in the venv that holds LIB.
"""

from __future__ import annotations

import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import adapters  # noqa: E402
import scenarios  # noqa: E402


def main() -> None:
    lib, scenario = sys.argv[1], sys.argv[2]
    if scenario == "_cpu_worker":  # child of threads_ft
        scenarios.cpu_worker(adapters.load(lib), int(sys.argv[3]))
        return
    quick = "--quick" in sys.argv[3:]
    out = {"lib": lib, "scenario": scenario}
    try:
        a = adapters.load(lib)
        out["version"] = a.version()
        out.update(scenarios.SCENARIOS[scenario](a, quick))
    except adapters.NotSupported as e:
        out["na"] = str(e)
    except Exception as e:  # reported, not raised: the table shows it
        out["error"] = f"{type(e).__name__}: {e}"[:300]
        out["traceback"] = traceback.format_exc()[-2000:]
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
