"""Continuous TTFS: a neuron's value is clamp(v / theta, 0, 1), its single spike's earliness."""

import numpy as np
from numba import prange

from simulator.jit import njit_cached
from simulator.kernels.common import accumulate, run_max_op
from simulator.program import SPIKING


@njit_cached(parallel=True)
def run_ttfs(x, core_kind, value_start, axon_count, neuron_count, weight_offset, weights, neuron_offset,
             thresholds, span_offset, span_start, span_length, op_position, op_value_start, op_width,
             op_source_offset, op_sources, output_values, output_neurons, output_thresholds, n_values, steps,
             scores, activity, spikes):
    """Closed form per core in order; compute ops between; scores = v / theta of the output neurons."""
    n_cores, n_ops, n_inputs = len(core_kind), len(op_position), x.shape[1]
    widest = max(1, neuron_count.max()) if n_cores else 1
    for i in prange(x.shape[0]):
        buf = np.zeros(n_values, np.float64)
        acc = np.zeros(widest, np.float64)
        buf[1] = 1.0
        for k in range(n_inputs):
            buf[2 + k] = min(max(x[i, k], 0.0), 1.0)
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
                if core_kind[c] == SPIKING:
                    y = min(max(acc[j] / thresholds[first + j], 0.0), 1.0)
                    buf[start + j] = y
                    if y > 0:
                        spikes[i, c] += 1
                        activity[i, c] += y
                else:
                    buf[start + j] = acc[j]
        for k in range(len(output_values)):
            scores[i, k] = buf[output_values[k]] / output_thresholds[k]
