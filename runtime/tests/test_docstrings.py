"""Every public name of jsrun carries a docstring: the package, its classes, their
public methods and properties, and the module-level functions."""

import inspect

import pytest

import jsrun

# Dunder methods users call or read in docs; the rest (``__repr__``...) explain themselves.
DOCUMENTED_DUNDERS = {"__call__", "__aiter__", "__anext__", "__enter__", "__exit__", "__await__"}


def _public_members(cls):
    for attr, member in vars(cls).items():
        if attr.startswith("_") and attr not in DOCUMENTED_DUNDERS:
            continue
        yield attr, member


def _doc(obj) -> str:
    return (getattr(obj, "__doc__", None) or "").strip()


def _names():
    for name in jsrun.__all__:
        obj = getattr(jsrun, name)
        yield name, obj
        if inspect.isclass(obj):
            for attr, member in _public_members(obj):
                yield f"{name}.{attr}", member


@pytest.mark.parametrize("qualname,obj", list(_names()), ids=lambda v: v if isinstance(v, str) else "")
def test_public_name_has_a_docstring(qualname, obj):
    doc = _doc(obj)
    if isinstance(obj, jsrun.JsUndefined):
        doc = _doc(type(obj))  # the singleton is documented by its class
    assert doc, f"{qualname} has no docstring"
    # A class docstring must not be just PyO3's generated text signature.
    assert not doc.startswith("(") or "\n" in doc, f"{qualname}: only a signature: {doc!r}"


def test_package_docstring():
    assert _doc(jsrun)
