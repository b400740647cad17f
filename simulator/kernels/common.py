"""Pieces every kernel shares: event-driven core accumulation and compute ops."""

import numpy as np

from simulator.jit import njit_cached
from simulator.program import SPIKING


DENSE_SHARE, DENSE_AXONS = 4, 64
"""A core of at least DENSE_AXONS axons whose active axons exceed 1 / DENSE_SHARE of them takes the dense
path; shorter rows do not pay for a dot product's set-up (measured on the SqueezeNet and mixer programs)."""


@njit_cached(fastmath={"reassoc", "contract"})
def dot(x, w):
    """sum_k x[k] w[k], in any order (vectorized; exact for integers)."""
    total = x[0] * w[0]
    for k in range(1, len(w)):
        total += x[k] * w[k]
    return total


@njit_cached(fastmath={"reassoc"})
def total(values):
    """(sum, count of non-zeros) of `values`, in any order (vectorized)."""
    level, fired = values[0] * 0, 0
    for value in values:
        level += value
        fired += value != 0
    return level, fired


@njit_cached(inline="always")
def accumulate(buf, c, acc, scratch, neuron_count, weight_offset, weights, weights_t, source_offset, sources):
    """acc[j] = sum over axons of buf[source] * W[axon, j]; returns the number of active axons.

    Event-driven where the core's input is sparse: the active axons are gathered without
    branches and only their weight rows are added; where it is dense, one dot product per
    neuron over the neuron-major copy of the weights. `scratch` = (rows, values, inputs).
    """
    rows, values, inputs = scratch
    n, first, base = neuron_count[c], source_offset[c], weight_offset[c]
    axons = source_offset[c + 1] - first
    events = 0
    for k in range(axons):
        value = buf[sources[first + k]]
        inputs[k] = value
        rows[events] = k
        values[events] = value
        events += value != 0
    if axons >= DENSE_AXONS and events * DENSE_SHARE > axons:
        for j in range(n):
            acc[j] = dot(inputs, weights_t[base + j * axons:base + (j + 1) * axons])
        return events
    for j in range(n):
        acc[j] = 0
    e = 0
    while e + 4 <= events:  # four events per pass: a quarter of the loads and stores of acc
        v0, v1, v2, v3 = values[e], values[e + 1], values[e + 2], values[e + 3]
        w0, w1 = weights[base + rows[e] * n:][:n], weights[base + rows[e + 1] * n:][:n]
        w2, w3 = weights[base + rows[e + 2] * n:][:n], weights[base + rows[e + 3] * n:][:n]
        for j in range(n):
            acc[j] += v0 * w0[j] + v1 * w1[j] + v2 * w2[j] + v3 * w3[j]
        e += 4
    for e in range(e, events):
        value, w = values[e], weights[base + rows[e] * n:][:n]
        for j in range(n):
            acc[j] += value * w[j]
    return events


@njit_cached(inline="always")
def encode(x, steps, quantized):
    """A network input on the TTFS grid: clamped to [0, 1], as a level floor(x S + 1/2) when quantized."""
    value = min(max(x, 0.0), 1.0)
    return np.floor(value * steps + 0.5) if quantized else value


@njit_cached(inline="always")
def fire(v, theta, steps, quantized):
    """A spiking neuron's TTFS value: clamp(v / theta, 0, 1), or its level clamp(floor(v / theta), 1, S) if v > 0
    (a float division of integers below 2^24 in float32, 2^53 in float64 is integer floor division)."""
    if quantized:
        return min(max(np.floor(v / theta), 1), steps) if v > 0 else 0
    return min(max(v / theta, 0.0), 1.0)


@njit_cached(inline="always")
def sent(out, fanout):
    """Messages leaving a hard core: each non-zero value of `out` once to every other hard core that reads it
    (`fanout`, per value)."""
    messages = 0
    for j in range(len(out)):
        if out[j] != 0:
            messages += fanout[j]
    return messages


@njit_cached(inline="always")
def emit(buf, c, acc, i, core_kind, value_start, neuron_count, neuron_offset, thresholds, steps, quantized, activity,
         spikes, messages, fanout):
    """Core c's values from its sums `acc` into `buf` (fired, or passed on raw by a partial-sum or output core) and
    sample i's tallies: spikes, activity, messages."""
    start, first, n = value_start[c], neuron_offset[c], neuron_count[c]
    out = buf[start:start + n]
    if core_kind[c] != SPIKING:
        out[:] = acc[:n]
    else:
        theta = thresholds[first:first + n]
        for j in range(n):
            out[j] = fire(acc[j], theta[j], steps, quantized)
        level, spikes[i, c] = total(out)
        activity[i, c] = level / (steps if quantized else 1)
    messages[i, c] = sent(out, fanout[start:start + n])


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


def program_arrays(p, dtype):
    """The program arrays in the order the kernels take them, the weights and thresholds as `dtype`."""
    weights, weights_t = p.weights.astype(dtype, copy=False), p.weights_t.astype(dtype, copy=False)
    thresholds = p.thresholds.astype(dtype, copy=False)
    return (p.core_kind, p.value_start, p.axon_count, p.neuron_count, p.weight_offset, weights, weights_t,
            p.neuron_offset, thresholds, p.source_offset, p.sources, p.op_kind, p.op_position, p.op_value_start,
            p.op_width, p.op_source_offset, p.op_sources, p.op_factors, p.op_eps, p.output_values,
            p.output_neurons, p.output_thresholds)


def stage_bounds(op_position: np.ndarray, n_cores: int) -> np.ndarray:
    """Positions where execution pauses for compute ops, plus the end."""
    return np.unique(np.append(op_position, n_cores)).astype(np.int64)
