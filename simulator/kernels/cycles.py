"""Quantized TTFS cycle by cycle: every neuron integrates within its window and fires at most once.

An input of level L spikes at cycle S - L of its window and from then on adds its weight to the neuron's
current every cycle, so after the S cycles of the window the potential is sum_k w_k L_k. In the next window
the threshold descends, theta (S - k) at cycle k, and the neuron fires at the first cycle its potential
reaches it (any positive potential fires at the last cycle): level S - k. A partial-sum core passes its
current's change at each cycle on to the core that accumulates it. This gives the closed form's spikes.
"""

import numpy as np
from numba import prange

from simulator.jit import njit_cached
from simulator.kernels.common import LEVELS, run_op, sent, total
from simulator.program import PARTIAL, SPIKING


def partial_series(p) -> tuple[np.ndarray, int]:
    """(per value, its row among the partial-sum values, -1 elsewhere; the number of partial-sum values)."""
    row = np.full(p.n_values, -1, np.int64)
    count = 0
    for c in np.flatnonzero(p.core_kind == PARTIAL):
        row[p.value_start[c]:p.value_start[c] + p.neuron_count[c]] = count + np.arange(p.neuron_count[c])
        count += int(p.neuron_count[c])
    return row, count


@njit_cached(inline="always")
def gather_events(buf, series, series_row, steps, first, axons, sources, times, axon, values):
    """The core's input events (cycle, axon, value): one per spiking input, one per cycle a partial sum
    changes; returns (events, active axons)."""
    events, active = 0, 0
    for k in range(axons):
        source = sources[first + k]
        value = buf[source]
        active += value != 0
        row = series_row[source]
        if row >= 0:
            for t in range(steps):
                if series[row, t] != 0:
                    times[events], axon[events], values[events] = t, k, series[row, t]
                    events += 1
        elif value > 0:
            times[events], axon[events], values[events] = np.int64(steps - value), k, 1
            events += 1
    return events, active


@njit_cached(inline="always")
def integrate(c, n, steps, events, times, axon, values, bucket, order, current, potential, weights, weight_offset,
              series, series_row, value_start, core_kind):
    """Cycle by cycle over the window: the current gains each event's weights at its cycle, the potential gains
    the current every cycle (whole runs of cycles without events at once)."""
    bucket[:] = 0
    for e in range(events):
        bucket[times[e] + 1] += 1
    for t in range(steps):
        bucket[t + 1] += bucket[t]
    for e in range(events):
        order[bucket[times[e]]] = e
        bucket[times[e]] += 1
    current[:n] = 0
    potential[:n] = 0
    partial = core_kind[c] == PARTIAL
    base, last, e = weight_offset[c], 0, 0
    for t in range(steps):
        if e == events or times[order[e]] != t:
            continue
        for j in range(n):
            potential[j] += current[j] * (t - last)
        last = t
        if partial:
            for j in range(n):
                series[series_row[value_start[c] + j], t] = -current[j]
        while e < events and times[order[e]] == t:
            value, w = values[order[e]], weights[base + axon[order[e]] * n:][:n]
            for j in range(n):
                current[j] += value * w[j]
            e += 1
        if partial:
            for j in range(n):
                series[series_row[value_start[c] + j], t] += current[j]
    for j in range(n):
        potential[j] += current[j] * (steps - last)


@njit_cached(parallel=True)
def run_ttfs_cycles(x, core_kind, value_start, axon_count, neuron_count, weight_offset, weights, weights_t,
                    neuron_offset, thresholds, source_offset, sources, op_kind, op_position, op_value_start, op_width,
                    op_source_offset, op_sources, op_factors, op_eps, output_values, output_neurons,
                    output_thresholds, n_values, steps, scores, activity, spikes, synops, messages, fanout, value_type,
                    window, series_row, n_series, fired):
    """Cores in order, each over its window cycle by cycle; `fired[i]` gets sample i's fire cycles (for the first
    len(fired) samples), cycle (window + 1) S + k for a core integrating in `window`; scores as in closed form."""
    n_cores, n_ops, n_inputs = len(core_kind), len(op_position), x.shape[1]
    widest = max(1, neuron_count.max()) if n_cores else 1
    most = (max(1, axon_count.max()) if n_cores else 1) * steps
    for i in prange(x.shape[0]):
        buf = np.zeros(n_values, value_type.dtype)
        series = np.zeros((max(n_series, 1), steps), buf.dtype)
        current, potential = np.zeros(widest, buf.dtype), np.zeros(widest, buf.dtype)
        times, axon, values = np.zeros(most, np.int64), np.zeros(most, np.int64), np.zeros(most, buf.dtype)
        bucket, order = np.zeros(steps + 1, np.int64), np.zeros(most, np.int64)
        record = i < fired.shape[0]
        buf[1] = steps
        for k in range(n_inputs):
            buf[2 + k] = np.floor(min(max(x[i, k], 0.0), 1.0) * steps + 0.5)
            if record and buf[2 + k] > 0:
                fired[i, 2 + k] = steps - np.int64(buf[2 + k])
        o = 0
        for c in range(n_cores + 1):
            while o < n_ops and op_position[o] == c:
                run_op(buf, o, op_kind, op_value_start, op_width, op_source_offset, op_sources, op_factors, op_eps,
                       LEVELS, steps)
                o += 1
            if c == n_cores:
                break
            n, start, first = neuron_count[c], value_start[c], neuron_offset[c]
            events, active = gather_events(buf, series, series_row, steps, source_offset[c],
                                           source_offset[c + 1] - source_offset[c], sources, times, axon, values)
            synops[i, c] = active * n
            integrate(c, n, steps, events, times, axon, values, bucket, order, current, potential, weights,
                      weight_offset, series, series_row, value_start, core_kind)
            out = buf[start:start + n]
            if core_kind[c] != SPIKING:
                out[:] = potential[:n]
                messages[i, c] = sent(out, fanout[start:start + n])
                continue
            theta = thresholds[first:first + n]
            for j in range(n):
                out[j] = 0
                if potential[j] <= 0:
                    continue
                for k in range(steps):  # the descending threshold, cycle by cycle
                    if potential[j] >= theta[j] * (steps - k) or k == steps - 1:
                        out[j] = steps - k
                        if record:
                            fired[i, start + j] = (window[c] + 1) * steps + k
                        break
            level, spikes[i, c] = total(out)
            activity[i, c] = level / steps
            messages[i, c] = sent(out, fanout[start:start + n])
        for k in range(len(output_values)):
            scores[i, k] = buf[output_values[k]] / (steps * output_thresholds[k])
