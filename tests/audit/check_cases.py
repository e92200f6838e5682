#!/usr/bin/env python3
"""Runs pyo3-detach-audit on every case under tests/audit and compares with expect.txt.

usage: check_cases.py AUDIT_BINARY [CASE_DIR..]

A case passes when every `PATH:LINE:WAIT` of its expect.txt is among the findings on before/,
and after/ and annotated/ give no finding at all. Findings on before/ that expect.txt does not
list are printed as notes, not failures (expect.txt lists what must be found).
Exit status: 0 all cases pass, 1 a case failed, 2 usage or audit error.
"""

import json
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
AUDIT_TIMEOUT_SECONDS = 120


def read_expect(case: pathlib.Path) -> set[tuple[str, int, str]]:
    expected = set()
    for number, raw in enumerate((case / "expect.txt").read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        path, sep1, rest = line.partition(":")
        lineno, sep2, wait = rest.partition(":")
        if not (sep1 and sep2 and lineno.isdigit() and wait):
            raise ValueError(f"{case.name}/expect.txt:{number}: not PATH:LINE:WAIT: {raw!r}")
        expected.add((path, int(lineno), wait))
    return expected


def findings(audit: str, tree: pathlib.Path) -> set[tuple[str, int, str]]:
    proc = subprocess.run(
        [audit, "--format", "json", "."],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=AUDIT_TIMEOUT_SECONDS,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{tree}: audit exited {proc.returncode}: {proc.stderr.strip()}")
    found = set()
    for line in proc.stdout.splitlines():
        if line.strip():
            item = json.loads(line)
            found.add((item["file"], int(item["line"]), item["wait"]))
    return found


def check(audit: str, case: pathlib.Path) -> bool:
    ok = True
    expected = read_expect(case)
    before = findings(audit, case / "before")
    for site in sorted(expected - before):
        print(f"FAIL {case.name}/before: missing {site[0]}:{site[1]}:{site[2]}")
        ok = False
    for site in sorted(before - expected):
        print(f"note {case.name}/before: also found {site[0]}:{site[1]}:{site[2]}")
    for variant in ("after", "annotated"):
        for site in sorted(findings(audit, case / variant)):
            print(f"FAIL {case.name}/{variant}: reported {site[0]}:{site[1]}:{site[2]}")
            ok = False
    print(f"{'ok  ' if ok else 'FAIL'} {case.name}: {len(expected)} expected")
    return ok


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    audit = sys.argv[1]
    cases = [pathlib.Path(p).resolve() for p in sys.argv[2:]] or sorted(
        p for p in HERE.iterdir() if (p / "expect.txt").is_file()
    )
    try:
        results = [check(audit, case) for case in cases]
    except (OSError, ValueError, RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
