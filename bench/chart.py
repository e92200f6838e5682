"""Draw the medians of one bench-results JSON file as a PNG (one panel per scenario).

    python bench/chart.py results.json out.png      (run by run.py in the bench-peers venv)
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"ours": "#2b7bba", "jsrun030": "#d9822b", "quickjs": "#3a9a4a", "mini_racer": "#9b59b6"}


def main(src: str, out: str) -> None:
    doc = json.load(open(src))
    scen = doc["scenarios"]
    extra = doc.get("detach_overhead") or {}
    panels = len(scen) + (1 if "ratio" in extra else 0)
    cols = 4
    rows = (panels + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows))
    axes = axes.flatten()
    for ax, s in zip(axes, scen):
        names, vals = [], []
        for lib in doc["libs"]:
            v = doc["medians"].get(f"{s['name']}/{lib}")
            names.append(lib)
            vals.append(v if v is not None else 0)
        bars = ax.bar(names, vals, color=[COLORS.get(n, "grey") for n in names])
        for b, n, v in zip(bars, names, vals):
            key = f"{s['name']}/{n}"
            label = f"{v:.3g}" if key in doc["medians"] else ("n/a" if doc["unavailable"].get(key, "").startswith("n/a") else "err")
            ax.annotate(label, (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom", fontsize=8)
        ax.set_title(s["label"], fontsize=9)
        ax.set_ylabel(s["unit"], fontsize=8)
        ax.tick_params(labelsize=8)
        ax.margins(y=0.15)
    i = len(scen)
    if "ratio" in extra:
        ax = axes[i]
        ax.bar(["#[blocking_detached]", "hand py.detach"], [extra["macro_ns"], extra["hand_ns"]], color=["#2b7bba", "#888"])
        ax.set_title("Rust: detach overhead", fontsize=9)
        ax.set_ylabel("ns/call", fontsize=8)
        ax.tick_params(labelsize=8)
        i += 1
    for ax in axes[i:]:
        ax.axis("off")
    q = " (quick)" if doc.get("quick") else ""
    fig.suptitle(f"jsrun benchmarks{q}: medians of {doc['rounds']} rounds, {doc['machine']['nproc']} cores, "
                 f"{doc['timestamp']} (lower is better, except the threads panel)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
