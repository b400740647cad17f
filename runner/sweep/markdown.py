"""sweep.md: the variants' table and plots (chip accuracy against each swept key, and against hard cores and
energy with the Pareto front marked)."""

import itertools
from pathlib import Path

from runner.engine.atomic import pyplot, save_figure, write_atomic
from runner.sweep.sweep_file import value_text


def pareto(points: list[tuple[float, float]]) -> list[int]:
    """Indices of the points (cost, accuracy) no other point beats: as cheap or cheaper and as accurate or more,
    better in one; by cost."""
    front = [i for i, (c, a) in enumerate(points)
             if not any(c2 <= c and a2 >= a and (c2, a2) != (c, a) for c2, a2 in points)]
    return sorted(front, key=lambda i: points[i])


def key_plot(rows: list[dict], key: str, keys, path: Path) -> None:
    """Chip accuracy against `key`'s values, one line per combination of the other swept `keys`."""
    plt = pyplot()
    values = list(dict.fromkeys(value_text(r["overrides"][key]) for r in rows if key in r["overrides"]))
    numeric = all(isinstance(r["overrides"].get(key), (int, float)) for r in rows if key in r["overrides"])
    figure, axes = plt.subplots(figsize=(6, 3.8), dpi=110)
    groups = {}
    for r in rows:
        if key in r["overrides"] and r["accuracy"] is not None:
            rest = ", ".join(f"{k.rsplit('.', 1)[-1]} {value_text(r['overrides'][k])}" for k in keys
                             if k != key and k in r["overrides"])
            x = r["overrides"][key] if numeric else values.index(value_text(r["overrides"][key]))
            groups.setdefault(rest, []).append((x, r["accuracy"]))
    for (rest, points), marker in zip(groups.items(), itertools.cycle("osD^v<>")):
        axes.plot(*zip(*sorted(points)), marker=marker, label=rest or "chip accuracy")
    if not numeric:
        axes.set_xticks(range(len(values)), values)
    axes.set_xlabel(key)
    _finish(axes, figure, path, legend=len(groups) > 1)


def front_plot(rows: list[dict], cost: str, label: str, path: Path) -> None:
    """Chip accuracy against `cost`, every variant a point, the Pareto front joined, ringed and named."""
    plt = pyplot()
    done = [r for r in rows if r["accuracy"] is not None and r[cost] is not None]
    points = [(r[cost], r["accuracy"]) for r in done]
    figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
    axes.scatter(*zip(*points), color="0.5", label="variant")
    front = pareto(points)
    axes.plot(*zip(*(points[i] for i in front)), color="tab:blue", drawstyle="steps-post", marker="o",
              markerfacecolor="none", markersize=11, label="Pareto front")
    for i in front:
        axes.annotate(done[i]["variant"], points[i], textcoords="offset points", xytext=(6, -12), fontsize=7)
    axes.set_xlabel(label)
    _finish(axes, figure, path, legend=True)


def _finish(axes, figure, path: Path, legend: bool) -> None:
    from matplotlib.ticker import PercentFormatter
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_ylabel("chip accuracy")
    axes.margins(x=0.08, y=0.15)
    axes.grid(alpha=0.3)
    if legend:
        axes.legend(fontsize=7)
    figure.tight_layout()
    save_figure(figure, path)
    figure.clf()
    pyplot().close(figure)


COLUMNS = (("float", "float_accuracy", "{:.2%}"), ("model", "model_accuracy", "{:.2%}"),
           ("chip", "accuracy", "{:.2%}"),
           ("agreement", "model_agreement", "{:.4f}"), ("soft cores", "soft_cores", "{}"),
           ("hard cores", "hard_cores", "{}"), ("latency (cycles)", "latency_cycles", "{}"),
           ("energy (nJ)", "energy_nj", "{:.1f}"), ("seconds computed", "seconds_computed", "{:.1f}"),
           ("steps reused", "steps_reused", "{}"))


def table(rows: list[dict], keys) -> list[str]:
    """The variants as a markdown table: swept keys, figures, what each computed."""
    head = ["variant", *keys, *(title for title, _, _ in COLUMNS)]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for r in rows:
        figures = ["-" if r[field] is None else form.format(r[field]) for _, field, form in COLUMNS]
        if r["status"] != "done":
            figures[2] = r["status"]
        cells = [r["variant"], *(value_text(r["overrides"][k]) if k in r["overrides"] else "" for k in keys), *figures]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_markdown(folder: Path, name: str, rows: list[dict], totals: dict, keys) -> Path:
    """sweep.md and its plots in `folder/plots`."""
    plots = folder / "plots"
    plots.mkdir(exist_ok=True)
    lines = [f"# Sweep {name}", "",
             f"{totals['variants']} variants, {totals['variant_steps']} steps in all: {totals['distinct_steps']} "
             f"distinct, {totals['steps_computed']} computed, {totals['steps_reused']} reused; "
             f"{totals['seconds']} s on {totals['workers']} ({totals['threads']} thread(s) per step), "
             f"{totals['seconds_computed']} s computing.", "", *table(rows, keys), ""]
    if any(r["accuracy"] is not None for r in rows):
        for i, key in enumerate(keys):
            key_plot(rows, key, keys, plots / f"accuracy_{i}.png")
            lines += [f"![chip accuracy against {key}](plots/accuracy_{i}.png)", ""]
        for cost, label, file in (("hard_cores", "hard cores", "front_cores.png"),
                                  ("energy_nj", "energy per inference (nJ)", "front_energy.png")):
            front_plot(rows, cost, label, plots / file)
            lines += [f"![chip accuracy against {label}, Pareto front](plots/{file})", ""]
    path = folder / "sweep.md"
    write_atomic(path, "\n".join(lines).encode())
    return path
