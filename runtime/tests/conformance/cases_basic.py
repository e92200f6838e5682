"""Runtime basics: eval results, closing, context manager."""

from harness import attempt, case


@case
def eval_number(js):
    with js.Runtime() as rt:
        return rt.eval("1 + 2")


@case
def eval_syntax_error(js):
    with js.Runtime() as rt:
        try:
            rt.eval("1 +")
        except Exception as e:  # noqa: BLE001 - the engine's text differs (V8, QuickJS)
            return [type(e).__name__, e.name, str(e).startswith("Evaluation failed: SyntaxError: ")]


@case
def eval_after_close(js):
    rt = js.Runtime()
    rt.close()
    return {"closed": rt.is_closed(), "eval": attempt(rt.eval, "1")}


@case
def eval_code_keyword(js):
    with js.Runtime() as rt:
        return attempt(lambda: rt.eval(code="2 * 21"))


@case
async def eval_async_code_keyword(js):
    with js.Runtime() as rt:
        return await rt.eval_async(code="Promise.resolve(5)")
