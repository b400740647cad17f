"""Rate coding over T cycles: V += s_t . W each cycle, fire when theta < V (or <=), then subtract
theta ("default") or reset to 0 ("novena"); a value is spikes / T.

Cores of one stage run cycle by cycle, with zero delay (a spike reaches the next core in the same
cycle) or a one-cycle delay per core hop (every core sees the spikes of the cycle before; the stage
runs T cycles of input and then its depth less one more, the always-on axon spiking every cycle).
A compute op sees spike counts, applies its op and the next stages read its result, and any
other earlier value, re-encoded as an evenly spaced train of that count over the first T cycles.

Event-driven: a spike is pushed along its value's fan-out, adding the weight row of every axon that reads it
into that core's input of the cycle, which starts at the core's bias; no cycle scans a silent axon.
"""

import numpy as np
from numba import prange

from simulator.jit import njit_cached
from simulator.kernels.common import COUNTS, run_op
from simulator.program import OUTPUT, PARTIAL, SPIKING
from simulator.timing import rate_depths

UNIFORM, FRONT_LOADED, DETERMINISTIC, STOCHASTIC = 0, 1, 2, 3
ENCODINGS = {"uniform": UNIFORM, "front_loaded": FRONT_LOADED, "deterministic": DETERMINISTIC,
             "stochastic": STOCHASTIC}


@njit_cached(inline="always")
def input_count(x, steps, encoding, uniforms, i, k):
    """How often input value `x` (input k of sample i) spikes in T cycles under `encoding`."""
    if encoding == DETERMINISTIC:
        return steps if x > 0.5 else 0
    if encoding == STOCHASTIC:
        return np.sum(uniforms[i, :steps, k] < x)
    return np.int64(min(max(np.floor(x * steps + 0.5), 0.0), steps))


@njit_cached(inline="always")
def spike_cycles(value, counts, x, i, steps, encoding, uniforms, cycles):
    """Writes the cycles in which replayed value `value` spikes into `cycles`, in order; returns how many: an
    evenly spaced train of its count (at most T: a delayed stage runs longer), but inputs front-loaded or drawn
    (stochastic) under those encodings."""
    count, k = min(counts[value], steps), value - 2
    if k < x.shape[1] and encoding == STOCHASTIC:
        count = 0
        for t in range(steps):
            cycles[count] = t
            count += uniforms[i, t, k] < x[i, k]
    elif k < x.shape[1] and encoding == FRONT_LOADED:
        cycles[:count] = np.arange(count)
    else:  # the q-th spike of the train is in the first cycle t with (t + 1) count >= (q + 1) T
        for q in range(count):
            cycles[q] = ((q + 1) * steps + count - 1) // count - 1
    return count


@njit_cached(inline="always")
def replay_order(lo, hi, reads, counts, x, i, steps, encoding, uniforms, cycles, first):
    """The read entries lo..hi-1 of a stage by cycle of their spikes: (entries, `first` filled so that cycle t's
    are entries[first[t]:first[t + 1]])."""
    first[:] = 0
    for r in range(lo, hi):
        for q in range(spike_cycles(reads[r], counts, x, i, steps, encoding, uniforms, cycles)):
            first[cycles[q] + 1] += 1
    first[:] = np.cumsum(first)
    entries, fill = np.empty(first[steps], np.int64), first[:steps].copy()
    for r in range(lo, hi):
        for q in range(spike_cycles(reads[r], counts, x, i, steps, encoding, uniforms, cycles)):
            entries[fill[cycles[q]]] = r
            fill[cycles[q]] += 1
    return entries


@njit_cached(inline="always")
def push(slot, value, fan, weights, inbox, pushed):
    """Adds `value` times the weight row of every axon that reads `slot` into its core's input; counts the push.
    `fan` = (offsets per slot, then per axon its core's first neuron, neuron count and weight row offset)."""
    fan_offset, fan_base, fan_width, fan_row = fan
    pushed[slot] += 1
    for e in range(fan_offset[slot], fan_offset[slot + 1]):
        row, base, n = fan_row[e], fan_base[e], fan_width[e]
        into, w = inbox[base:base + n], weights[row:row + n]
        for j in range(n):
            into[j] += value * w[j]


@njit_cached(inline="always")
def fire(membrane, into, rest, theta, fired, spiked, fire_on_equal, reset_to_zero):
    """One cycle of spiking neurons: V += their input (which restarts at the bias), fire when theta < V (or <=),
    subtract theta or reset; counts their spikes in `fired`, flags them in `spiked`; returns how many fired."""
    n_fired = 0
    for j in range(len(membrane)):
        v = membrane[j] + into[j]
        into[j] = rest[j]
        spike = v >= theta[j] if fire_on_equal else v > theta[j]
        membrane[j] = v - (v if reset_to_zero else theta[j]) if spike else v
        fired[j] += spike
        spiked[j] = spike
        n_fired += spike
    return n_fired


@njit_cached(parallel=True)
def run_rate(x, core_kind, value_start, axon_count, neuron_count, weight_offset, weights, weights_t, neuron_offset,
             thresholds, source_offset, sources, op_kind, op_position, op_value_start, op_width, op_source_offset,
             op_sources, op_factors, op_eps, output_values, output_neurons, output_thresholds, n_values, steps,
             scores, activity, spikes, synops, messages, fanout, encoding, reset_to_zero, fire_on_equal, uniforms,
             stage_ends, stage_cycles, delayed, counted, read_offset, reads, fan_offset, fan_core, fan_base, fan_width,
             fan_row, bias, bias_axons, stage_groups, group_neuron, group_kind, neuron_value):
    """Stage by stage, `stage_cycles` each; scores = accumulated input of the output neurons / (T theta);
    `counted[i]` gets sample i's spike count of every value (for the first len(counted) samples).

    Each cycle the stage's replayed reads (`reads[read_offset[s]:read_offset[s + 1]]`, fan-out slot n_values + r)
    that spike are pushed first, then its groups of cores (`stage_groups`; a group's cores share a kind and a hop
    depth, so none reads another, and hold neurons `group_neuron[g]:group_neuron[g + 1]`) run, each pushing its
    outputs to the deeper cores of its stage (slot: the value). `delayed`: the groups run in reverse order, so
    each reads what the groups before it made the cycle before, and the last cycle pushes nothing.
    """
    n_cores, n_ops, n_inputs = len(core_kind), len(op_position), x.shape[1]
    widest = max(1, np.diff(group_neuron).max()) if len(group_kind) else 1
    for i in prange(x.shape[0]):
        counts = np.zeros(n_values, np.int64)
        events, pushed = np.zeros(n_cores, np.int64), np.zeros(len(fan_offset) - 1, np.int64)
        potential = np.zeros(len(thresholds), weights.dtype)
        inbox, one = bias.copy(), np.ones(1, bias.dtype)[0]
        fan = (fan_offset, fan_base, fan_width, fan_row)
        fired = np.zeros(len(thresholds), np.int32)  # per neuron: spikes, or a partial sum's non-zero outputs
        spiked, order = np.zeros(widest, np.bool_), np.zeros(widest, np.int64)
        cycles, first = np.zeros(steps, np.int64), np.zeros(steps + 1, np.int64)
        counts[1] = steps
        for k in range(n_inputs):
            counts[2 + k] = input_count(x[i, k], steps, encoding, uniforms, i, k)
        start_core, o = 0, 0
        for stage in range(len(stage_ends)):
            end, last = stage_ends[stage], stage_cycles[stage] - 1
            lowest, groups = stage_groups[stage], stage_groups[stage + 1] - stage_groups[stage]
            replayed = replay_order(read_offset[stage], read_offset[stage + 1], reads, counts, x, i, steps, encoding,
                                    uniforms, cycles, first)
            for t in range(stage_cycles[stage]):
                live = not delayed or t < last
                for e in range(first[min(t, steps)], first[min(t + 1, steps)]):
                    push(n_values + replayed[e], one, fan, weights, inbox, pushed)
                for step in range(groups):
                    g = lowest + (groups - 1 - step if delayed else step)
                    lo, hi = group_neuron[g], group_neuron[g + 1]
                    into, membrane, rest = inbox[lo:hi], potential[lo:hi], bias[lo:hi]
                    if group_kind[g] == OUTPUT:
                        for j in range(hi - lo):
                            membrane[j] += into[j]
                            into[j] = rest[j]
                        continue
                    if group_kind[g] == PARTIAL:
                        for j in range(hi - lo):
                            v = into[j]
                            into[j] = rest[j]
                            fired[lo + j] += v != 0
                            if v != 0 and live:
                                push(neuron_value[lo + j], v, fan, weights, inbox, pushed)
                        continue
                    if fire(membrane, into, rest, thresholds[lo:hi], fired[lo:hi], spiked, fire_on_equal,
                            reset_to_zero) and live:
                        n_fired = 0
                        for j in range(hi - lo):
                            order[n_fired] = lo + j
                            n_fired += spiked[j]
                        for q in range(n_fired):
                            push(neuron_value[order[q]], one, fan, weights, inbox, pushed)
            for c in range(start_core, end):
                events[c] += bias_axons[c] * stage_cycles[stage]
                if core_kind[c] == SPIKING:
                    for k in range(neuron_offset[c], neuron_offset[c] + neuron_count[c]):
                        counts[neuron_value[k]] = fired[k]
            while o < n_ops and op_position[o] == end:
                run_op(counts, o, op_kind, op_value_start, op_width, op_source_offset, op_sources, op_factors, op_eps,
                       COUNTS, steps)
                o += 1
            start_core = end
        for slot in range(len(pushed)):  # an event per push and axon reading it
            for e in range(fan_offset[slot], fan_offset[slot + 1]):
                events[fan_core[e]] += pushed[slot]
        if i < counted.shape[0]:
            counted[i, :] = counts
        for c in range(n_cores):
            synops[i, c] = events[c] * neuron_count[c]
            for k in range(neuron_offset[c], neuron_offset[c] + neuron_count[c]):
                messages[i, c] += fired[k] * fanout[neuron_value[k]]
                spikes[i, c] += fired[k] if core_kind[c] == SPIKING else 0
            activity[i, c] = spikes[i, c] / steps
        for k in range(len(output_neurons)):
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


def rate_plan(p, stage_ends: np.ndarray, dtype) -> tuple:
    """What the rate kernel needs, fixed per program, in its argument order: the stage reads; per slot (a value read
    by deeper cores of its stage, or stage read entry r as slot n_values + r) the axons reading it (core, its
    neurons, weight row); the bias per neuron (as `dtype`), always-on axons per core; the groups; neuron values."""
    read_offset, reads = stage_reads(p, stage_ends)
    depth, stage_of = rate_depths(p)
    core = np.repeat(np.arange(p.n_cores), p.axon_count)
    axon = np.arange(len(p.sources)) - p.source_offset[core]
    stage = stage_of[core]
    neuron_value = np.repeat(p.value_start - p.neuron_offset, p.neuron_count) + np.arange(len(p.thresholds))
    made_in = np.full(p.n_values, -1)
    made_in[neuron_value] = np.repeat(stage_of, p.neuron_count)
    read_keys = np.repeat(np.arange(len(read_offset) - 1), np.diff(read_offset)) * p.n_values + reads
    replayed = p.n_values + np.searchsorted(read_keys, stage * p.n_values + p.sources)
    slot = np.where(made_in[p.sources] == stage, p.sources, replayed)
    row = p.weight_offset[core] + axon * p.neuron_count[core]
    wired = np.flatnonzero(p.sources >= 2)
    wired = wired[np.argsort(slot[wired], kind="stable")]
    fan_offset = np.concatenate([[0], np.cumsum(np.bincount(slot[wired], minlength=p.n_values + len(reads)))])
    bias = np.zeros(len(p.thresholds), p.weights.dtype)
    for a in np.flatnonzero(p.sources == 1).tolist():
        c = core[a]
        bias[p.neuron_offset[c]:p.neuron_offset[c] + p.neuron_count[c]] += p.weights[row[a]:row[a] + p.neuron_count[c]]
    key = np.stack([stage_of, depth, p.core_kind])
    starts = np.flatnonzero(np.concatenate([[True], np.any(key[:, 1:] != key[:, :-1], axis=0)]))
    groups = np.append(starts, p.n_cores)
    target = core[wired]
    return (read_offset, reads, fan_offset.astype(np.int64), target, p.neuron_offset[target], p.neuron_count[target],
            row[wired], bias.astype(dtype),
            np.bincount(core[p.sources == 1], minlength=p.n_cores).astype(np.int64),
            np.searchsorted(groups, np.append(0, stage_ends)).astype(np.int64),
            np.append(p.neuron_offset, len(p.thresholds))[groups].astype(np.int64), p.core_kind[starts],
            neuron_value.astype(np.int64))
