"""The kernels' program of a hard-core program: every placed block read back out of its hard crossbar.

A block's weights, axon sources, thresholds, kind and produced values are taken from the hard core's
arrays at the block's offsets, so the kernels run what the hard cores hold, skipping the zeros
between blocks. Where blocks do not overlap, each hard neuron's column is zero outside its block's
axons and this is the dense hard-core evaluation exactly; the hard-core reference is the judge of that.
"""

import numpy as np

from simulator.hard_program import HardProgram
from simulator.program import SUM, ChipProgram, build_program


def block_program(p: HardProgram) -> ChipProgram:
    """The chip program of `p`'s blocks, in block order; raises ValueError where a block cannot be one crossbar
    (neurons of several kinds, produced values that are not one run) or blocks are out of stage order."""
    cores = []
    for b in range(p.n_cores):
        h, a0, a = int(p.block_hard_core[b]), int(p.block_axon_offset[b]), int(p.block_axons[b])
        n0, m = int(p.block_neuron_offset[b]), int(p.block_neurons[b])
        neurons = p.neuron_offset[h] + n0 + np.arange(m)
        kinds, produces, stages = np.unique(p.kind[neurons]), p.produces[neurons], np.unique(p.stage[neurons])
        if len(kinds) != 1 or len(stages) != 1 or np.any(produces != produces[0] + np.arange(m)):
            raise ValueError(f"block {b} on hard core {h} holds neurons of several kinds or stages, or neurons whose "
                             "values are not one run (a placement error)")
        cores.append({"weights": p.core_weights(h)[a0:a0 + a, n0:n0 + m], "thresholds": p.thresholds[neurons],
                      "sources": p.core_sources(h)[a0:a0 + a], "kind": int(kinds[0]),
                      "value_start": int(produces[0]), "stage": int(stages[0])})
    stage = np.array([c["stage"] for c in cores], np.int64)
    if np.any(np.diff(stage) < 0):
        raise ValueError("the blocks are not in stage order (a placement error)")
    ops = []
    for o in range(len(p.op_kind)):
        rows = p.op_rows(o).reshape(-1, p.op_width[o])
        span = slice(p.op_source_offset[o], p.op_source_offset[o + 1])
        ops.append({"sources": rows, "value_start": int(p.op_value_start[o]),
                    "position": int(np.sum(stage <= p.op_stage[o])),
                    **({"factors": p.op_factors[span].reshape(rows.shape), "eps": float(p.op_eps[o])}
                       if p.op_kind[o] == SUM else {})})
    return build_program(p.mode, p.steps, p.n_inputs, p.n_values, cores, ops, p.output_values)
