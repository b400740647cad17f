"""Quantized TTFS with S steps: a neuron fires once, at step k = clamp(ceil(S (1 - v/theta)), 0, S-1)
if v > 0. Values are kept as levels S - k (0 when it never fires); the always-on axon is level S.
With integer weights everything is int64, so kernel and reference agree spike for spike."""

import numpy as np
from numba import prange

from simulator.jit import njit_cached
from simulator.kernels.common import accumulate, run_max_op
from simulator.program import SPIKING


@njit_cached(parallel=True)
def run_ttfs_quantized(x, core_kind, value_start, axon_count, neuron_count, weight_offset, weights, neuron_offset,
                       thresholds, span_offset, span_start, span_length, op_position, op_value_start, op_width,
                       op_source_offset, op_sources, output_values, output_neurons, output_thresholds, n_values, steps,
                       scores, activity, spikes):
    """Levels per core in order (level = clamp(floor(v / theta), 1, S) for v > 0); scores = v / (S theta)."""
    n_cores, n_ops, n_inputs = len(core_kind), len(op_position), x.shape[1]
    widest = max(1, neuron_count.max()) if n_cores else 1
    for i in prange(x.shape[0]):
        buf = np.zeros(n_values, weights.dtype)
        acc = np.zeros(widest, weights.dtype)
        buf[1] = steps
        for k in range(n_inputs):
            buf[2 + k] = min(max(np.floor(x[i, k] * steps + 0.5), 0.0), steps)
        o = 0
        for c in range(n_cores + 1):
            while o < n_ops and op_position[o] == c:
                run_max_op(buf, o, op_value_start, op_width, op_source_offset, op_sources)
                o += 1
            if c == n_cores:
                break
            accumulate(buf, c, acc, axon_count, neuron_count, weight_offset, weights, span_offset, span_start,
                       span_length)
            start, first = value_start[c], neuron_offset[c]
            for j in range(neuron_count[c]):
                v = acc[j]
                if core_kind[c] == SPIKING:
                    level = min(max(v // thresholds[first + j], 1), steps) if v > 0 else 0
                    buf[start + j] = level
                    if level > 0:
                        spikes[i, c] += 1
                        activity[i, c] += level / steps
                else:
                    buf[start + j] = v
        for k in range(len(output_values)):
            scores[i, k] = buf[output_values[k]] / (steps * output_thresholds[k])
