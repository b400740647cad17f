"""The SANA-FE network of a hard-core program: a neuron per used hard neuron, on its hard core, and a synapse per
nonzero crossbar weight from the neuron (or host source) its axon reads.

Neurons are Loihi LIF compartments with our integer thresholds, no leak, no bias (the bias is the weight row of
the always-on axon, a host source spiking every cycle) and soft reset by subtraction (`default`) or a hard reset
(`novena`). Loihi fires on v > threshold; a `<=` chip starts every potential at 1/2, so v + 1/2 > theta exactly
when v >= theta, and both resets keep the 1/2 (1/64 truncation leaves it, as it leaves integers). Output neurons
never fire and log their potential.
"""

from dataclasses import dataclass

import numpy as np

from simulator.backends.sanafe.architecture import source_unit
from simulator.backends.sanafe.support import MAX_NEURONS
from simulator.hard_program import UNUSED, HardProgram
from simulator.options import RateOptions
from simulator.program import OUTPUT

HOST, CHIP = "host", "chip"
"""Group names: host sources (value v at position v - 1: the always-on axon, then the inputs) and chip neurons."""


@dataclass(frozen=True)
class Translation:
    """The hard neurons in the chip group's order (`neurons`), those SANA-FE logs spikes of (`spiking`), per class
    its output neuron (`outputs`) and that neuron's position in the potential trace (`classes`); `offset`: the
    initial potential of spiking neurons."""

    neurons: np.ndarray
    spiking: np.ndarray
    outputs: np.ndarray
    classes: np.ndarray
    offset: float


def translate(p: HardProgram, options: RateOptions, cores: list):
    """(the sanafe.Network of `p` on architecture `cores`, hard cores first then host cores; its Translation)."""
    import sanafe

    neurons = np.flatnonzero(p.kind != UNUSED)
    position = np.full(len(p.kind), -1, np.int64)
    position[neurons] = np.arange(len(neurons))
    hard_core = np.repeat(np.arange(p.n_hard_cores), p.neuron_count)
    output = p.kind[neurons] == OUTPUT
    offset = 0.5 if options.thresholding == "<=" else 0.0
    net = sanafe.Network()
    host = net.create_neuron_group(HOST, 1 + p.n_inputs)
    for k, source in enumerate(host):
        source.set_attributes(soma_hw_name=source_unit(k))
        source.map_to_core(cores[p.n_hard_cores + k // MAX_NEURONS])
    reset = {"reset_mode": "soft"} if options.firing == "default" else {"reset_mode": "hard", "reset": offset}
    chip = net.create_neuron_group(CHIP, len(neurons), model_attributes={"leak_decay": 1.0, "bias": 0.0, **reset})
    for k, n in enumerate(neurons.tolist()):
        threshold = float("inf") if output[k] else float(p.thresholds[n])
        chip[k].set_attributes(model_attributes={"threshold": threshold}, log_spikes=not output[k],
                               log_potential=bool(output[k]))
        chip[k].map_to_core(cores[hard_core[n]])
    producer = np.full(p.n_values, -1, np.int64)
    producer[p.produces[neurons]] = neurons
    connect(p, position, producer, host, chip)
    outputs = producer[p.output_values]
    return net, Translation(neurons, neurons[~output], outputs, np.searchsorted(neurons[output], outputs), offset)


def connect(p: HardProgram, position: np.ndarray, producer: np.ndarray, host, chip) -> None:
    """A synapse per nonzero weight of every hard crossbar, from what its axon reads (a host source, or the hard
    neuron `producer` names, at its `position` in the chip group) to the neuron of its column."""
    sources, targets, weights = [], [], []
    for h in range(p.n_hard_cores):
        axon, column = np.nonzero(p.core_weights(h))
        target = position[p.neuron_offset[h] + column]
        keep = (target >= 0) & (p.core_sources(h)[axon] != 0)
        sources.append(p.core_sources(h)[axon[keep]])
        targets.append(target[keep])
        weights.append(p.core_weights(h)[axon[keep], column[keep]])
    sources, targets, weights = (np.concatenate(v) for v in (sources, targets, weights))
    from_host = sources < 2 + p.n_inputs
    if np.any(producer[sources[~from_host]] < 0):
        raise ValueError("a hard-core axon reads a value no hard neuron makes (a placement error)")
    for group, pre, mask in ((host, sources - 1, from_host), (chip, position[producer[sources]], ~from_host)):
        if mask.any():
            pairs = list(zip(pre[mask].tolist(), targets[mask].tolist()))
            group.connect_neurons_sparse(chip, {"weight": weights[mask].astype(np.float64).tolist()}, pairs)
