"""report.md: the run as people would rather read it, with PNG plots, rebuilt from checkpoints."""

import itertools
from pathlib import Path

import numpy as np

from runner.engine.atomic import pyplot, save_figure, write_atomic
from runner.report_energy import energy_section
from runner.report_sanafe import sanafe_section
from runner.report_time import time_section


def metric_series(steps: list[dict]) -> dict[str, list[tuple[int, float]]]:
    """Per split a metric is measured on (its label), the (position among measured steps, metric) of its steps."""
    measured = [s for s in steps if s["metric"] is not None]
    series: dict[str, list[tuple[int, float]]] = {}
    for x, s in enumerate(measured):
        label = f"{s['split']} split" if s.get("split") else "split not recorded"
        series.setdefault(label, []).append((x, s["metric"]))
    return series


def metric_plot(steps: list[dict], path: Path) -> None:
    """Each step's metric in pipeline order, one labelled line per split: points of different splits never join.
    A value is written where its series starts or changes."""
    plt = pyplot()
    from matplotlib.ticker import PercentFormatter
    names = [s["name"] for s in steps if s["metric"] is not None]
    figure, axes = plt.subplots(figsize=(8, 3.8), dpi=110)
    for (label, points), marker in zip(metric_series(steps).items(), itertools.cycle("osD^v")):
        line, = axes.plot(*zip(*points), marker=marker, label=label)
        for k, (x, metric) in enumerate(points):
            if k == 0 or metric != points[k - 1][1]:
                axes.annotate(f"{metric:.2%}", (x, metric), textcoords="offset points", xytext=(0, 7), ha="center",
                              fontsize=7, color=line.get_color())
    axes.set_xticks(range(len(names)), names, rotation=35, ha="right", fontsize=7)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes.set_ylabel("accuracy")
    axes.margins(x=0.04, y=0.25)
    axes.grid(alpha=0.3)
    if names:
        axes.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)


def utilization(mapping) -> tuple[np.ndarray, np.ndarray]:
    """Used axon and neuron fractions per hard core."""
    axons = np.zeros(mapping.hard_cores)
    neurons = np.zeros(mapping.hard_cores)
    for core, hard in zip(mapping.ir.cores, mapping.hard_core):
        axons[hard] += core.axons
        neurons[hard] += core.neurons
    types = mapping.core_types[mapping.core_type]
    return axons / types[:, 0], neurons / types[:, 1]


def utilization_heatmap(axons: np.ndarray, neurons: np.ndarray, path: Path) -> None:
    plt = pyplot()
    width = int(np.ceil(np.sqrt(len(axons))))
    grid = lambda values: np.pad(values, (0, width * width - len(values)),
                                 constant_values=np.nan).reshape(width, width)
    figure, panes = plt.subplots(1, 2, figsize=(8, 3.8), dpi=110)
    for pane, values, title in ((panes[0], axons, "axons used"), (panes[1], neurons, "neurons used")):
        image = pane.imshow(grid(values), vmin=0, vmax=1, cmap="viridis")
        pane.set_title(f"{title} per hard core", fontsize=9)
        pane.set_xticks([]), pane.set_yticks([])
    figure.colorbar(image, ax=panes, fraction=0.03)
    save_figure(figure, path)
    plt.close(figure)


def _metric(value) -> str:
    return "-" if value is None else f"{value:.4f}"


def write_report(run) -> Path:
    """Write report.md and its plots into RunDirectory `run` from report.json and the checkpoints."""
    report, out = run.report, run.path
    lines = [f"# {report['spec']}", "", "| step | status | metric | measured on | seconds | reused |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {s['name']} | {s['status']} | {_metric(s['metric'])} | {s.get('split') or '-'} | "
              f"{s['seconds']:.1f} | {'yes' if s['reused'] else 'no'} |" for s in report["steps"]]
    metric_plot(report["steps"], out / "metrics.png")
    lines += ["", "![metric after every step, per data split](metrics.png)", ""]
    order = []
    if run.written("hard_mapping"):
        mapping = run.latest("hard_mapping")
        axons, neurons = utilization(mapping)
        order = mapping.ir.layers()
        utilization_heatmap(axons, neurons, out / "utilization.png")
        lines += ["## Mapping", "",
                  f"* soft cores: {len(mapping.ir.cores)}; hard cores: {mapping.hard_cores} "
                  f"(per type {mapping.cores_per_type()}); lower bound: {mapping.lower_bound}",
                  f"* mean utilization: axons {axons.mean():.1%}, neurons {neurons.mean():.1%}",
                  f"* host round-trips (compute-op stages): {mapping.ir.stages()}", "",
                  "![utilization per hard core](utilization.png)", ""]
    simulation = report.get("simulation")
    if simulation:
        lines += ["## Simulation", "", "| figure | value |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in simulation.items() if not isinstance(v, dict)]
        lines += layer_table(simulation, order)
        lines += time_section(simulation, out)
        lines += energy_section(simulation, order)
    if report.get("sanafe_simulation"):
        lines += [""] + sanafe_section(report["sanafe_simulation"])
    if report.get("nir_simulation"):
        lines += [""] + nir_section(report["nir_simulation"])
    write_atomic(out / "report.md", ("\n".join(lines) + "\n").encode())
    return out / "report.md"


def nir_section(f: dict) -> list[str]:
    """The imported NIR graph, run by nirtorch under NIR's definitions, beside the chip."""
    return ["## The imported NIR graph", "",
            f"The NIR file run by nirtorch ({f['cycles']} cycles, the chip's input spikes) on the first "
            f"{f['samples']} test samples.", "", "| figure | value |", "| --- | --- |",
            f"| prediction agreement with the chip | {f['agreement']:.4f} |",
            f"| accuracy: the NIR graph, the chip | {f['accuracy']:.4f}, {f['chip_accuracy']:.4f} |"]


def layer_table(simulation: dict, order: list[str]) -> list[str]:
    """Per layer, in graph `order` (the IR's layers; others after, by name): spikes and synaptic operations per
    sample, and how far the chip departs from the model."""
    spikes, synops = simulation.get("spikes_per_sample") or {}, simulation.get("synaptic_ops_per_sample") or {}
    departure = simulation.get("departure") or {}
    if not spikes:
        return []
    first = simulation.get("first_departure")
    lines = ["", "### Per layer", "",
             "Per sample: spikes fired, and synaptic operations (spikes reaching a core's axons times its neurons). "
             "Against the model (through the hard-core reference, on the first test samples and every sample "
             "where chip and model predict differently): the share of the node's outputs that differ from the "
             "model's by more than half a level, and the share saturated (firing at the first step, or every "
             "cycle); compute ops (max-pools) are listed with them.", "",
             f"The chip first departs from the model at **{first}**." if first else
             "The chip matches the model at every hidden layer and compute op.", "",
             "| layer | spikes | synaptic operations | differs from model | saturated |",
             "| --- | ---: | ---: | ---: | ---: |"]
    position = {name: i for i, name in enumerate(order)}
    for layer in sorted(set(spikes) | set(departure), key=lambda name: (position.get(name, len(order)), name)):
        d = departure.get(layer)
        compared = f"{d['differs']:.2%} | {d['saturated']:.2%}" if d else "- | -"
        counts = f"{spikes[layer]:,.1f} | {synops.get(layer, float('nan')):,.0f}" if layer in spikes else \
            "- (compute op) | -"
        lines.append(f"| {layer} | {counts} | {compared} |")
    return lines
