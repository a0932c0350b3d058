"""The three figures of a compile report, drawn from `report.json`'s own numbers.

* `pareto.png`: throughput against the largest share of device resources,
  the early-exit design's Pareto front (at the chosen thresholds) beside the
  baseline's, with the compiled design marked;
* `accuracy_throughput.png`: overall accuracy against throughput for every
  threshold setting explored (one line per budget), with the accuracy of
  the final exit alone and, for `--thresholds auto`, the floor it allowed;
* `layers.png`: each layer's resources (share of the board) and its cycles
  per sample (`reach x interval`) against the design's, which shows the
  bottleneck and how the layers after an exit are folded.

Plotting from the report (not from live objects) keeps the figures and the
numbers in agreement.  PNGs carry no timestamp, so the same report gives the
same bytes.
"""

from __future__ import annotations

import io
from pathlib import Path

from atheena.dse.sweeps import pareto
from atheena.fileio import write_atomic_bytes

from atheena.dse.boards import RESOURCES


def _figure(*args, **kwargs):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, plt.subplots(*args, **kwargs)


def _save(plt, fig, path: Path) -> None:
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    write_atomic_bytes(path, buffer.getvalue())


def _setting(thresholds) -> str:
    return ",".join(f"{t:g}" for t in thresholds) or "no exits"


def _label_points(ax, points: list[tuple[float, float, str]]) -> None:
    """Label points with their thresholds, skipping any too close to one already labelled."""
    if not points:
        return
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    dx, dy = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    placed: list[tuple[float, float]] = []
    for x, y, text in points:
        if all(abs(x - px) > 0.06 * dx or abs(y - py) > 0.06 * dy for px, py in placed):
            ax.annotate(text, (x, y), fontsize=6, xytext=(3, -8), textcoords="offset points")
            placed.append((x, y))


def plot_pareto(report: dict, path: Path) -> None:
    plt, (fig, ax) = _figure(figsize=(6.4, 4.2), dpi=120)
    chosen = report["thresholds"]
    ee = [p["design"] for p in report["exploration"]["points"] if p["thresholds"] == chosen]
    base = [b["design"] for b in report["exploration"]["baseline"]]
    for designs, style, label in ((ee, "o-", f"early exit (thresholds {_setting(chosen)})"),
                                  (base, "s--", "baseline (no exits)")):
        front = pareto(designs)
        if front:
            ax.plot([100 * d["max_resource_share"] for d in front], [d["throughput_sps"] for d in front], style,
                    label=label)
    mark = report["exploration"]["chosen"]["design"]
    ax.plot([100 * mark["max_resource_share"]], [mark["throughput_sps"]], "*", markersize=14, color="crimson",
            label=f"compiled (budget {report['budget']:g})")
    ax.set_xlabel(f"largest share of the {report['board']}'s resources (%)")
    ax.set_ylabel("predicted throughput (samples/s)")
    ax.set_title(f"{report['model']}: throughput vs resources")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    _save(plt, fig, path)


def plot_accuracy_throughput(report: dict, path: Path) -> None:
    plt, (fig, ax) = _figure(figsize=(6.4, 4.2), dpi=120)
    exploration = report["exploration"]
    by_budget: dict[float, list[dict]] = {}
    for p in exploration["points"]:
        if p["design"]:
            by_budget.setdefault(p["budget"], []).append(p)
    budgets = sorted(b for b, pts in by_budget.items() if len({tuple(p["thresholds"]) for p in pts}) > 1)
    if len(budgets) > 4:  # a readable number of lines: the compiled budget and three spread over the rest
        others = [b for b in budgets if b != report["budget"]]
        picks = {others[0], others[len(others) // 2], others[-1], report["budget"]}
        budgets = sorted(b for b in budgets if b in picks)
    for b in budgets:
        pts = sorted(by_budget[b], key=lambda p: p["design"]["throughput_sps"])
        ax.plot([p["design"]["throughput_sps"] for p in pts], [100 * p["accuracy"]["fixed"] for p in pts], "o-",
                markersize=4, label=f"budget {b:g}")
        if b == report["budget"]:
            _label_points(ax, [(p["design"]["throughput_sps"], 100 * p["accuracy"]["fixed"], _setting(p["thresholds"]))
                               for p in pts])
    ax.axhline(100 * exploration["final_exit_accuracy"], color="grey", linestyle=":",
               label="final exit alone")
    if exploration["max_accuracy_drop"] is not None:
        ax.axhline(100 * exploration["final_exit_accuracy"] - exploration["max_accuracy_drop"], color="crimson",
                   linestyle="--", linewidth=0.8, label=f"allowed drop ({exploration['max_accuracy_drop']:g} points)")
    mark = exploration["chosen"]
    ax.plot([mark["design"]["throughput_sps"]], [100 * mark["accuracy"]["fixed"]], "*", markersize=14,
            color="crimson", label=f"compiled (thresholds {_setting(mark['thresholds'])})")
    ax.set_xlabel("predicted throughput (samples/s)")
    ax.set_ylabel("accuracy, fixed point (%)")
    ax.set_title(f"{report['model']}: accuracy vs throughput")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    _save(plt, fig, path)


def plot_layers(report: dict, path: Path) -> None:
    layers = [layer for layer in report["layers"] if layer["op"] != "flatten"]
    plt, (fig, (top, bottom)) = _figure(2, 1, figsize=(max(6.4, 0.42 * len(layers) + 2), 6.4), dpi=120,
                                        sharex=True)
    xs = range(len(layers))
    width = 0.2
    capacity = report["board_resources"]
    for k, kind in enumerate(RESOURCES):
        top.bar([x + (k - 1.5) * width for x in xs], [100 * layer["resources"][kind] / capacity[kind]
                                                       for layer in layers], width, label=kind)
    top.set_ylabel(f"share of the {report['board']} (%)")
    top.set_title(f"{report['model']}: resources and cycles per sample of each layer")
    top.legend(fontsize=7, ncol=4)
    top.grid(True, axis="y", alpha=0.3)
    bottom.bar(list(xs), [layer["cycles_per_sample"] for layer in layers], color="tab:gray")
    bottom.axhline(report["predicted"]["cycles_per_sample"], color="crimson", linestyle="--", linewidth=0.8,
                   label="design's cycles per sample")
    bottom.set_ylabel("reach x interval (cycles)")
    bottom.legend(fontsize=7)
    bottom.grid(True, axis="y", alpha=0.3)
    bottom.set_xticks(list(xs))
    bottom.set_xticklabels([f"{layer['name']} ({layer['op']})" for layer in layers], rotation=60, ha="right",
                           fontsize=7)
    _save(plt, fig, path)


def write_all(report: dict, folder: Path) -> list[str]:
    """Draw every figure into `folder`; returns the file names."""
    plot_pareto(report, folder / "pareto.png")
    plot_accuracy_throughput(report, folder / "accuracy_throughput.png")
    plot_layers(report, folder / "layers.png")
    return ["pareto.png", "accuracy_throughput.png", "layers.png"]
