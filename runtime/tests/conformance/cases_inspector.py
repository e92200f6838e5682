"""InspectorConfig (constructor, properties, setters, validation, endpoint()),
RuntimeConfig(inspector=...), Runtime.inspector_endpoints()."""

from harness import attempt, case


def _set(obj, name, value):
    setattr(obj, name, value)
    return getattr(obj, name)


@case
def defaults(js):
    i = js.InspectorConfig()
    return {n: getattr(i, n) for n in ("host", "port", "wait_for_connection", "break_on_next_statement",
                                        "target_url", "display_name")} | {"endpoint": i.endpoint()}


@case
def public_names(js):
    return sorted(n for n in dir(js.InspectorConfig()) if not n.startswith("_"))


@case
def repr_default(js):
    return repr(js.InspectorConfig())


@case
def repr_all_set(js):
    return repr(js.InspectorConfig("0.0.0.0", 9300, wait_for_connection=True, break_on_next_statement=True,
                                   target_url="file:///x.js", display_name='my "app"'))


@case
def positional_arguments(js):
    return {"two": repr(js.InspectorConfig("0.0.0.0", 1234)),
            "three": attempt(lambda: repr(js.InspectorConfig("0.0.0.0", 1234, True)))}


@case
def unknown_keyword(js):
    return attempt(js.InspectorConfig, foo=1)


HOSTS = {
    "ipv4": "127.0.0.1",
    "any": "0.0.0.0",
    "ipv6": "::1",
    "ipv6_bracketed": "[::1]",
    "ipv6_full": "2001:db8::1",
    "ipv4_mapped": "::ffff:1.2.3.4",
    "name": "localhost",
    "domain": "example.com",
    "empty": "",
    "blank": "   ",
    "bad_octet": "1.2.3.256",
    "leading_space": " 127.0.0.1",
    "with_port": "127.0.0.1:80",
    "bracketed_with_port": "[::1]:80",
    "bracketed_ipv4": "[1.2.3.4]",
    "scope_id": "fe80::1%eth0",
    "leading_zero": "127.000.0.1",
}


def _host_case(label, host):
    def run(js):
        return attempt(lambda: [js.InspectorConfig(host=host).host, js.InspectorConfig(host=host).endpoint()])

    run.__module__ = __name__
    case(run, name=f"host_{label}")


for _label, _host in HOSTS.items():
    _host_case(_label, _host)


@case
def host_wrong_types(js):
    return {"int": attempt(js.InspectorConfig, host=5), "none": attempt(js.InspectorConfig, host=None),
            "bytes": attempt(js.InspectorConfig, host=b"127.0.0.1")}


@case
def ports(js):
    return {repr(p): attempt(lambda: [js.InspectorConfig(port=p).port, js.InspectorConfig(port=p).endpoint()])
            for p in (1, 80, 65535, True)}


@case
def port_zero(js):
    return attempt(js.InspectorConfig, port=0)


@case
def port_out_of_range(js):
    return {"65536": attempt(js.InspectorConfig, port=65536), "negative": attempt(js.InspectorConfig, port=-1),
            "2_63": attempt(js.InspectorConfig, port=2**63), "2_64": attempt(js.InspectorConfig, port=2**64)}


@case
def port_wrong_types(js):
    return {"float": attempt(js.InspectorConfig, port=1.5), "str": attempt(js.InspectorConfig, port="80"),
            "none": attempt(js.InspectorConfig, port=None)}


@case
def validation_order(js):
    return {"empty_host_port_zero": attempt(js.InspectorConfig, host="", port=0),
            "bad_host_port_zero": attempt(js.InspectorConfig, host="bad", port=0),
            "bad_host_port_big": attempt(js.InspectorConfig, host="bad", port=70000)}


@case
def flags(js):
    out = {}
    for name in ("wait_for_connection", "break_on_next_statement"):
        out[name] = {repr(v): attempt(lambda: getattr(js.InspectorConfig(**{name: v}), name))
                     for v in (True, False, 1, "x", None)}
    return out


@case
def flag_setters(js):
    out = {}
    for name in ("wait_for_connection", "break_on_next_statement"):
        out[name] = {repr(v): attempt(_set, js.InspectorConfig(), name, v) for v in (True, False, 0, "x", None)}
    return out


@case
def strings(js):
    out = {}
    for name in ("target_url", "display_name"):
        out[name] = {repr(v): attempt(lambda: getattr(js.InspectorConfig(**{name: v}), name))
                     for v in ("x", "", None, 5, b"x")}
    return out


@case
def string_setters(js):
    out = {}
    for name in ("target_url", "display_name"):
        out[name] = {repr(v): attempt(_set, js.InspectorConfig(target_url="t", display_name="d"), name, v)
                     for v in ("y", "", None, 5, b"x")}
    return out


@case
def strings_surrogates(js):
    r1 = attempt(js.InspectorConfig, target_url="\ud800")
    r2 = attempt(_set, js.InspectorConfig(), "display_name", "\udfff")
    return [getattr(r1, "type", None), getattr(r2, "type", None)]


@case
def host_and_port_read_only(js):
    return {"host": attempt(setattr, js.InspectorConfig(), "host", "0.0.0.0"),
            "port": attempt(setattr, js.InspectorConfig(), "port", 1)}


@case
def endpoint_ipv6(js):
    return [js.InspectorConfig("::1", 9229).endpoint(), js.InspectorConfig("2001:db8::1", 1).endpoint()]


@case
def str_is_repr(js):
    i = js.InspectorConfig(display_name="x")
    return str(i) == repr(i)


@case
def not_subclassable(js):
    return attempt(lambda: type("Sub", (js.InspectorConfig,), {}))


@case
def runtime_config_rejects_bad_port_early(js):
    return attempt(lambda: js.RuntimeConfig(inspector=js.InspectorConfig(port=0)))


@case
def endpoints_without_inspector(js):
    with js.Runtime() as rt:
        return rt.inspector_endpoints()


@case
def endpoints_not_constructible(js):
    return attempt(js.InspectorEndpoints)


@case
def endpoints_after_close(js):
    rt = js.Runtime()
    rt.close()
    return attempt(rt.inspector_endpoints)


@case
def runtime_with_inspector(js):
    """A runtime with an inspector: the published (V8) one serves DevTools on the port."""
    cfg = js.RuntimeConfig(inspector=js.InspectorConfig(port=39229, display_name="dn", target_url="tu"))
    try:
        with js.Runtime(cfg) as rt:
            e = rt.inspector_endpoints()
            return {"type": type(e).__name__, "title": e.title, "target_url": e.target_url, "host": e.host,
                    "websocket": e.websocket_url.startswith("ws://127.0.0.1:39229/ws/"), "eval": rt.eval("1 + 1")}
    except Exception as exc:  # noqa: BLE001
        return {"raises": type(exc).__name__, "is_runtime_error": isinstance(exc, RuntimeError)}
