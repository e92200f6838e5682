"""Not collected yet (run it with `pytest runtime/tests/conformance/check_published.py`):
it joins the suite as runtime/tests/test_conformance.py once the case files land.

The conformance cases (tests/conformance) against ours, in this interpreter.

Each case's record must equal the one the published jsrun 0.3.0 gave
(``conformance/published.json``, recorded by ``make conformance-golden``), unless the
allow-list covers it. ``make conformance`` runs the same cases live against both.
"""

import json
import os
import sys

import pytest

import jsrun

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import allowlist  # noqa: E402
from harness import load_cases, run_case  # noqa: E402

CASES = load_cases()
GOLDEN = json.loads(allowlist.GOLDEN.read_text(encoding="utf-8")) if allowlist.GOLDEN.exists() else {}
ENTRIES = allowlist.entries()


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_case_matches_published(case_id):
    record = run_case(jsrun, CASES[case_id])
    assert case_id in GOLDEN, f"no published record for {case_id}: run make conformance-golden"
    if allowlist.allowed_by(case_id, ENTRIES) is not None:
        return  # ran without crashing or hanging; the difference is listed on purpose
    assert record == GOLDEN[case_id]


def test_enough_cases_and_every_case_recorded():
    assert len(CASES) >= 300, len(CASES)
    assert sorted(set(GOLDEN) - set(CASES)) == [], "published.json has records of removed cases"


def test_allowlist_is_short_and_each_entry_is_shown_by_a_test():
    assert len(ENTRIES) <= 10
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    for entry in ENTRIES:
        assert entry.reason and entry.summary, entry.id
        assert any(entry.covers(c) for c in CASES), f"{entry.id} covers no case"
        path, _, name = entry.test.partition("::")
        source = open(os.path.join(root, path), encoding="utf-8").read()
        assert f"def {name.split('[')[0]}(" in source, f"{entry.id}: {entry.test} does not exist"


def test_docs_differences_section_is_generated_from_the_allowlist():
    assert allowlist.docs_current() == allowlist.docs_section(ENTRIES), (
        "docs/jsrun.md is stale: python runtime/tests/conformance/compare.py --write-docs"
    )
