"""Rate coding over T cycles: V += s_t . W each cycle, fire when theta < V (or <=), then subtract
theta ("default") or reset to 0 ("novena"); a value is spikes / T.

Cores of one stage run cycle by cycle, with zero delay (a spike reaches the next core in the same
cycle) or a one-cycle delay per core hop (every core sees the spikes of the cycle before; the stage
runs T cycles of input and then its depth less one more, the always-on axon spiking every cycle).
A compute op sees spike counts, applies its op and the next stages read its result, and any
other earlier value, re-encoded as an evenly spaced train of that count over the first T cycles.
"""

import numpy as np
from numba import prange

from simulator.jit import njit_cached
from simulator.kernels.common import COUNTS, accumulate, run_op, sent
from simulator.program import OUTPUT, PARTIAL, SPIKING

UNIFORM, FRONT_LOADED, DETERMINISTIC, STOCHASTIC = 0, 1, 2, 3
ENCODINGS = {"uniform": UNIFORM, "front_loaded": FRONT_LOADED, "deterministic": DETERMINISTIC,
             "stochastic": STOCHASTIC}


@njit_cached(inline="always")
def even_spike(count, t, steps):
    """Whether an evenly spaced train of `count` spikes in `steps` cycles spikes at cycle t."""
    return ((t + 1) * count) // steps > (t * count) // steps


@njit_cached(inline="always")
def input_spike(x, t, steps, encoding, uniforms, i, k):
    """Whether input value `x` (input k of sample i) spikes at cycle t under `encoding`."""
    count = min(max(np.floor(x * steps + 0.5), 0.0), steps)
    if encoding == UNIFORM:
        return even_spike(np.int64(count), t, steps)
    if encoding == FRONT_LOADED:
        return t < count
    if encoding == DETERMINISTIC:
        return x > 0.5
    return uniforms[i, t, k] < x


@njit_cached(parallel=True)
def run_rate(x, core_kind, value_start, axon_count, neuron_count, weight_offset, weights, weights_t, neuron_offset,
             thresholds, source_offset, sources, op_kind, op_position, op_value_start, op_width,
             op_source_offset, op_sources, op_factors, op_eps, output_values, output_neurons, output_thresholds,
             n_values, steps,
             scores, activity, spikes, synops, messages, fanout, encoding, reset_to_zero, fire_on_equal, uniforms,
             stage_ends, read_offset, reads, stage_cycles, delayed, counted):
    """Stage by stage, `stage_cycles` each; scores = accumulated input of the output neurons / (T theta);
    `counted[i]` gets sample i's spike count of every value (for the first len(counted) samples).

    Each cycle a stage's cores see, besides their own stage's spikes, the inputs and earlier
    values they read (`reads[read_offset[s]:read_offset[s + 1]]`), replayed as spike trains.
    `delayed`: the cores run in reverse order, so each reads what the cores before it made the cycle before.
    """
    n_cores, n_ops, n_inputs = len(core_kind), len(op_position), x.shape[1]
    widest = max(1, neuron_count.max()) if n_cores else 1
    most_axons = max(1, axon_count.max()) if n_cores else 1
    for i in prange(x.shape[0]):
        now = np.zeros(n_values, weights.dtype)
        counts = np.zeros(n_values, np.int64)
        potential = np.zeros(len(thresholds), weights.dtype)
        acc = np.zeros(widest, weights.dtype)
        scratch = (np.zeros(most_axons, np.int64), np.zeros(most_axons, now.dtype), np.zeros(most_axons, now.dtype))
        counts[1] = steps
        for k in range(n_inputs):
            for t in range(steps):
                counts[2 + k] += input_spike(x[i, k], t, steps, encoding, uniforms, i, k)
        first, o = 0, 0
        for stage in range(len(stage_ends)):
            end = stage_ends[stage]
            for t in range(stage_cycles[stage]):
                now[1] = 1
                for r in range(read_offset[stage], read_offset[stage + 1]):
                    value = reads[r]
                    if t >= steps:
                        now[value] = 0
                    elif value < 2 + n_inputs:
                        now[value] = input_spike(x[i, value - 2], t, steps, encoding, uniforms, i, value - 2)
                    else:
                        now[value] = even_spike(counts[value], t, steps)
                for step in range(end - first):
                    c = end - 1 - step if delayed else first + step
                    events = accumulate(now, c, acc, scratch, neuron_count, weight_offset, weights, weights_t,
                                        source_offset, sources)
                    synops[i, c] += events * neuron_count[c]
                    start, base, n = value_start[c], neuron_offset[c], neuron_count[c]
                    out = now[start:start + n]
                    if core_kind[c] == PARTIAL:
                        out[:] = acc[:n]
                        messages[i, c] += sent(out, fanout[start:start + n])
                        continue
                    membrane = potential[base:base + n]
                    membrane += acc[:n]
                    if core_kind[c] == OUTPUT:
                        continue
                    theta, fired_count = thresholds[base:base + n], counts[start:start + n]
                    for j in range(n):
                        v = membrane[j]
                        fired = v >= theta[j] if fire_on_equal else v > theta[j]
                        out[j] = fired
                        fired_count[j] += fired
                        membrane[j] = (0 if reset_to_zero else v - theta[j]) if fired else v
                    messages[i, c] += sent(out, fanout[start:start + n])
            while o < n_ops and op_position[o] == end:
                run_op(counts, o, op_kind, op_value_start, op_width, op_source_offset, op_sources, op_factors, op_eps,
                       COUNTS, steps)
                o += 1
            first = end
        if i < counted.shape[0]:
            counted[i, :] = counts
        for c in range(n_cores):
            if core_kind[c] == SPIKING:
                for j in range(neuron_count[c]):
                    spikes[i, c] += counts[value_start[c] + j]
                activity[i, c] = spikes[i, c] / steps
        for k in range(len(output_values)):
            scores[i, k] = potential[output_neurons[k]] / (steps * output_thresholds[k])


def stage_reads(p, stage_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per stage, the inputs and earlier stages' values its cores read: (offsets, value indices)."""
    earlier = np.zeros(p.n_values, bool)
    earlier[2:2 + p.n_inputs] = True
    offsets, reads, first, o = [0], [], 0, 0
    for end in stage_ends.tolist():
        read = np.zeros(p.n_values, bool)
        for c in range(first, end):
            read[p.core_sources(c)] = True
        reads.append(np.flatnonzero(read & earlier))
        offsets.append(offsets[-1] + len(reads[-1]))
        for c in range(first, end):
            if p.core_kind[c] == SPIKING:
                earlier[p.value_start[c]:p.value_start[c] + p.neuron_count[c]] = True
        while o < len(p.op_position) and p.op_position[o] == end:
            outputs = (p.op_source_offset[o + 1] - p.op_source_offset[o]) // p.op_width[o]
            earlier[p.op_value_start[o]:p.op_value_start[o] + outputs] = True
            o += 1
        first = end
    return np.array(offsets, np.int64), np.concatenate(reads).astype(np.int64)
