"""Short smoke test of an installed jsrun wheel: eval, threads, async and a callback.

Run by .github/ci/test-wheel in a fresh venv holding only the wheel. Exits non-zero
(an assertion) on any failure; a hang is ended by faulthandler after 120 s.
"""

import asyncio
import faulthandler
import sys
import sysconfig
import threading

faulthandler.dump_traceback_later(120, exit=True)

import jsrun  # noqa: E402

assert jsrun.eval("1+1") == 2

# Threads: several Python threads share one runtime and also use their own.
shared = jsrun.Runtime()
errors = []


def worker(i):
    try:
        own = jsrun.Runtime()
        try:
            for j in range(50):
                assert own.eval(f"{i} * 1000 + {j}") == i * 1000 + j
                assert shared.eval(f"{i} + {j}") == i + j
        finally:
            own.close()
    except BaseException as e:  # reported below, the thread must not die silently
        errors.append(e)


threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert not errors, errors

# A Python callback called from JavaScript.
shared.bind_function("pyAdd", lambda a, b: a + b)
assert shared.eval("pyAdd(20, 22)") == 42


# Async: a JavaScript promise awaited from asyncio, and a callback from async code.
async def main():
    assert await shared.eval_async("Promise.resolve(40).then(x => x + 2)") == 42
    assert await shared.eval_async("(async () => pyAdd(1, 2))()") == 3


asyncio.run(main())
shared.close()

free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
if free_threaded:
    assert not sys._is_gil_enabled(), "the GIL was re-enabled"
print(f"jsrun smoke ok ({sys.version.split()[0]}{' free-threaded' if free_threaded else ''})")
faulthandler.cancel_dump_traceback_later()
