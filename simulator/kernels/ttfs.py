"""TTFS, both modes, in closed form: every neuron spikes at most once, so a core's output follows
from its inputs in one pass.

Continuous (`quantized` False): value = clamp(v / theta, 0, 1), in float64.
Quantized with S steps: a neuron fires once, at step k = clamp(ceil(S (1 - v/theta)), 0, S-1) if
v > 0 (floor(v / theta) taken in float64: exact for integers below 2^53); values are kept as levels
S - k (0 when it never fires), the always-on axon is level S, and
with integer weights everything is int64, so kernel and reference agree spike for spike.
"""

import numpy as np
from numba import prange

from simulator.jit import njit_cached
from simulator.kernels.common import CONTINUOUS, LEVELS, accumulate, emit, encode, run_op


@njit_cached(parallel=True)
def run_ttfs(x, core_kind, value_start, axon_count, neuron_count, weight_offset, weights, weights_t, neuron_offset,
             thresholds, source_offset, sources, op_kind, op_position, op_value_start, op_width,
             op_source_offset, op_sources, op_factors, op_eps, output_values, output_neurons, output_thresholds,
             n_values, steps,
             scores, activity, spikes, synops, messages, fanout, quantized, value_type):
    """Cores in order, compute ops between; scores = v / theta (v / (S theta) when quantized); `messages` per core:
    its non-zero values times their `fanout` (the other hard cores that read each value).

    Values are held in `value_type`'s dtype: float64, or the weights' dtype for quantized levels.
    """
    n_cores, n_ops, n_inputs = len(core_kind), len(op_position), x.shape[1]
    widest = max(1, neuron_count.max()) if n_cores else 1
    most_axons = max(1, axon_count.max()) if n_cores else 1
    top = steps if quantized else 1
    for i in prange(x.shape[0]):
        buf = np.zeros(n_values, value_type.dtype)
        acc = np.zeros(widest, buf.dtype)
        scratch = (np.zeros(most_axons, np.int64), np.zeros(most_axons, buf.dtype), np.zeros(most_axons, buf.dtype))
        buf[1] = top
        for k in range(n_inputs):
            buf[2 + k] = encode(x[i, k], steps, quantized)
        o = 0
        for c in range(n_cores + 1):
            while o < n_ops and op_position[o] == c:
                run_op(buf, o, op_kind, op_value_start, op_width, op_source_offset, op_sources, op_factors, op_eps,
                       LEVELS if quantized else CONTINUOUS, top)
                o += 1
            if c == n_cores:
                break
            events = accumulate(buf, c, acc, scratch, neuron_count, weight_offset, weights, weights_t, source_offset,
                                sources)
            synops[i, c] = events * neuron_count[c]
            emit(buf, c, acc, i, core_kind, value_start, neuron_count, neuron_offset, thresholds, steps, quantized,
                 activity, spikes, messages, fanout)
        for k in range(len(output_values)):
            scores[i, k] = buf[output_values[k]] / (top * output_thresholds[k])
