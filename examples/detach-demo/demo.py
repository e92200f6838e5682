"""Demo: a free-threaded interpreter keeps its GIL off while threads block on channels.

Run with `make demo`. Eight Python threads each wait (in Rust, on a channel) for
results from a worker thread that must attach to the interpreter to produce them,
while a ninth thread forces stop-the-world garbage collections. Nothing deadlocks,
and the GIL never comes back on.
"""

import gc
import sys
import sysconfig
import threading
import time

import detach_demo

free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
print(f"Python {sys.version.split()[0]}, free-threaded build: {free_threaded}")
if free_threaded:
    print(f"GIL enabled after importing detach_demo: {sys._is_gil_enabled()}")

worker = detach_demo.Worker(lambda x: x * x)
stop = threading.Event()
collections = 0


def storm():
    global collections
    while not stop.is_set():
        gc.collect()
        collections += 1


def client(k, out):
    total = 0
    for i in range(50):
        worker.submit(i)
        total += worker.result_timeout(30)
    out[k] = total


start = time.perf_counter()
storm_thread = threading.Thread(target=storm)
storm_thread.start()
out = {}
threads = [threading.Thread(target=client, args=(k, out)) for k in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
stop.set()
storm_thread.join()
worker.shutdown()
elapsed = time.perf_counter() - start

expected = 8 * sum(i * i for i in range(50))
print(f"8 threads x 50 blocking round trips with an attaching worker: {len(out) * 50} done in {elapsed:.2f}s")
print(f"gc.collect() calls during the run: {collections}")
print(f"results correct: {sum(out.values()) == expected}")
print(f"a detached wait for an attaching producer: {detach_demo.wait_detached(42)}")
if free_threaded:
    print(f"GIL enabled at the end: {sys._is_gil_enabled()}")
    assert not sys._is_gil_enabled()
assert sum(out.values()) == expected
