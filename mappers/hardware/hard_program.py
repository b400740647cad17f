"""The hard-core program of a hard-core mapping: each physical core's dense crossbar with its placed blocks.

Built from the placement as it stands: blocks that overlap or sit wrongly are written as they are
(a later block over an earlier one), so the hard-core reference's parity shows the error. Only what
cannot be built is refused: a block outside its hard core's crossbar, or, with one threshold per core,
a hard core holding several thresholds.
"""

import numpy as np

from mappers.hardware.lowering import chip_program
from mappers.hardware.mapping import HardCoreMapping
from simulator.hard_program import NEVER, UNUSED, HardProgram
from simulator.kernels.common import stage_bounds


def hard_program(mapping: HardCoreMapping, mode: str, steps: int, threshold: str = "per_neuron") -> HardProgram:
    """The hard-core program of `mapping` in spiking `mode` with `steps`; `threshold` is the platform's sharing
    (per_neuron or per_core). Raises ValueError for a block outside its crossbar or mixed per-core thresholds."""
    soft = chip_program(mapping.ir, mode, steps)  # the soft cores' arrays, compute ops and readout, lowered once
    shape = mapping.core_types[mapping.core_type][:, :2].astype(np.int64)
    axons, neurons = shape[:, 0], shape[:, 1]
    starts = lambda sizes: np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    weight_offset, source_offset, neuron_offset = starts(axons * neurons), starts(axons), starts(neurons)
    dtype = soft.weights.dtype
    weights = np.zeros(weight_offset[-1], dtype)
    sources = np.zeros(source_offset[-1], np.int64)
    thresholds = np.full(neuron_offset[-1], NEVER[dtype.kind], dtype)
    kind = np.full(neuron_offset[-1], UNUSED, np.int8)
    produces = np.full(neuron_offset[-1], -1, np.int64)
    stage = np.full(neuron_offset[-1], -1, np.int64)
    ends = stage_bounds(soft.op_position, soft.n_cores)
    core_stage = np.searchsorted(ends, np.arange(soft.n_cores), side="right")
    for c in range(soft.n_cores):
        h, a0, n0 = int(mapping.hard_core[c]), int(mapping.axon_offset[c]), int(mapping.neuron_offset[c])
        a, m = int(soft.axon_count[c]), int(soft.neuron_count[c])
        if not 0 <= h < len(shape):
            raise ValueError(f"soft core {c} is placed on hard core {h}; there are {len(shape)} hard cores")
        if a0 < 0 or n0 < 0 or a0 + a > axons[h] or n0 + m > neurons[h]:
            raise ValueError(f"soft core {c} ({a} axons x {m} neurons at axon {a0}, neuron {n0}) leaves the "
                             f"{axons[h]}x{neurons[h]} crossbar of hard core {h} (a placement error)")
        crossbar = weights[weight_offset[h]:weight_offset[h + 1]].reshape(axons[h], neurons[h])
        crossbar[a0:a0 + a, n0:n0 + m] = soft.core_weights(c)
        sources[source_offset[h] + a0:source_offset[h] + a0 + a] = soft.core_sources(c)
        span = slice(neuron_offset[h] + n0, neuron_offset[h] + n0 + m)
        thresholds[span] = soft.thresholds[soft.neuron_offset[c]:soft.neuron_offset[c] + m]
        kind[span] = soft.core_kind[c]
        produces[span] = soft.value_start[c] + np.arange(m)
        stage[span] = core_stage[c]
    if threshold == "per_core":
        check_one_threshold(thresholds, kind, neuron_offset)
    return HardProgram(
        mode=soft.mode, steps=soft.steps, n_inputs=soft.n_inputs, n_values=soft.n_values, n_stages=len(ends),
        core_type=np.asarray(mapping.core_type, np.int64), axon_count=axons, neuron_count=neurons,
        weight_offset=weight_offset[:-1], weights=weights, source_offset=source_offset, sources=sources,
        neuron_offset=neuron_offset, thresholds=thresholds, kind=kind, produces=produces, stage=stage,
        block_hard_core=np.asarray(mapping.hard_core, np.int64),
        block_axon_offset=np.asarray(mapping.axon_offset, np.int64),
        block_neuron_offset=np.asarray(mapping.neuron_offset, np.int64),
        block_axons=soft.axon_count, block_neurons=soft.neuron_count,
        op_kind=soft.op_kind, op_stage=np.searchsorted(ends, soft.op_position).astype(np.int64),
        op_value_start=soft.op_value_start, op_width=soft.op_width, op_source_offset=soft.op_source_offset,
        op_sources=soft.op_sources, op_factors=soft.op_factors, op_eps=soft.op_eps,
        output_values=soft.output_values)


def check_one_threshold(thresholds: np.ndarray, kind: np.ndarray, neuron_offset: np.ndarray) -> None:
    """One threshold per hard core (platform threshold: per_core) among its used neurons."""
    for h in range(len(neuron_offset) - 1):
        span = slice(neuron_offset[h], neuron_offset[h + 1])
        held = np.unique(thresholds[span][kind[span] != UNUSED])
        if len(held) > 1:
            raise ValueError(f"hard core {h} holds neurons of thresholds {held[0]} and {held[1]}, but the platform "
                             "has one threshold per core (a placement error)")
