"""Differential conformance: the same cases against ours and the published jsrun 0.3.0.

    python compare.py --ours PY [--published PY] [--write-golden] [--only GLOB ...]
    python compare.py --write-docs | --check-docs

Each implementation runs in its own interpreter (``runner.py``); records are compared
case by case. Without ``--published`` ours is compared with the recorded published
results (``published.json``). Differences fail the run (exit 1) unless an entry of
``allowlist.toml`` covers the case.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import allowlist  # noqa: E402

RUNNER = allowlist.HERE / "runner.py"


def run_impl(python: str, only: list[str], label: str) -> dict[str, object]:
    """All records of one implementation; a case that kills its process is recorded as died."""
    records: dict[str, object] = {}
    died: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp) / "records.jsonl"
        for _ in range(1000):
            cmd = [python, str(RUNNER), str(out), "--skip", *records, *died]
            if only:
                cmd += ["--only", *only]
            env = dict(os.environ)
            env.pop("PYTHONPATH", None)
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
            started = None
            for line in out.read_text(encoding="utf-8").splitlines() if out.exists() else []:
                item = json.loads(line)
                if "start" in item:
                    started = item["start"]
                else:
                    records[item["case"]] = item["record"]
                    started = None
            if started is None and proc.returncode == 0:
                break
            if started is None:
                raise SystemExit(f"{label}: runner failed before any case (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
            died.append(started)
            tail = proc.stderr.strip().splitlines()[-1:] or [""]
            records[started] = {"died": f"exit {proc.returncode}", "stderr": tail[0][:200]}
    return records


def show(record: object) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False)[:400]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours")
    parser.add_argument("--published")
    parser.add_argument("--write-golden", action="store_true")
    parser.add_argument("--only", nargs="*", default=[])
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--check-docs", action="store_true")
    args = parser.parse_args()

    if args.write_docs:
        allowlist.write_docs()
        return 0
    if args.check_docs:
        ok = allowlist.docs_current() == allowlist.docs_section()
        print("docs/jsrun.md matches the allow-list" if ok else "docs/jsrun.md is stale: run compare.py --write-docs")
        return 0 if ok else 1

    if args.published:
        published = run_impl(args.published, args.only, "published")
        if args.write_golden:
            golden = json.loads(allowlist.GOLDEN.read_text()) if allowlist.GOLDEN.exists() and args.only else {}
            golden.update(published)
            # One line per case: reviewable diffs when a case is added or changes.
            lines = [f"{json.dumps(k)}: {json.dumps(golden[k], sort_keys=True, ensure_ascii=False)}" for k in sorted(golden)]
            allowlist.GOLDEN.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
            print(f"wrote {len(published)} published records to {allowlist.GOLDEN}")
        else:
            golden = json.loads(allowlist.GOLDEN.read_text()) if allowlist.GOLDEN.exists() else {}
            stale = sorted(k for k in published if k in golden and golden[k] != published[k])
            missing = sorted(k for k in published if k not in golden)
            if stale or missing:
                print(f"published.json is stale: {len(stale)} records differ, {len(missing)} missing "
                      "(run make conformance-golden)")
                for k in (stale + missing)[:20]:
                    print(f"  {k}")
    else:
        published = json.loads(allowlist.GOLDEN.read_text())
    if not args.ours:
        return 0

    ours = run_impl(args.ours, args.only, "ours")
    listed = allowlist.entries()
    same = 0
    allowed: dict[str, int] = {}
    differ: list[str] = []
    for case_id in sorted(set(ours) | set(published)):
        if case_id in ours and case_id in published and ours[case_id] == published[case_id]:
            same += 1
            continue
        entry = allowlist.allowed_by(case_id, listed)
        if entry is not None and case_id in ours and "died" not in ours[case_id]:
            allowed[entry.id] = allowed.get(entry.id, 0) + 1
            continue
        differ.append(case_id)
        print(f"DIFF {case_id}")
        print(f"   published: {show(published.get(case_id, '<no such case>'))}")
        print(f"   ours:      {show(ours.get(case_id, '<no such case>'))}")
    total = len(set(ours) | set(published))
    print(f"\nconformance: {total} cases, {same} identical, "
          f"{sum(allowed.values())} allowed ({', '.join(f'{k} {v}' for k, v in sorted(allowed.items())) or 'none'}), "
          f"{len(differ)} differences")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
