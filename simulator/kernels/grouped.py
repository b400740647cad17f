"""TTFS in closed form, sample by sample, a group of cores that share a weight matrix at a time.

A convolution's positions are consecutive cores of one stored matrix: per sample, one gather of the group's input
rows (cores x axons) and one BLAS product with the matrix (`np.dot`) replace a product per core. Same semantics as
`ttfs.py`; values stay per sample, so a chip too large for `blocked.py`'s blocks still runs from cache.
"""

import numpy as np
from numba import prange

from simulator.jit import njit_cached
from simulator.kernels.common import CONTINUOUS, LEVELS, emit, encode, run_op


def core_groups(p) -> np.ndarray:
    """Where each group starts, plus the end: runs of consecutive cores of one weight matrix, shape and kind, no
    core reading a value made in its run and no compute op running inside one."""
    starts, made_by, group = [], np.full(p.n_values, -1, np.int64), -1
    for c in range(p.n_cores):
        same = c > 0 and (p.weight_offset[c], p.axon_count[c], p.neuron_count[c], p.core_kind[c]) == (
            p.weight_offset[c - 1], p.axon_count[c - 1], p.neuron_count[c - 1], p.core_kind[c - 1])
        if not same or c in p.op_position or np.any(made_by[p.core_sources(c)] == group):
            starts.append(c)
            group += 1
        made_by[p.value_start[c]:p.value_start[c] + p.neuron_count[c]] = group
    return np.array(starts + [p.n_cores], np.int64)


@njit_cached(parallel=True)
def run_ttfs_grouped(x, core_kind, value_start, axon_count, neuron_count, weight_offset, weights, weights_t,
                     neuron_offset, thresholds, source_offset, sources, op_kind, op_position, op_value_start,
                     op_width, op_source_offset, op_sources, op_factors, op_eps, output_values, output_neurons,
                     output_thresholds, n_values, steps, scores, activity, spikes, synops, messages, fanout, quantized,
                     value_type, group_start):
    """`run_ttfs` with its arguments and results, and `group_start` (`core_groups`); parallel over samples."""
    n_ops, n_inputs, n_groups = len(op_position), x.shape[1], len(group_start) - 1
    rows, sums = 1, 1
    for g in range(n_groups):
        cores = group_start[g + 1] - group_start[g]
        rows = max(rows, cores * axon_count[group_start[g]])
        sums = max(sums, cores * neuron_count[group_start[g]])
    top = steps if quantized else 1
    for i in prange(x.shape[0]):
        buf = np.zeros(n_values, value_type.dtype)
        gathered, products = np.empty(rows, buf.dtype), np.empty(sums, buf.dtype)
        buf[1] = top
        for k in range(n_inputs):
            buf[2 + k] = encode(x[i, k], steps, quantized)
        o = 0
        for g in range(n_groups + 1):
            first = group_start[g] if g < n_groups else len(core_kind)
            while o < n_ops and op_position[o] <= first:
                run_op(buf, o, op_kind, op_value_start, op_width, op_source_offset, op_sources, op_factors, op_eps,
                       LEVELS if quantized else CONTINUOUS, top)
                o += 1
            if g == n_groups:
                break
            cores, axons, n = group_start[g + 1] - first, axon_count[first], neuron_count[first]
            inputs, base = gathered[:cores * axons].reshape((cores, axons)), source_offset[first]
            for r in range(cores):
                events = 0
                for k in range(axons):
                    value = buf[sources[base + r * axons + k]]
                    inputs[r, k] = value
                    events += value != 0
                synops[i, first + r] = events * n
            out = products[:cores * n].reshape((cores, n))
            np.dot(inputs, weights[weight_offset[first]:weight_offset[first] + axons * n].reshape((axons, n)), out)
            for r in range(cores):
                emit(buf, first + r, out[r], i, core_kind, value_start, neuron_count, neuron_offset, thresholds,
                     steps, quantized, activity, spikes, messages, fanout)
        for k in range(len(output_values)):
            scores[i, k] = buf[output_values[k]] / (top * output_thresholds[k])
