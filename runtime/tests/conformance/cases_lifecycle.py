"""close / terminate / is_closed, the context manager, RuntimeTerminated."""

import threading

from harness import attempt, attempt_async, case


@case
def is_closed_lifecycle(js):
    rt = js.Runtime()
    before = rt.is_closed()
    rt.close()
    return [before, rt.is_closed()]


@case
def close_twice(js):
    rt = js.Runtime()
    rt.close()
    return [attempt(rt.close), rt.is_closed()]


@case
def context_manager(js):
    with js.Runtime() as rt:
        inside = rt.is_closed()
        same = rt.__enter__() is rt
    return [inside, same, rt.is_closed()]


@case
def context_manager_exception_propagates(js):
    rt = js.Runtime()
    try:
        with rt:
            raise KeyError("inside")
    except KeyError as e:
        return [str(e), rt.is_closed()]


@case
def exit_return_value(js):
    rt = js.Runtime()
    return [rt.__exit__(None, None, None), rt.is_closed()]


@case
def calls_after_close(js):
    rt = js.Runtime()
    rt.close()
    return {
        "eval": attempt(rt.eval, "1"),
        "bind_function": attempt(rt.bind_function, "f", lambda: 1),
        "add_static_module": attempt(rt.add_static_module, "m", "export const a = 1"),
        "eval_module": attempt(rt.eval_module, "m"),
        "get_stats": attempt(rt.get_stats),
    }


@case
async def eval_async_after_close(js):
    rt = js.Runtime()
    rt.close()
    return await attempt_async(lambda: rt.eval_async("1"))


@case
def terminate_idle(js):
    rt = js.Runtime()
    rt.terminate()
    try:
        return {"closed": rt.is_closed(), "eval": attempt(rt.eval, "1")}
    finally:
        rt.close()


@case
def terminate_twice(js):
    rt = js.Runtime()
    rt.terminate()
    second = attempt(rt.terminate)
    try:
        return [second, rt.is_closed()]
    finally:
        rt.close()


@case
def terminate_then_close(js):
    rt = js.Runtime()
    rt.terminate()
    return [attempt(rt.close), rt.is_closed(), attempt(rt.eval, "1")]


@case
def terminate_after_close(js):
    rt = js.Runtime()
    rt.close()
    return [attempt(rt.terminate), rt.is_closed(), attempt(rt.eval, "1")]


@case
def terminate_calls_after(js):
    rt = js.Runtime()
    rt.terminate()
    try:
        return {
            "bind_function": attempt(rt.bind_function, "f", lambda: 1),
            "add_static_module": attempt(rt.add_static_module, "m", "export const a = 1"),
            "eval_module": attempt(rt.eval_module, "m"),
            "set_module_loader": attempt(rt.set_module_loader, lambda s: ""),
        }
    finally:
        rt.close()


@case
async def terminate_then_eval_async(js):
    rt = js.Runtime()
    rt.terminate()
    try:
        return await attempt_async(lambda: rt.eval_async("1"))
    finally:
        rt.close()


@case
def terminate_running_eval(js):
    rt = js.Runtime()
    started = threading.Event()
    rt.bind_function("started", lambda: started.set())

    def watchdog():
        started.wait(10)
        rt.terminate()

    t = threading.Thread(target=watchdog)
    t.start()
    r = attempt(rt.eval, "started(); while (true) {}")
    t.join(10)
    try:
        return {"eval": [r.type, "host request" in r.message] if hasattr(r, "type") else r,
                "closed": rt.is_closed(), "later": attempt(rt.eval, "1")}
    finally:
        rt.close()


@case
def terminate_from_another_thread(js):
    rt = js.Runtime()
    seen = []

    def other():
        try:
            rt.terminate()
            seen.append("terminated")
        except BaseException as e:  # noqa: BLE001 - the published jsrun panics here
            seen.append(type(e).__name__)

    t = threading.Thread(target=other)
    t.start()
    t.join(10)
    try:
        return {"thread": seen, "closed": rt.is_closed()}
    finally:
        rt.close()


@case
def heap_limit_termination(js):
    rt = js.Runtime(js.RuntimeConfig(max_heap_size=8 * 1024 * 1024))
    r = attempt(rt.eval, "const a = []; while (true) { a.push(new Array(100000).fill(1)); }")
    try:
        later = attempt(rt.eval, "1")
        return {"eval": r.type if hasattr(r, "type") else r, "closed": rt.is_closed(),
                "later": later.type if hasattr(later, "type") else later}
    finally:
        rt.close()


@case
def runtime_terminated_class(js):
    return [issubclass(js.RuntimeTerminated, RuntimeError), issubclass(js.RuntimeTerminated, Exception),
            js.RuntimeTerminated.__name__, [c.__name__ for c in js.RuntimeTerminated.__mro__]]


@case
def runtime_terminated_constructible(js):
    e = js.RuntimeTerminated("by hand")
    return [str(e), isinstance(e, RuntimeError)]


@case
def javascript_error_class(js):
    return [issubclass(js.JavaScriptError, Exception), issubclass(js.JavaScriptError, RuntimeError),
            [c.__name__ for c in js.JavaScriptError.__mro__]]


@case
def close_with_pending_timer(js):
    rt = js.Runtime()
    rt.eval("setTimeout(() => {}, 100000)")
    rt.close()
    return rt.is_closed()


@case
def many_runtimes_close(js):
    rts = [js.Runtime() for _ in range(3)]
    out = [rt.eval(f"{i} * 2") for i, rt in enumerate(rts)]
    for rt in rts:
        rt.close()
    return [out, [rt.is_closed() for rt in rts]]
