"""The engine keeps compiled scripts by source text: a repeated eval must behave
exactly as a fresh compile would (side effects, redeclarations, errors, closures)."""

import pytest

import jsrun


# These two change globals: each body owns its runtime (pytest-run-parallel runs a
# body in several threads at once, sharing fixtures).
def test_repeated_code_runs_again_each_time():
    with jsrun.Runtime() as rt:
        rt.eval("var n = 0")
        for i in range(1, 6):
            assert rt.eval("n += 1; n") == i


def test_let_redeclaration_still_fails_on_the_second_run():
    with jsrun.Runtime() as rt:
        assert rt.eval("let once = 1; once") == 1
        for _ in range(2):
            with pytest.raises(jsrun.JavaScriptError) as e:
                rt.eval("let once = 1; once")
            assert e.value.name == "SyntaxError"
        assert rt.eval("once") == 1


def test_each_run_makes_new_closures(rt):
    code = "(() => { let c = 0; return () => ++c; })()"
    f, g = rt.eval(code), rt.eval(code)
    assert [f(), f(), g()] == [1, 2, 1]


def test_syntax_errors_are_not_cached_as_success(rt):
    for _ in range(3):
        with pytest.raises(jsrun.JavaScriptError) as e:
            rt.eval("1 +")
        assert e.value.name == "SyntaxError"
    assert rt.eval("1 + 1") == 2


def test_thrown_errors_repeat_with_their_stack(rt):
    for _ in range(2):
        with pytest.raises(jsrun.JavaScriptError) as e:
            rt.eval("throw new RangeError('again')")
        assert (e.value.name, e.value.message) == ("RangeError", "again")


def test_many_distinct_sources_stay_correct(rt):
    # more sources than the cache holds: eviction must not mix them up
    for i in range(400):
        assert rt.eval(f"{i} * 2") == i * 2
    assert rt.eval("7 * 2") == 14


def test_long_sources_are_not_kept_but_still_run(rt):
    code = "var big = 0;" + "big += 1;" * 1000 + "big"
    assert rt.eval(code) == 1000
    assert rt.eval(code) == 1000


def test_nul_characters_reach_the_parser(rt):
    # the source's length is passed along: a NUL is a character like any other
    assert rt.eval("'a\x00b'") == "a\x00b"
    with pytest.raises(jsrun.JavaScriptError) as e:
        rt.eval("1\x00+1")
    assert e.value.name == "SyntaxError"
    assert rt.eval("2") == 2
