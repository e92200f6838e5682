"""InspectorConfig / InspectorEndpoints: accepted values; this engine has no inspector."""

import pytest

import jsrun


def test_defaults_and_endpoint():
    c = jsrun.InspectorConfig()
    assert (c.host, c.port) == ("127.0.0.1", 9229)
    assert c.endpoint() == "127.0.0.1:9229"
    assert c.wait_for_connection is False
    assert c.break_on_next_statement is False
    assert c.target_url is None and c.display_name is None
    assert "InspectorConfig(" in repr(c)


def test_published_arguments():
    c = jsrun.InspectorConfig(
        "::1", 9333, wait_for_connection=True, break_on_next_statement=True, target_url="u", display_name="d"
    )
    assert (c.host, c.port, c.endpoint()) == ("::1", 9333, "[::1]:9333")
    assert (c.wait_for_connection, c.break_on_next_statement, c.target_url, c.display_name) == (True, True, "u", "d")
    c.wait_for_connection = False
    c.display_name = None
    assert c.wait_for_connection is False and c.display_name is None
    with pytest.raises(AttributeError):
        c.host = "10.0.0.1"  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs, exc",
    [
        ({"host": "localhost"}, ValueError),
        ({"host": "not an ip"}, ValueError),
        ({"port": 0}, ValueError),
        ({"port": 70000}, OverflowError),
        ({"port": "9229"}, TypeError),
        ({"wait_for_connection": 1}, TypeError),
    ],
)
def test_validation(kwargs, exc):
    with pytest.raises(exc):
        jsrun.InspectorConfig(**kwargs)


def test_config_accepts_it_as_a_value():
    ic = jsrun.InspectorConfig(port=9400)
    c = jsrun.RuntimeConfig(inspector=ic)
    # A copy, as published: later changes to `ic` do not reach the config.
    assert c.inspector is not ic and repr(c.inspector) == repr(ic)
    ic.display_name = "later"
    assert c.inspector.display_name is None
    c.inspector = None
    assert c.inspector is None
    c.inspector = ic
    with pytest.raises(TypeError, match="InspectorConfig"):
        jsrun.RuntimeConfig(inspector={"port": 1})
    with pytest.raises(TypeError):
        c.inspector = 5


def test_runtime_refuses_an_inspector():
    c = jsrun.RuntimeConfig(inspector=jsrun.InspectorConfig())
    with pytest.raises(NotImplementedError, match="not supported by this engine") as ei:
        jsrun.Runtime(c)
    # NotImplementedError is a RuntimeError: code catching RuntimeError still works.
    assert isinstance(ei.value, RuntimeError)


def test_no_endpoints(rt):
    assert rt.inspector_endpoints() is None


def test_endpoints_class_exists_but_is_never_made():
    assert jsrun.InspectorEndpoints.__doc__
    with pytest.raises(TypeError):
        jsrun.InspectorEndpoints()
    for attr in ("id", "websocket_url", "devtools_frontend_url", "title", "description", "target_url", "favicon_url", "host"):
        assert hasattr(jsrun.InspectorEndpoints, attr)
