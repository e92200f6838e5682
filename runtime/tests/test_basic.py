import gc
import sys

import pytest

import jsrun


def test_runtime_eval_one_plus_one():
    with jsrun.Runtime() as rt:
        assert rt.eval("1+1") == 2


def test_module_level_eval():
    assert jsrun.eval("1+1") == 2
    assert jsrun.eval("'a' + 'b'") == "ab"


def test_module_level_state_persists_per_thread():
    jsrun.eval("var persisted = 41")
    assert jsrun.eval("persisted + 1") == 42


def test_exports():
    for name in [
        "Runtime", "RuntimeConfig", "RuntimeStats", "JsFunction", "JsUndefined", "JavaScriptError",
        "RuntimeTerminated", "undefined", "eval", "eval_async", "bind_function", "bind_object",
        "get_default_runtime", "close_default_runtime",
    ]:
        assert hasattr(jsrun, name), name
    assert issubclass(jsrun.RuntimeTerminated, RuntimeError)
    assert issubclass(jsrun.JavaScriptError, Exception)


def test_undefined_singleton():
    u = jsrun.undefined
    assert not u
    assert str(u) == "undefined"
    assert jsrun.eval("undefined") is u
    assert isinstance(u, jsrun.JsUndefined)
    assert repr(u) == "JsUndefined"  # as the published jsrun's
    with pytest.raises(RuntimeError, match="^JsUndefined is a singleton; use jsrun.undefined$"):
        jsrun.JsUndefined()


def test_js_error_attributes(rt):
    with pytest.raises(jsrun.JavaScriptError) as ei:
        rt.eval("function boom(){ throw new TypeError('bad thing') }\nboom()")
    e = ei.value
    assert e.name == "TypeError"
    assert e.message == "bad thing"
    assert "TypeError" in str(e) and "bad thing" in str(e)
    assert "boom" in e.stack
    assert e.frames and e.frames[0]["function_name"] == "boom"
    assert e.frames[0]["line_number"] == 1


def test_js_error_stack_and_frames_look_like_v8s(rt):
    # The published (V8) library: stack = "Name: message" + "    at ..." lines; frames
    # of top-level code carry no function name.
    with pytest.raises(jsrun.JavaScriptError) as ei:
        rt.eval("function f(){ throw new TypeError('bad') }\nf()")
    lines = ei.value.stack.splitlines()
    assert lines[0] == "TypeError: bad"
    assert all(l.strip().startswith("at ") for l in lines[1:]) and len(lines) >= 3
    assert [fr.get("function_name") for fr in ei.value.frames] == ["f", None]
    assert ei.value.frames[1]["line_number"] == 2


@pytest.mark.parametrize(
    "code, fragment",
    [("throw 42", "42"), ("throw 'text'", "text"), ("throw null", "null"), ("throw {a: 1}", "object"),
     ("throw undefined", "undefined")],
)
def test_thrown_non_errors(rt, code, fragment):
    with pytest.raises(jsrun.JavaScriptError) as ei:
        rt.eval(code)
    assert fragment in str(ei.value)
    assert rt.eval("1") == 1


def test_syntax_error(rt):
    with pytest.raises(jsrun.JavaScriptError) as ei:
        rt.eval("let = = 3;")
    assert ei.value.name == "SyntaxError"
    assert rt.eval("2") == 2


def test_stack_overflow_is_an_error(rt):
    with pytest.raises(jsrun.JavaScriptError) as ei:
        rt.eval("function f(){ return f() + 1 } f()")
    assert ei.value.name in ("RangeError", "InternalError")
    assert rt.eval("3") == 3


def test_close_idempotent_and_closed_errors():
    rt = jsrun.Runtime()
    assert not rt.is_closed()
    rt.close()
    rt.close()
    assert rt.is_closed()
    with pytest.raises(RuntimeError, match="closed|shut down"):
        rt.eval("1")
    with pytest.raises(RuntimeError, match="closed|shut down"):
        rt.bind_function("f", lambda: 1)


def test_context_manager_closes():
    with jsrun.Runtime() as rt:
        pass
    assert rt.is_closed()


def test_drop_without_close_does_not_hang():
    for _ in range(20):
        rt = jsrun.Runtime()
        rt.eval("1")
        del rt
    gc.collect()


def test_config_validation():
    c = jsrun.RuntimeConfig(max_heap_size=64 * 1024 * 1024, timeout=5, max_serialization_depth=50)
    assert c.max_heap_size == 64 * 1024 * 1024
    assert c.max_serialization_depth == 50
    assert c.enable_console is False
    with pytest.raises(ValueError):
        jsrun.RuntimeConfig(max_heap_size=-1)
    with pytest.raises(TypeError):
        jsrun.RuntimeConfig(max_heap_size="big")
    with pytest.raises(ValueError):
        jsrun.RuntimeConfig(timeout=0)
    with pytest.raises(ValueError):
        jsrun.RuntimeConfig(timeout=float("inf"))
    with pytest.raises(ValueError, match="^Timeout must be a number"):  # as published
        jsrun.RuntimeConfig(timeout="1s")
    with pytest.raises(ValueError):
        jsrun.Runtime(jsrun.RuntimeConfig(initial_heap_size=10))
    with pytest.raises(ValueError):
        jsrun.Runtime(jsrun.RuntimeConfig(initial_heap_size=10 << 20, max_heap_size=1 << 20))
    with pytest.raises(ValueError):
        jsrun.RuntimeConfig(bootstrap="1", snapshot=b"x")
    c.max_heap_size = 1 << 30
    assert c.max_heap_size == 1 << 30
    with pytest.raises(ValueError):
        c.max_serialization_bytes = 0
    with pytest.raises(AttributeError):
        c.enable_console = True


def test_bootstrap():
    with jsrun.Runtime(jsrun.RuntimeConfig(bootstrap="globalThis.answer = 42")) as rt:
        assert rt.eval("answer") == 42
    with pytest.raises(RuntimeError, match="bootstrap"):
        jsrun.Runtime(jsrun.RuntimeConfig(bootstrap="throw new Error('no')"))


def test_no_io_globals(rt):
    assert rt.eval("typeof fetch") == "undefined"
    assert rt.eval("typeof require") == "undefined"
    assert rt.eval("typeof process") == "undefined"
    assert rt.eval("typeof console") == "undefined"


@pytest.mark.thread_unsafe(reason="capsys captures process-wide streams")
def test_console_enabled(capsys):
    with jsrun.Runtime(jsrun.RuntimeConfig(enable_console=True)) as rt:
        rt.eval("console.log('hello', 1, {a: 1})")
    out = capsys.readouterr().out
    assert "hello 1" in out


def test_timeout_argument_validation(rt):
    # The published jsrun's texts (ValueError for a wrong type too).
    with pytest.raises(ValueError, match="^Timeout cannot be negative$"):
        rt.eval("1", timeout=-1)
    with pytest.raises(ValueError, match="^Timeout cannot be zero$"):
        rt.eval("1", timeout=0)
    with pytest.raises(ValueError, match="^Timeout must be finite$"):
        rt.eval("1", timeout=float("nan"))
    with pytest.raises(ValueError, match=r"^Timeout must be a number \(seconds\), datetime.timedelta, or None$"):
        rt.eval("1", timeout="x")
    assert rt.eval("1", timeout=True) == 1  # a bool counts as 0/1 seconds
    import datetime

    assert rt.eval("1", timeout=datetime.timedelta(seconds=1)) == 1


def test_import_keeps_gil_disabled_subprocess():
    import subprocess
    import sysconfig

    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        pytest.skip("not a free-threaded build")
    env = {k: v for k, v in __import__("os").environ.items() if k != "PYTHON_GIL"}
    code = "import sys, jsrun; assert jsrun.eval('1+1') == 2; assert not sys._is_gil_enabled(); print('ok')"
    r = subprocess.run([sys.executable, "-W", "error::RuntimeWarning", "-c", code], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr


def test_gil_state_on_free_threaded():
    if not hasattr(sys, "_is_gil_enabled"):
        pytest.skip("Python < 3.13")
    import sysconfig

    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        pytest.skip("not a free-threaded build")
    assert not sys._is_gil_enabled()


def test_readme_example_runs():
    import pathlib
    import re
    import subprocess

    readme = pathlib.Path(__file__).resolve().parent.parent / "README.md"
    block = re.search(r"```python\n(.*?)```", readme.read_text(), re.S).group(1)
    r = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["2", "42", "42", "20"]
