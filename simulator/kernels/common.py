"""Pieces every kernel shares: event-driven core accumulation and compute ops."""

import numpy as np

from simulator.jit import njit_cached


@njit_cached(inline="always")
def accumulate(buf, c, acc, axon_count, neuron_count, weight_offset, weights, span_offset, span_start, span_length):
    """acc[j] = sum over axons of buf[source] * W[axon, j], skipping silent axons (event-driven)."""
    n = neuron_count[c]
    for j in range(n):
        acc[j] = 0
    row = 0
    base = weight_offset[c]
    for s in range(span_offset[c], span_offset[c + 1]):
        start = span_start[s]
        for k in range(span_length[s]):
            value = buf[start + k]
            if value != 0:
                offset = base + (row + k) * n
                for j in range(n):
                    acc[j] += value * weights[offset + j]
        row += span_length[s]


CONTINUOUS, LEVELS, COUNTS = 0, 1, 2
"""How a weighted-sum op puts its result back on the grid: clamp to [0, 1]; TTFS levels (floor, bottom
bin, at most S); spike counts (floor, at most T)."""


@njit_cached(inline="always")
def run_op(buf, o, op_kind, op_value_start, op_width, op_source_offset, op_sources, op_factors, op_eps, grid, top):
    """Compute op `o`: per output row the max of its sources, or their weighted sum back on the grid."""
    width = op_width[o]
    start = op_source_offset[o]
    outputs = (op_source_offset[o + 1] - start) // width
    for r in range(outputs):
        row = start + r * width
        if op_kind[o] == 0:
            best = buf[op_sources[row]]
            for k in range(1, width):
                value = buf[op_sources[row + k]]
                if value > best:
                    best = value
            buf[op_value_start[o] + r] = best
            continue
        u = 0.0
        for k in range(width):
            u += op_factors[row + k] * buf[op_sources[row + k]]
        eps = op_eps[o]
        if grid == CONTINUOUS:
            buf[op_value_start[o] + r] = min(max(u, 0.0), 1.0)
        elif grid == LEVELS:
            buf[op_value_start[o] + r] = min(max(np.floor(u + eps), 1.0), top) if u > eps else 0.0
        else:
            buf[op_value_start[o] + r] = min(max(np.floor(u + eps), 0.0), top)


def program_arrays(p):
    """The program arrays in the order the kernels take them."""
    return (p.core_kind, p.value_start, p.axon_count, p.neuron_count, p.weight_offset, p.weights, p.neuron_offset,
            p.thresholds, p.span_offset, p.span_start, p.span_length, p.op_kind, p.op_position, p.op_value_start,
            p.op_width, p.op_source_offset, p.op_sources, p.op_factors, p.op_eps, p.output_values,
            p.output_neurons, p.output_thresholds)


def stage_bounds(op_position: np.ndarray, n_cores: int) -> np.ndarray:
    """Positions where execution pauses for compute ops, plus the end."""
    return np.unique(np.append(op_position, n_cores)).astype(np.int64)
