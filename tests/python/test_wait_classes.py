"""Runtime negative controls of the wait rules, examples/wait-classes.

Each class of wait has a pair: the detached function completes, its `_attached` twin
(the same code as it compiled before the rule existed) deadlocks. The scenario is the
same for both: a producer thread has to attach before it delivers (it calls
gc.collect(): on 3.11 it needs the GIL, on 3.13t it stops the world), so a consumer
that waits attached never gets its value. Every run is a subprocess with a timeout.
"""

import subprocess

import pytest

HANG_SECONDS = 6  # a scenario still running after this is a deadlock
DONE_SECONDS = 60

# (class, code with `{f}` for the function or class, detached one, attached twin, output).
PAIRS = [
    ("ft_module entry point", "print({f}(gc.collect))", "next_value", "next_value_attached", "1"),
    ("iterator chain", "print({f}(gc.collect, 3))", "sum_iter", "sum_iter_attached", "6"),
    ("wait inside format!", "print({f}(gc.collect))", "format_next", "format_next_attached", "got 1"),
    ("proof under a re-attach", "print({f}(gc.collect))", "proof_wait", "proof_wait_attached", "1"),
    # Freed at `del`, attached: its Drop joins a thread that attaches to call gc.collect.
    ("Drop that joins", "o = {f}(gc.collect)\ndel o\nprint('freed')", "JoinOnDrop", "JoinOnDropAttached", "freed"),
]
IDS = [p[0] for p in PAIRS]

SCENARIO = """
import gc, wait_classes
{code}
"""


def run(python, code, timeout):
    return python(SCENARIO.format(code=code), timeout=timeout, args=("-W", "error::RuntimeWarning"))


@pytest.mark.parametrize("name, code, detached, attached, expected", PAIRS, ids=IDS)
def test_detached_completes(python, name, code, detached, attached, expected):
    r = run(python, code.format(f=f"wait_classes.{detached}"), DONE_SECONDS)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == expected


@pytest.mark.parametrize("name, code, detached, attached, expected", PAIRS, ids=IDS)
def test_attached_twin_deadlocks(python, name, code, detached, attached, expected):
    """Negative control: the twin waits attached and never finishes (a twin that
    fails fast, a missing name say, does not count: it returns instead)."""
    with pytest.raises(subprocess.TimeoutExpired):
        run(python, code.format(f=f"wait_classes.{attached}"), HANG_SECONDS)


def test_twins_exist():
    import wait_classes

    for _, _, detached, attached, _ in PAIRS:
        assert callable(getattr(wait_classes, detached)) and callable(getattr(wait_classes, attached))
