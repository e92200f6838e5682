"""The second adopter, examples/blocking-queue: a blocking queue and a worker pool whose
every wait is detached by #[blocking_detached].

Runs on CPython 3.11 and on the free-threaded interpreter (PYTHON_GIL=0). Scenarios
that would deadlock if a wait were attached: other Python threads that must run while
one is blocked (the GIL build), and gc.collect() storms (stop-the-world pauses on the
free-threaded build). The negative control shows the scenario really deadlocks with
an undetached wait (`Queue.get_attached`, test-only).
"""

import collections
import gc
import subprocess
import threading
import time

import pytest

import blocking_queue
from blocking_queue import Job, Queue, QueueClosed, WorkerPool
from conftest import FREE_THREADED, GcStorm, ft_only

HANG_SECONDS = 6  # a scenario still running after this is a deadlock
PROMPT = 2.0  # "promptly": a woken waiter must return within this many seconds



def start(target, *args):
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


def join_all(threads, timeout=30):
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    alive = [t for t in threads if t.is_alive()]
    assert not alive, f"{len(alive)} thread(s) still blocked"


# -- #[ft_module] --------------------------------------------------------------------


@ft_only
def test_import_keeps_gil_off(python):
    r = python(
        "import sys, blocking_queue; assert not sys._is_gil_enabled(), 'GIL re-enabled'; print('ok')",
        args=("-W", "error::RuntimeWarning"),
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


# -- Queue ---------------------------------------------------------------------------------


def test_put_get_round_trip():
    q = Queue(3)
    assert (q.maxsize, q.qsize(), q.empty(), q.full(), q.closed) == (3, 0, True, False, False)
    obj = object()
    q.put(obj)
    q.put([1, 2])
    q.put("three", timeout=1)
    assert (q.qsize(), q.empty(), q.full()) == (3, False, True)
    assert q.get() is obj  # the very same object, not a copy
    assert q.get(timeout=1) == [1, 2]
    assert q.get() == "three"
    assert (q.qsize(), q.empty()) == (0, True)


def test_fifo_order():
    for maxsize in (0, 1000):
        q = Queue(maxsize)
        items = [("item", i) for i in range(1000)]
        for item in items:
            q.put(item)
        assert q.qsize() == 1000
        assert [q.get() for _ in items] == items


def test_unbounded_queue_never_blocks_put():
    q = Queue()  # maxsize=0: unbounded, as in the queue module
    assert q.maxsize == 0 and not q.full()
    for i in range(10_000):
        q.put(i, timeout=0)
    assert q.qsize() == 10_000


def test_get_timeout_on_empty():
    q = Queue(2)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError, match="empty"):
        q.get(timeout=0.2)
    elapsed = time.monotonic() - t0
    assert 0.15 <= elapsed < PROMPT
    with pytest.raises(TimeoutError):
        q.get(timeout=0)


def test_put_timeout_on_full():
    q = Queue(2)
    q.put(1)
    q.put(2)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError, match="full"):
        q.put(3, timeout=0.2)
    assert 0.15 <= time.monotonic() - t0 < PROMPT
    assert q.qsize() == 2  # the timed-out item was not enqueued
    assert [q.get(), q.get()] == [1, 2]


def test_bad_arguments_raise_not_panic():
    q = Queue(1)
    for bad in (-1, float("nan")):
        with pytest.raises(ValueError, match="timeout"):
            q.get(timeout=bad)
        with pytest.raises(ValueError, match="timeout"):
            q.put(1, timeout=bad)
    with pytest.raises(ValueError, match="maxsize"):
        Queue(10**9)
    # An infinite timeout is no limit at all.
    q.put("x", timeout=float("inf"))
    assert q.get(timeout=float("inf")) == "x"
    with pytest.raises(ValueError, match="workers"):
        WorkerPool(abs, workers=0)
    with pytest.raises(ValueError, match="backlog"):
        WorkerPool(abs, workers=1, backlog=10**9)


def test_close_keeps_items_then_raises():
    q = Queue(5)
    for i in range(3):
        q.put(i)
    q.close()
    q.close()  # idempotent
    assert q.closed
    with pytest.raises(QueueClosed):
        q.put(99)
    assert [q.get(), q.get(timeout=1), q.get()] == [0, 1, 2]  # nothing lost
    with pytest.raises(QueueClosed):
        q.get()
    with pytest.raises(QueueClosed):  # closed beats timeout
        q.get(timeout=5)
    assert issubclass(QueueClosed, Exception) and blocking_queue.QueueClosed is QueueClosed


def test_close_wakes_blocked_getters_and_putters():
    empty = Queue(1)
    full = Queue(1)
    full.put("kept")
    outcomes = collections.Counter()
    lock = threading.Lock()

    def record(kind, fn, *args):
        try:
            fn(*args)
            result = "returned"
        except QueueClosed:
            result = "closed"
        except BaseException as e:  # noqa: BLE001 - recorded and asserted below
            result = repr(e)
        with lock:
            outcomes[(kind, result)] += 1

    threads = [start(record, "get", empty.get) for _ in range(3)]
    threads += [start(record, "put", full.put, f"late-{i}") for i in range(3)]
    time.sleep(0.3)
    assert all(t.is_alive() for t in threads), "a waiter did not block"
    assert not outcomes

    t0 = time.monotonic()
    closer = start(lambda: (empty.close(), full.close()))  # from another thread
    join_all([closer, *threads], timeout=10)
    assert time.monotonic() - t0 < PROMPT
    assert outcomes == {("get", "closed"): 3, ("put", "closed"): 3}
    # The item put before close() is still there; the putters' items never got in.
    assert full.get() == "kept"
    with pytest.raises(QueueClosed):
        full.get()


def test_producers_consumers_under_gc_storm():
    """4 producers x 500 items through a queue of 8, 4 consumers, while a thread loops
    gc.collect(). Every item arrives exactly once, and each producer's items arrive in
    order at each consumer (FIFO)."""
    producers, per_producer, consumers = 4, 500, 4
    q = Queue(8)
    received = [[] for _ in range(consumers)]
    errors = []

    def produce(p):
        try:
            for i in range(per_producer):
                q.put((p, i), timeout=30)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    def consume(c):
        try:
            while True:
                received[c].append(q.get(timeout=30))
        except QueueClosed:
            pass  # closed and drained: done
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    with GcStorm():
        cons = [start(consume, c) for c in range(consumers)]
        prods = [start(produce, p) for p in range(producers)]
        join_all(prods)
        q.close()
        join_all(cons)
    assert not errors, errors
    everything = [item for r in received for item in r]
    assert len(everything) == producers * per_producer
    assert collections.Counter(everything) == {(p, i): 1 for p in range(producers) for i in range(per_producer)}
    for r in received:
        for p in range(producers):
            seq = [i for (pp, i) in r if pp == p]
            assert seq == sorted(seq)


# -- negative control -----------------------------------------------------------------------

SCENARIO = """
import gc, threading, time, blocking_queue
q = blocking_queue.Queue(1)
def producer():
    time.sleep(0.3)   # let the main thread block first
    gc.collect()      # needs the GIL (3.11) / stops the world (3.13t)
    q.put("item")
threading.Thread(target=producer, daemon=True).start()
print(q.{method}())
"""


def test_detached_get_survives_attaching_producer(python):
    r = python(SCENARIO.format(method="get"), timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "item"


def test_attached_twin_deadlocks(python):
    """Negative control: the same scenario through `get_attached`, the test-only twin
    that waits without detaching. The producer must attach before it can put: on a GIL
    build it waits for the GIL, on a free-threaded build gc.collect() waits for the
    attached waiter. It never finishes."""
    with pytest.raises(subprocess.TimeoutExpired):
        python(SCENARIO.format(method="get_attached"), timeout=HANG_SECONDS)


def test_attached_twin_works_without_contention():
    """The twin is the same code minus the detach: with no one else needing the
    interpreter it returns normally (so the hang above is the missing detach)."""
    q = Queue(1)
    q.put("x")
    assert q.get_attached() == "x"
    with pytest.raises(TimeoutError):
        q.get_attached(timeout=0.05)


# -- WorkerPool -----------------------------------------------------------------------------


def test_worker_pool_results():
    with WorkerPool(lambda x: x * x, workers=4) as pool:
        assert pool.workers == 4
        jobs = [pool.submit(i) for i in range(200)]
        assert all(isinstance(j, Job) for j in jobs)
        assert [j.result(timeout=30) for j in jobs] == [i * i for i in range(200)]
        assert all(j.done() for j in jobs)
        assert jobs[7].result() == 49  # a result can be read again
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(1)


def test_worker_pool_result_from_many_threads():
    gate = threading.Event()
    with WorkerPool(lambda x: gate.wait(30) and x, workers=1) as pool:
        job = pool.submit("v")
        got = []
        waiters = [start(lambda: got.append(job.result(timeout=30))) for _ in range(6)]
        time.sleep(0.1)
        assert not job.done()
        gate.set()
        join_all(waiters)
        assert got == ["v"] * 6


def test_worker_pool_exceptions_and_timeout():
    release = threading.Event()

    def func(x):
        if x == "boom":
            raise ValueError("boom from the worker")
        if x == "slow":
            release.wait(30)
        return x

    with WorkerPool(func, workers=2) as pool:
        bad = pool.submit("boom")
        with pytest.raises(ValueError, match="boom from the worker"):
            bad.result(timeout=30)
        with pytest.raises(ValueError):  # re-raised every time
            bad.result()
        slow = pool.submit("slow")
        with pytest.raises(TimeoutError):
            slow.result(timeout=0.1)
        with pytest.raises(ValueError, match="timeout"):
            slow.result(timeout=-1)
        release.set()
        assert slow.result(timeout=30) == "slow"


def test_worker_pool_shutdown_while_workers_attached():
    """shutdown(wait=True) joins workers that are busy running Python (attached, and on
    3.11 needing the GIL to finish): the join waits detached. Queued jobs still run."""

    def spin(x):
        end = time.monotonic() + 0.05
        while time.monotonic() < end:  # pure Python: holds the interpreter
            pass
        return x

    pool = WorkerPool(spin, workers=3)
    jobs = [pool.submit(i) for i in range(12)]
    time.sleep(0.02)
    assert not all(j.done() for j in jobs)
    pool.shutdown(wait=True)
    assert all(j.done() for j in jobs)
    assert [j.result(timeout=0) for j in jobs] == list(range(12))
    pool.shutdown()  # idempotent
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(1)


def test_worker_pool_shutdown_from_inside_a_worker():
    holder = {}

    def func(x):
        holder["pool"].shutdown(wait=True)  # must not join its own thread
        return x

    pool = holder["pool"] = WorkerPool(func, workers=2)
    assert pool.submit(5).result(timeout=30) == 5
    pool.shutdown(wait=True)


def test_backlog_blocks_submit_detached():
    """With backlog=1 a third submit blocks in a bounded `send` (waits = [send]). The
    event that unblocks it is set by this thread, which needs the interpreter: an
    attached submit would deadlock on 3.11."""
    gate = threading.Event()
    started = threading.Event()

    def func(x):
        started.set()
        gate.wait(30)
        return x

    with WorkerPool(func, workers=1, backlog=1) as pool:
        first = pool.submit(1)
        assert started.wait(10)  # the worker took `first`: the backlog is empty
        pool.submit(2)  # fills the backlog
        third = []
        submitter = start(lambda: third.append(pool.submit(3)))
        time.sleep(0.2)
        assert submitter.is_alive() and not third, "submit did not block on a full backlog"
        gate.set()
        join_all([submitter])
        assert [first.result(timeout=30), third[0].result(timeout=30)] == [1, 3]


def test_pool_workers_consume_queue_under_gc_storm():
    """Workers attach to run `func`, which blocks in Queue.get (detached again), while
    a producer thread fills the queue and a thread loops gc.collect()."""
    q = Queue(4)
    n = 200
    with GcStorm(), WorkerPool(lambda x: q.get(timeout=30) + x, workers=4) as pool:
        jobs = [pool.submit(1000) for _ in range(n)]
        producer = start(lambda: [q.put(i, timeout=30) for i in range(n)])
        results = sorted(j.result(timeout=30) for j in jobs)
        join_all([producer])
    assert results == [1000 + i for i in range(n)]


def test_pool_round_trips_from_many_threads_under_gc_storm():
    with GcStorm(), WorkerPool(lambda x: x + 1, workers=3, backlog=4) as pool:
        totals = []

        def client():
            totals.append(sum(pool.submit(i).result(timeout=30) for i in range(50)))

        join_all([start(client) for _ in range(8)])
    assert totals == [sum(range(1, 51))] * 8
