"""The simulation step's time figures: latency per inference and per layer, throughput, the spike raster."""

import numpy as np

from mappers.ir.graph import layer_of
from simulator.program import SPIKING
from simulator.timing import schedule

RASTER_SAMPLES = 4
"""Cycle-by-cycle runs record the spike times of this many samples (the first of the test split) for the raster."""


def latency_figures(ir, program, delay: int, cycle_ns: float | None) -> dict:
    """Cycles per inference (host round-trips excluded: they add host time), per layer the cycles it works in
    (first input to last output), and with `cycle_ns` the time per inference and the pipelined throughput."""
    timing = schedule(program, delay)
    per_layer: dict[str, list[int]] = {}
    for core, start, end in zip(ir.cores, timing.start.tolist(), timing.end.tolist()):
        span = per_layer.setdefault(layer_of(core.layer), [start, end])
        span[0], span[1] = min(span[0], start), max(span[1], end)
    figures = {"latency_cycles": timing.latency, "initiation_interval_cycles": timing.interval,
               "latency_per_layer": per_layer}
    if cycle_ns is not None:
        figures["latency_us"] = round(timing.latency * cycle_ns / 1000, 6)
        figures["throughput_per_second"] = round(1e9 / (timing.interval * cycle_ns), 3)
    return figures


def spike_raster(ir, program, fire_cycles: np.ndarray, cycles: int) -> dict:
    """Spikes per layer and cycle, summed over the recorded samples: the inputs, then every spiking layer."""
    layers: dict[str, np.ndarray] = {}

    def add(name: str, values: np.ndarray) -> None:
        times = fire_cycles[:, values].ravel()
        counts = np.bincount(times[times >= 0], minlength=cycles)[:cycles]
        layers[name] = layers.get(name, np.zeros(cycles, np.int64)) + counts

    add("input", np.arange(2, 2 + program.n_inputs))
    for c, core in enumerate(ir.cores):
        if program.core_kind[c] == SPIKING:
            start = program.value_start[c]
            add(layer_of(core.layer), np.arange(start, start + program.neuron_count[c]))
    return {"samples": len(fire_cycles), "cycles": cycles, "layers": {k: v.tolist() for k, v in layers.items()}}


def is_raster(value) -> bool:
    """What `spike_raster` writes (None where the run was not cycle by cycle)."""
    if value is None:
        return True
    layers = value.get("layers") if isinstance(value, dict) else None
    return (isinstance(layers, dict) and isinstance(value.get("cycles"), int) and isinstance(value.get("samples"), int)
            and all(isinstance(v, list) and len(v) == value["cycles"] and all(isinstance(n, int) and n >= 0 for n in v)
                    for v in layers.values()))


def is_spans(value) -> bool:
    """What `latency_figures` writes per layer: [first cycle, cycle after the last]."""
    return isinstance(value, dict) and all(isinstance(v, list) and len(v) == 2 and all(isinstance(n, int) for n in v)
                                           for v in value.values())
