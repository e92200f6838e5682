"""Demo: what pyo3-detach finds, what it prevents, and what it costs.

Run with `make demo`. Three steps, on the same worker (a thread that attaches to the
interpreter to call a Python function for each job) under the same paced storm of
`gc.collect()` calls (a stop-the-world pause each on a free-threaded build):

1. `pyo3-detach-audit` on the un-annotated twin (`src/unannotated.rs`): the wait it
   reports and the call chain from the Python method to it.
2. The twin, in a subprocess with a watchdog: its `result()` waits on a channel while
   attached, the storm's pause waits for it, the worker waits for the pause. Deadlock.
3. The annotated `Worker` (`#[blocking_detached]`), eight threads at once: it completes,
   with the round-trip rate, and the GIL stays off.
"""

import gc
import os
import subprocess
import sys
import sysconfig
import textwrap
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WATCHDOG_SECONDS = 5
STORM_PAUSE = 0.002  # seconds between collections: ~hundreds of pauses a second
free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def heading(text):
    print(f"\n== {text}")


def storm(stop, counter):
    while not stop.is_set():
        gc.collect()
        counter[0] += 1
        time.sleep(STORM_PAUSE)


def step_audit():
    heading("1. pyo3-detach-audit on the un-annotated twin (examples/detach-demo/src/unannotated.rs)")
    audit = os.environ.get("PYO3_DETACH_AUDIT", os.path.join(ROOT, "target", "debug", "pyo3-detach-audit"))
    if not os.path.exists(audit):
        print(f"(no audit binary at {audit}: build it with `cargo build -p pyo3-detach-audit`)")
        return
    source = os.path.relpath(os.path.join(HERE, "src", "unannotated.rs"), ROOT)
    r = subprocess.run([audit, source], cwd=ROOT, capture_output=True, text=True, timeout=60)
    print(r.stdout.rstrip() or r.stderr.rstrip())
    print(f"(exit status {r.returncode}: {'attached waits found' if r.returncode == 1 else 'unexpected'})")


TWIN = f"""
import faulthandler, gc, sys, threading, time
import detach_demo
faulthandler.dump_traceback_later({WATCHDOG_SECONDS}, exit=True)
stop = threading.Event()
def storm():
    while not stop.is_set():
        gc.collect()
        time.sleep({STORM_PAUSE})
threading.Thread(target=storm, daemon=True).start()
w = detach_demo.AttachedWorker(lambda x: x * x)
for i in range(1000):
    w.submit(i)
    assert w.result() == i * i
print("completed")
"""


def step_twin():
    heading(f"2. The twin under a paced GC storm, in a subprocess with a {WATCHDOG_SECONDS} s watchdog")
    start = time.perf_counter()
    try:
        r = subprocess.run([sys.executable, "-c", TWIN], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        print("deadlocked: the watchdog itself could not run; killed after 60 s")
        return
    elapsed = time.perf_counter() - start
    if "completed" in r.stdout:
        print(f"completed in {elapsed:.1f} s (no deadlock this time: the race was not hit)")
        return
    # faulthandler's dump: where each thread of the twin's script stands.
    source = TWIN.splitlines()
    print(f"deadlocked: stacks dumped, killed after {WATCHDOG_SECONDS} s (exit status {r.returncode})")
    for line in r.stderr.splitlines():
        if '"<string>", line ' in line:
            number = int(line.split("line ")[1].split()[0])
            print(f"    line {number}: {source[number - 1].strip()}")

def step_annotated():
    import detach_demo

    heading("3. The annotated Worker (#[blocking_detached]) under the same storm, 8 threads")
    if free_threaded:
        print(f"Python {sys.version.split()[0]} free-threaded; GIL enabled after import: {sys._is_gil_enabled()}")
    else:
        print(f"Python {sys.version.split()[0]} (GIL build)")
    worker = detach_demo.Worker(lambda x: x * x)
    stop, collections = threading.Event(), [0]
    rounds_per_thread = 500
    out = {}

    def client(k):
        total = 0
        for i in range(rounds_per_thread):
            worker.submit(i)
            total += worker.result_timeout(30)
        out[k] = total

    storm_thread = threading.Thread(target=storm, args=(stop, collections))
    start = time.perf_counter()
    storm_thread.start()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    stop.set()
    storm_thread.join()
    worker.shutdown()
    done = len(out) * rounds_per_thread
    expected = 8 * sum(i * i for i in range(rounds_per_thread))
    print(f"{done} blocking round trips completed in {elapsed:.2f} s ({done / elapsed:,.0f}/s), "
          f"across {collections[0]} stop-the-world collections ({collections[0] / elapsed:,.0f}/s)")
    print(f"results correct: {sum(out.values()) == expected}")
    assert sum(out.values()) == expected
    if free_threaded:
        print(f"GIL enabled at the end: {sys._is_gil_enabled()}")
        assert not sys._is_gil_enabled()


if __name__ == "__main__":
    step_audit()
    step_twin()
    step_annotated()
