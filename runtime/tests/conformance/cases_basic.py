"""Runtime basics: eval results, closing, context manager."""

from harness import attempt, case


@case
def eval_number(js):
    with js.Runtime() as rt:
        return rt.eval("1 + 2")


@case
def eval_syntax_error(js):
    with js.Runtime() as rt:
        return attempt(rt.eval, "1 +")


@case
def eval_after_close(js):
    rt = js.Runtime()
    rt.close()
    return {"closed": rt.is_closed(), "eval": attempt(rt.eval, "1")}
