"""report.md's time section: latency per inference and per layer, and the spike raster of cycle-by-cycle runs."""

from pathlib import Path

import numpy as np

from runner.engine.atomic import pyplot, save_figure


def raster_plot(raster: dict, steps: int, path: Path) -> None:
    """Spikes per layer (rows, input first) and cycle, with the S-cycle windows marked."""
    plt = pyplot()
    names = list(raster["layers"])
    counts = np.array([raster["layers"][name] for name in names], np.float64)
    figure, axes = plt.subplots(figsize=(8, 0.9 + 0.28 * len(names)), dpi=110)
    image = axes.imshow(np.where(counts > 0, counts, np.nan), aspect="auto", interpolation="nearest",
                        cmap="viridis", extent=(0, raster["cycles"], len(names) - 0.5, -0.5))
    for edge in range(steps, raster["cycles"], steps):
        axes.axvline(edge, color="0.6", linewidth=0.5)
    axes.set_yticks(range(len(names)), names, fontsize=7)
    axes.set_xlabel(f"cycle (windows of S = {steps} cycles)")
    axes.set_title(f"spikes per layer and cycle, {raster['samples']} test samples", fontsize=9)
    figure.colorbar(image, ax=axes, fraction=0.03, label="spikes")
    figure.tight_layout()
    save_figure(figure, path)
    plt.close(figure)


def time_section(simulation: dict, out: Path) -> list[str]:
    """The lines of report.md's time section (and the raster's PNG where the run has one)."""
    if "latency_cycles" not in simulation:
        return []
    lines = ["", "### Time", "",
             f"* latency: {simulation['latency_cycles']:,} cycles per inference, host round-trips "
             f"({simulation['host_round_trips']}) not included; a new inference every "
             f"{simulation['initiation_interval_cycles']:,} cycles when pipelined"]
    if "latency_us" in simulation:
        lines.append(f"* at the platform's cycle time: {simulation['latency_us']:,} µs per inference, "
                     f"{simulation['throughput_per_second']:,.0f} inferences per second")
    lines += ["", "| layer | first cycle | last cycle |", "| --- | ---: | ---: |"]
    spans = simulation["latency_per_layer"].items()
    lines += [f"| {layer} | {start:,} | {end - 1:,} |" for layer, (start, end) in spans]
    if simulation.get("raster"):
        raster_plot(simulation["raster"], simulation["steps"], out / "raster.png")
        lines += ["", "![spikes per layer and cycle](raster.png)"]
    return lines
