"""Pack soft cores onto the chip's physical cores: best-fit greedy, scarcity aware, a Numba kernel.

Soft cores share a hard core block-diagonally (each takes the next free axons and neurons)
and only within one group. Order: by group, then largest first (the larger of its axon and
neuron fractions of the largest core type), then index. Each soft core goes to the open hard
core of its group where it fits most tightly (least leftover axon fraction + neuron
fraction; ties: lowest index); else a new core of the type with the least waste (1 - area
used) divided by how many of that type remain. Open cores that no remaining soft core of the
group could fit are retired from the search, which changes no placement.
"""

from dataclasses import dataclass

import numpy as np

from simulator.jit import njit_cached

NO_TYPE, OUT_OF_CORES = -1, -2


class PackingError(ValueError):
    """The soft cores do not fit the platform; `needed` is the count per core type that would."""

    def __init__(self, message: str, needed: list[int] | None = None):
        super().__init__(message)
        self.needed = needed


@dataclass(frozen=True)
class Packing:
    """Per soft core: `hard_core`, `axon_offset`, `neuron_offset`; per hard core: `core_type`, usage."""

    hard_core: np.ndarray
    axon_offset: np.ndarray
    neuron_offset: np.ndarray
    core_type: np.ndarray
    used_axons: np.ndarray
    used_neurons: np.ndarray


def packing_order(axons, neurons, groups, type_axons, type_neurons) -> np.ndarray:
    """Group, then largest first, then index (stable and reproducible)."""
    size = np.maximum(axons / type_axons.max(), neurons / type_neurons.max())
    return np.lexsort((np.arange(len(axons)), -size, groups))


@njit_cached()
def _pack(order, axons, neurons, groups, type_axons, type_neurons, type_counts):
    n = len(order)
    hard_core = np.full(n, -1, np.int64)
    axon_offset = np.zeros(n, np.int64)
    neuron_offset = np.zeros(n, np.int64)
    core_type = np.zeros(n, np.int64)
    used_a = np.zeros(n, np.int64)
    used_n = np.zeros(n, np.int64)
    remaining = type_counts.copy()
    # suffix minima of the remaining soft cores' sizes within their group, for retirement
    min_a = np.zeros(n + 1, np.int64)
    min_n = np.zeros(n + 1, np.int64)
    min_a[n] = 1 << 60
    min_n[n] = 1 << 60
    for k in range(n - 1, -1, -1):
        i = order[k]
        same = k + 1 < n and groups[order[k + 1]] == groups[i]
        min_a[k] = min(axons[i], min_a[k + 1]) if same else axons[i]
        min_n[k] = min(neurons[i], min_n[k + 1]) if same else neurons[i]
    active = np.zeros(n, np.int64)
    n_active = 0
    opened = 0
    for k in range(n):
        i = order[k]
        a, m = axons[i], neurons[i]
        if k > 0 and groups[order[k - 1]] != groups[i]:
            n_active = 0
        best, best_score = -1, np.inf
        for j in range(n_active):
            h = active[j]
            t = core_type[h]
            if used_a[h] + a <= type_axons[t] and used_n[h] + m <= type_neurons[t]:
                score = (type_axons[t] - used_a[h] - a) / type_axons[t] + \
                        (type_neurons[t] - used_n[h] - m) / type_neurons[t]
                if score < best_score:
                    best, best_score = h, score
        if best < 0:
            chosen, chosen_score, fits_any = -1, np.inf, False
            for t in range(len(type_axons)):
                if a <= type_axons[t] and m <= type_neurons[t]:
                    fits_any = True
                    if remaining[t] > 0:
                        waste = 1.0 - (a * m) / (type_axons[t] * type_neurons[t])
                        score = waste / remaining[t]
                        if score < chosen_score:
                            chosen, chosen_score = t, score
            if chosen < 0:
                return hard_core, axon_offset, neuron_offset, core_type[:opened], used_a[:opened], \
                    used_n[:opened], (NO_TYPE if not fits_any else OUT_OF_CORES), i
            remaining[chosen] -= 1
            best = opened
            core_type[best] = chosen
            opened += 1
            active[n_active] = best
            n_active += 1
        hard_core[i] = best
        axon_offset[i] = used_a[best]
        neuron_offset[i] = used_n[best]
        used_a[best] += a
        used_n[best] += m
        if k + 1 < n and groups[order[k + 1]] == groups[i]:
            kept = 0
            for j in range(n_active):
                h = active[j]
                t = core_type[h]
                if type_axons[t] - used_a[h] >= min_a[k + 1] and type_neurons[t] - used_n[h] >= min_n[k + 1]:
                    active[kept] = h
                    kept += 1
            n_active = kept
    return hard_core, axon_offset, neuron_offset, core_type[:opened], used_a[:opened], used_n[:opened], 0, -1


def pack(axons, neurons, groups, type_axons, type_neurons, type_counts) -> Packing:
    """Place every soft core; raises PackingError saying what the platform would need."""
    arrays = [np.ascontiguousarray(v, dtype=np.int64) for v in (axons, neurons, groups, type_axons, type_neurons,
                                                                type_counts)]
    order = packing_order(*arrays[:5])
    *placement, status, culprit = _pack(order, *arrays)
    if status == NO_TYPE:
        largest = max(zip(arrays[3].tolist(), arrays[4].tolist()))
        raise PackingError(f"soft core {culprit} needs {arrays[0][culprit]} axons x {arrays[1][culprit]} neurons; "
                           f"no core type is that large (largest {largest[0]}x{largest[1]})")
    if status == OUT_OF_CORES:
        unlimited = np.full_like(arrays[5], len(order))
        needed = np.bincount(_pack(order, *arrays[:5], unlimited)[3], minlength=len(arrays[5])).tolist()
        wanted = ", ".join(f"{c} cores of {a}x{n} (the platform has {have})" for c, a, n, have in
                           zip(needed, arrays[3].tolist(), arrays[4].tolist(), arrays[5].tolist()) if c)
        raise PackingError(f"the chip is too small: {len(order)} soft cores need {wanted}; raise the counts in "
                           "platform.cores", needed)
    return Packing(*placement)
