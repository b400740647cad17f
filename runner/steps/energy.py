"""The simulation step's energy figures: per inference in total, per layer and per event type; the same network
as an ANN at 45 nm, and the chip's energy over the ANN's."""

import numpy as np

from mappers.graph.macs import macs_per_layer
from mappers.ir.graph import layer_of
from simulator.energy import ANN_PJ_PER_MAC, EVENTS, energy_pj, host_values, neuron_updates

NJ = 1e-3
"""Picojoules to nanojoules."""


def core_events(program, run, samples: int, delay: int) -> dict[str, np.ndarray]:
    """Per core its events per inference (host values apart: they belong to compute ops)."""
    return {"synaptic_ops": run.synaptic_ops / samples, "neuron_updates": neuron_updates(program, delay),
            "spikes": run.spike_counts / samples, "messages": run.messages / samples}


def layer_events(ir, program, run, samples: int, delay: int) -> dict[str, dict[str, float]]:
    """Per layer (the model's names, execution order) its events per inference; host values go to the compute
    op that moves them."""
    per_core = core_events(program, run, samples, delay)
    layers: dict[str, dict[str, float]] = {}
    for c, core in enumerate(ir.cores):
        events = layers.setdefault(layer_of(core.layer), dict.fromkeys(EVENTS, 0.0))
        for name, counts in per_core.items():
            events[name] += float(counts[c])
    for op, moved in zip(ir.ops, host_values(program).tolist()):
        layers.setdefault(op.layer, dict.fromkeys(EVENTS, 0.0))["host_values"] += moved
    return layers


def energy_figures(ir, program, run, samples: int, delay: int, energy, model) -> dict:
    """`energy` (EnergySettings) prices the events of `run` (a SimulationOutput over `samples` inputs); `model`
    gives the ANN's multiply-accumulates."""
    layers = layer_events(ir, program, run, samples, delay)
    priced = {layer: energy_pj(energy.costs, events) for layer, events in layers.items()}
    by_event = {name: sum(p[name] for p in priced.values()) for name in EVENTS}
    total = sum(by_event.values())
    macs = macs_per_layer(model)
    ann = {kind: sum(macs.values()) * pj * NJ for kind, pj in ANN_PJ_PER_MAC.items()}
    return {
        "preset": energy.preset, "costs_pj": energy.costs.as_dict(),
        "events_per_inference": {name: round(sum(e[name] for e in layers.values()), 4) for name in EVENTS},
        "nj_per_inference": round(total * NJ, 4),
        "share": {name: round(by_event[name] / total, 6) if total else 0.0 for name in EVENTS},
        "nj_per_layer": {layer: round(sum(p.values()) * NJ, 4) for layer, p in priced.items()},
        "ann_macs": int(sum(macs.values())), "ann_macs_per_layer": macs, "ann_pj_per_mac": dict(ANN_PJ_PER_MAC),
        "ann_nj_per_inference": {kind: round(nj, 4) for kind, nj in ann.items()},
        "chip_over_ann": {kind: round(total * NJ / nj, 6) if nj else None for kind, nj in ann.items()},
    }


def is_energy(value) -> bool:
    """What `energy_figures` writes."""
    if not isinstance(value, dict) or set(value.get("share", {})) != set(EVENTS):
        return False
    numbers = lambda d: isinstance(d, dict) and all(isinstance(v, (int, float)) and np.isfinite(v) for v in d.values())
    return (isinstance(value.get("preset"), str) and isinstance(value.get("nj_per_inference"), float)
            and all(numbers(value.get(key)) for key in ("costs_pj", "events_per_inference", "nj_per_layer",
                                                          "ann_macs_per_layer", "ann_nj_per_inference")))
