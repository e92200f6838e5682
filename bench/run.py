#!/usr/bin/env python3
"""Benchmark orchestrator (issue 6): `make bench`, or `python3.11 bench/run.py [--quick]`.

1. Venvs under target/venvs/:  bench-ours (python3.11 + our jsrun, release wheel),
   bench-peers (python3.11 + jsrun==0.3.0, quickjs, mini-racer, matplotlib), bench-ft
   (free-threaded 3.13t from scripts/python-ft + our jsrun) for the threads scenario.
   Ours is built with `maturin build --release` into a wheel and installed into the
   venv (not `maturin develop`, which would write the .so into runtime/python/).
2. Rounds: in each round every scenario runs for every library, each in a fresh process
   (bench/run_one.py), the library order rotating from round to round so that machine
   drift affects all alike.
3. The Rust bench bench/detach-overhead (cargo run --release).
4. One table of medians and ratios ours/peer with the targets of the issue, a JSON file
   and a PNG chart under bench-results/.

Nothing here asserts a timing; a library that cannot do a scenario shows "n/a" with the
reason, a failure shows "err" with the message, and the run goes on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENVS = os.path.join(ROOT, "target", "venvs")
WHEELS = os.path.join(ROOT, "target", "bench-wheels")
RESULTS = os.path.join(ROOT, "bench-results")
PEER_PACKAGES = ["jsrun==0.3.0", "quickjs", "mini-racer", "matplotlib"]

LIBS = ["ours", "jsrun030", "quickjs", "mini_racer"]
PEERS = ["jsrun030", "quickjs", "mini_racer"]
SCENARIOS = [
    # name, label, unit, lower is better
    ("eval_roundtrip", 'eval("1+1") round trip (20k calls)', "µs/call"),
    ("create_eval_close", "create runtime + eval + close", "ms/iter"),
    ("bound_call", "JS loop calling a bound Python function", "µs/call"),
    ("object_to_js", "~1 MB nested object Python -> JS", "ms"),
    ("object_from_js", "~1 MB nested object JS -> Python", "ms"),
    ("fib27", "fib(27) in JS", "ms"),
    ("idle_cpu", "CPU of an idle open runtime (2 s)", "% core"),
    ("rss_per_runtime", "RSS growth per runtime (50 open)", "MiB/rt"),
    ("threads_ft", "2 threads vs 2 processes gain (3.13t)", "× proc gain"),
]
DETACH = ("detach_overhead", "#[blocking_detached] vs hand py.detach (Rust)", "macro/hand")

# Targets of the issue: (scenario, text, check(medians) -> bool | None (not measurable)).
def _ratio(med, sc, peer):
    a, b = med.get((sc, "ours")), med.get((sc, peer))
    return None if a is None or b is None or b == 0 else a / b


def _le(sc, peer, limit):
    return lambda med: None if _ratio(med, sc, peer) is None else _ratio(med, sc, peer) <= limit


def _ours(sc, pred):
    return lambda med: None if med.get((sc, "ours")) is None else pred(med[(sc, "ours")])


TARGETS = {
    "eval_roundtrip": [("≤ 1/3 jsrun030", _le("eval_roundtrip", "jsrun030", 1 / 3)),
                       ("≤ 2× quickjs", _le("eval_roundtrip", "quickjs", 2.0))],
    "create_eval_close": [("≤ 1/10 jsrun030", _le("create_eval_close", "jsrun030", 0.1))],
    "bound_call": [("≤ 1/5 jsrun030", _le("bound_call", "jsrun030", 0.2))],
    "object_to_js": [("≤ jsrun030", _le("object_to_js", "jsrun030", 1.0))],
    "object_from_js": [("≤ jsrun030", _le("object_from_js", "jsrun030", 1.0))],
    "fib27": [("≤ 1.1× quickjs", _le("fib27", "quickjs", 1.1))],
    "idle_cpu": [("~0 (< 1% core)", _ours("idle_cpu", lambda v: v < 1.0))],
    "rss_per_runtime": [("≤ 1/2 jsrun030", _le("rss_per_runtime", "jsrun030", 0.5))],
    "threads_ft": [("≥ 0.9", _ours("threads_ft", lambda v: v >= 0.9))],
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    return subprocess.run(cmd, text=True, capture_output=True, **kw)


# ------------------------------------------------------------------------------ venvs & builds

def ensure_venv(base_python: str, name: str, packages: list[str]) -> str:
    d = os.path.join(VENVS, name)
    py = os.path.join(d, "bin", "python")
    if not os.path.exists(py):
        log(f"venv: creating {d} from {base_python}")
        r = sh([base_python, "-m", "venv", d])
        if r.returncode:
            raise RuntimeError(f"venv {name}: {r.stderr.strip()[-300:]}")
    stamp = os.path.join(d, ".bench-packages")
    want = " ".join(packages)
    if packages and (not os.path.exists(stamp) or open(stamp).read() != want):
        log(f"venv: installing {want} into {name}")
        r = sh(["nice", "-n", "10", py, "-m", "pip", "install", "-q", *packages])
        if r.returncode:
            raise RuntimeError(f"pip install into {name}: {r.stderr.strip()[-300:]}")
        with open(stamp, "w") as f:
            f.write(want)
    return py


def build_ours(py: str, tag: str) -> None:
    """Build our jsrun in release for interpreter `py` and install the wheel into its venv."""
    out = os.path.join(WHEELS, tag)
    shutil.rmtree(out, ignore_errors=True)
    maturin = shutil.which("maturin")
    if maturin is None:
        sh([py, "-m", "pip", "install", "-q", "maturin"])
        maturin = os.path.join(os.path.dirname(py), "maturin")
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(ROOT, "target", f"bench-jsrun-{tag}"))
    env.pop("VIRTUAL_ENV", None)
    # What we ship: the GIL wheel is the abi3 one (scripts/build-wheels)
    features = [] if tag == "ft" else ["--features", "abi3"]
    log(f"build: our jsrun (release{', abi3' if features else ''}) for {tag}")
    r = sh(["nice", "-n", "10", maturin, "build", "--release", "-q", "-i", py, *features,
            "-m", os.path.join(ROOT, "runtime", "Cargo.toml"), "-o", out], env=env)
    wheels = glob.glob(os.path.join(out, "*.whl"))
    if r.returncode or not wheels:
        err = [l for l in (r.stderr + r.stdout).splitlines() if "error" in l.lower()] or (r.stderr + r.stdout).splitlines()
        raise RuntimeError("build failed: " + " | ".join(err[:3])[:300])
    sh([py, "-m", "pip", "uninstall", "-q", "-y", "jsrun"])  # also drops an editable .pth
    r = sh([py, "-m", "pip", "install", "-q", "--no-deps", wheels[0]])
    if r.returncode:
        raise RuntimeError(f"install failed: {r.stderr.strip()[-300:]}")


def free_threaded_python() -> str:
    r = sh([os.path.join(ROOT, "scripts", "python-ft")])
    if r.returncode:
        raise RuntimeError(f"scripts/python-ft: {r.stderr.strip()[-300:]}")
    return r.stdout.strip().splitlines()[-1]


# ------------------------------------------------------------------------------ running

def run_one(py: str, lib: str, scenario: str, quick: bool) -> dict:
    cmd = [py, os.path.join(HERE, "run_one.py"), lib, scenario] + (["--quick"] if quick else [])
    try:
        r = subprocess.run(cmd, text=True, capture_output=True, timeout=600, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"lib": lib, "scenario": scenario, "error": "timed out after 600 s"}
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if not lines:
        tail = (r.stderr.strip().splitlines() or ["no output"])[-1]
        return {"lib": lib, "scenario": scenario, "error": f"exit {r.returncode}: {tail}"[:300]}
    return json.loads(lines[-1])


def run_detach(quick: bool) -> dict:
    crate = os.path.join(HERE, "detach-overhead")
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(ROOT, "target", "bench-detach"))
    log("rust: bench/detach-overhead (cargo run --release)")
    r = subprocess.run(["nice", "-n", "10", "cargo", "run", "--release", "-q", "--"] + (["--quick"] if quick else []),
                       cwd=crate, env=env, text=True, capture_output=True, timeout=1800)
    lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
    if r.returncode or not lines:
        tail = [l for l in r.stderr.splitlines() if "error" in l.lower()] or r.stderr.splitlines()[-3:]
        return {"error": " | ".join(tail)[:300]}
    res = json.loads(lines[-1])
    log("\n".join("  " + l for l in r.stderr.strip().splitlines()))
    return res


def fmt(v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 0.1:
        return f"{v:.2f}"
    if a >= 0.001:
        return f"{v:.3f}"
    return f"{v:.1e}"


def machine() -> dict:
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(mem_kb / 2**20, 1),
            "kernel": platform.release(), "loadavg": os.getloadavg()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=None, help="rounds (default 5, or 2 with --quick)")
    ap.add_argument("--quick", action="store_true", help="fewer iterations and rounds (a smoke run)")
    ap.add_argument("--libs", default=",".join(LIBS), help="comma-separated subset of " + ",".join(LIBS))
    ap.add_argument("--scenarios", default=",".join(s[0] for s in SCENARIOS), help="comma-separated subset")
    ap.add_argument("--no-build", action="store_true", help="use the jsrun already installed in the venvs")
    ap.add_argument("--no-rust", action="store_true", help="skip the Rust detach-overhead bench")
    ap.add_argument("--py311", default=os.environ.get("PY311", "python3.11"))
    args = ap.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)
    libs = [l for l in args.libs.split(",") if l]
    scen = [s for s in SCENARIOS if s[0] in args.scenarios.split(",")]
    started = time.time()
    load0 = os.getloadavg()

    # --- environments: lib -> python; or an unavailability reason
    unavailable: dict[str, str] = {}
    pys: dict[str, str] = {}
    ft_py = None
    try:
        peers_py = ensure_venv(args.py311, "bench-peers", PEER_PACKAGES)
        for lib in PEERS:
            pys[lib] = peers_py
    except Exception as e:
        peers_py = None
        for lib in PEERS:
            unavailable[lib] = str(e)
    try:
        ours_py = ensure_venv(args.py311, "bench-ours", [])
        if not args.no_build:
            build_ours(ours_py, "py311")
        pys["ours"] = ours_py
    except Exception as e:
        unavailable["ours"] = str(e)
    ft_reason = None
    if "threads_ft" in [s[0] for s in scen] and "ours" in libs:
        try:
            ft_py = ensure_venv(free_threaded_python(), "bench-ft", [])
            if not args.no_build:
                build_ours(ft_py, "ft")
        except Exception as e:
            ft_reason = str(e)

    # --- rounds
    records = []
    for r in range(rounds):
        order = libs[r % len(libs):] + libs[: r % len(libs)]
        for sc, _label, _unit in scen:
            for lib in order:
                if lib in unavailable:
                    rec = {"lib": lib, "scenario": sc, "na": f"unavailable: {unavailable[lib]}"}
                elif sc == "threads_ft" and lib != "ours":
                    rec = {"lib": lib, "scenario": sc, "na": "free-threaded scenario: only ours is built for 3.13t"}
                elif sc == "threads_ft":
                    rec = ({"lib": lib, "scenario": sc, "na": f"unavailable: {ft_reason}"} if ft_reason
                           else run_one(ft_py, lib, sc, args.quick))
                else:
                    rec = run_one(pys[lib], lib, sc, args.quick)
                rec["round"] = r
                rec["load1"] = os.getloadavg()[0]  # after the run: how busy the machine was
                records.append(rec)
                shown = (f"{fmt(rec['value'])} {rec['unit']}" if "value" in rec
                         else f"n/a ({rec['na']})" if "na" in rec else f"ERROR {rec['error']}")
                log(f"[round {r + 1}/{rounds}] {sc:18} {lib:10} {shown}")

    detach = None if args.no_rust else run_detach(args.quick)

    # --- medians and reasons
    med: dict[tuple, float] = {}
    why: dict[tuple, str] = {}
    how: dict[tuple, str] = {}
    versions: dict[str, str] = {}
    for sc, _l, _u in scen:
        for lib in libs:
            recs = [x for x in records if x["scenario"] == sc and x["lib"] == lib]
            vals = [x["value"] for x in recs if "value" in x and not math.isnan(x["value"])]
            for x in recs:
                if "version" in x:
                    versions[lib] = x["version"]
            if vals:
                med[(sc, lib)] = statistics.median(vals)
                h = next((x["extra"].get("how") for x in recs if x.get("extra", {}).get("how")), None)
                if h:
                    how[(sc, lib)] = h
            else:
                bad = next((x for x in recs if "na" in x or "error" in x), None)
                if bad is not None:
                    why[(sc, lib)] = ("n/a: " + bad["na"]) if "na" in bad else ("err: " + bad["error"])

    # --- table
    notes: list[str] = []

    def note(text: str) -> str:
        if text not in notes:
            notes.append(text)
        return f"[{notes.index(text) + 1}]"

    ratio_peers = [p for p in PEERS if p in libs]
    header = ["scenario", "unit"] + libs + [f"ours/{p}" for p in ratio_peers] + ["target", "met"]
    rows = []
    verdicts = []
    for sc, label, unit in scen:
        row = [label, unit]
        for lib in libs:
            if (sc, lib) in med:
                cell = fmt(med[(sc, lib)])
                if (sc, lib) in how:
                    cell += " " + note(f"{lib}, {sc}: {how[(sc, lib)]}")
                row.append(cell)
            elif (sc, lib) in why:
                row.append(("n/a " if why[(sc, lib)].startswith("n/a") else "err ") + note(f"{lib}, {sc}: {why[(sc, lib)]}"))
            else:
                row.append("-")
        for p in ratio_peers:
            rt = _ratio(med, sc, p)
            row.append(fmt(rt) if rt is not None else "-")
        texts, mets = [], []
        for text, check in TARGETS.get(sc, []):
            ok = check(med)
            texts.append(text)
            mets.append("?" if ok is None else "yes" if ok else "NO")
            verdicts.append({"scenario": sc, "target": text, "met": ok})
        row += ["; ".join(texts), "; ".join(mets)]
        rows.append(row)
    if detach is not None:
        row = [DETACH[1], DETACH[2]]
        for lib in libs:
            if lib != "ours":
                row.append("n/a " + note("peers, detach_overhead: n/a: a Rust-level bench of pyo3-detach"))
            elif "error" in detach:
                row.append("err " + note(f"ours, detach_overhead: err: {detach['error']}"))
            else:
                row.append(f"{detach['ratio']:.3f}")
        row += ["-"] * len(ratio_peers)
        ok = None if "error" in detach else abs(detach["ratio"] - 1) <= max(detach["noise"], 0.03)
        row += ["within noise (±max(IQR/2, 3%))", "?" if ok is None else "yes" if ok else "NO"]
        verdicts.append({"scenario": DETACH[0], "target": "no difference beyond noise", "met": ok})
        rows.append(row)
        if "error" not in detach:
            notes.append(f"detach_overhead: #[blocking_detached] {detach['macro_ns']:.1f} ns/call, hand-written "
                         f"{detach['hand_ns']:.1f} ns/call, noise ±{detach['noise'] * 100:.1f}% "
                         f"(median of {detach['runs']} runs x {detach['iters']} calls, Python {detach['python']})")

    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)) for r in rows]
    m = machine()
    print()
    print(f"medians of {rounds} round(s){' (quick)' if args.quick else ''}; lower is better except threads_ft; "
          f"{m['nproc']} cores, {m['cpu']}; load average at start {load0[0]:.1f}, at end {m['loadavg'][0]:.1f}")
    print("versions: " + ", ".join(f"{k}={v}" for k, v in versions.items()))
    print("\n".join(lines))
    for i, n in enumerate(notes, 1):
        print(f"[{i}] {n}")
    threads = [x for x in records if x["scenario"] == "threads_ft" and "extra" in x]
    if threads:
        tg = statistics.median(x["extra"]["thread_gain"] for x in threads)
        pg = statistics.median(x["extra"]["process_gain"] for x in threads)
        print(f"threads_ft: 2 threads gain {tg * 100:.0f}% throughput, 2 processes gain {pg * 100:.0f}% "
              f"(medians; {threads[0]['extra']['gil']}, Python {threads[0]['extra']['python']})")

    # --- files
    os.makedirs(RESULTS, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = os.path.join(RESULTS, f"bench-{stamp}")
    doc = {
        "timestamp": stamp, "quick": args.quick, "rounds": rounds, "duration_s": round(time.time() - started, 1),
        "machine": m, "loadavg_start": load0, "versions": versions, "python_orchestrator": sys.version.split()[0],
        "scenarios": [{"name": s, "label": l, "unit": u} for s, l, u in scen],
        "libs": libs,
        "medians": {f"{sc}/{lib}": v for (sc, lib), v in med.items()},
        "unavailable": {f"{sc}/{lib}": v for (sc, lib), v in why.items()},
        "targets": verdicts, "detach_overhead": detach, "table": lines, "notes": notes,
        "records": records,
    }
    with open(base + ".json", "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
    print(f"\nwrote {base}.json")
    if peers_py:
        r = sh([peers_py, os.path.join(HERE, "chart.py"), base + ".json", base + ".png"])
        print(f"wrote {base}.png" if r.returncode == 0 else f"chart failed: {r.stderr.strip()[-300:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
