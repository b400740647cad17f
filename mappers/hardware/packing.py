"""Pack soft cores onto the chip's physical cores: best-fit greedy, scarcity aware, a Numba kernel.

Soft cores share a hard core block-diagonally (each takes the next free axons and neurons)
and only within one group. Order: by group, then largest first (the larger of its axon and
neuron fractions of the largest core type), then index. Each soft core goes to the open hard
core of its group where it fits most tightly (least leftover axon fraction + neuron
fraction; ties: lowest index); else a new core of the type with the least waste (1 - area
used) divided by how many of that type remain.

The tightest fit is found exactly without scanning every open core: open cores sit in cells
keyed by (type, free axons, free neurons); per type a bitset marks the free-axon rows in use
and per row a bitset the free-neuron columns, so a query walks only rows that could fit and
win, taking the first fitting column of each. A cell keeps its cores in a linked list.
"""

from dataclasses import dataclass

import numpy as np

from numba import types
from numba.cpython.unsafe.numbers import trailing_zeros
from numba.typed import Dict

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


@njit_cached(inline="always")
def _next_bit(bits, base, words, start):
    """The first set bit at or after `start` in the bitset bits[base:base + words], or -1."""
    w = start >> 6
    if w >= words:
        return -1
    word = bits[base + w] & (-1 << (start & 63))
    while word == 0:
        w += 1
        if w == words:
            return -1
        word = bits[base + w]
    return (w << 6) + trailing_zeros(word)


@njit_cached()
def _pack(order, axons, neurons, groups, type_axons, type_neurons, type_counts):
    n, n_types = len(order), len(type_axons)
    hard_core = np.full(n, -1, np.int64)
    axon_offset = np.zeros(n, np.int64)
    neuron_offset = np.zeros(n, np.int64)
    core_type = np.zeros(n, np.int64)
    used_a = np.zeros(n, np.int64)
    used_n = np.zeros(n, np.int64)
    remaining = type_counts.copy()
    row_words = (type_neurons + 64) // 64
    row_bits_words = (type_axons + 64) // 64
    grid_base = np.zeros(n_types + 1, np.int64)
    rows_base = np.zeros(n_types + 1, np.int64)
    cell_base = np.zeros(n_types + 1, np.int64)
    for t in range(n_types):
        grid_base[t + 1] = grid_base[t] + (type_axons[t] + 1) * row_words[t]
        rows_base[t + 1] = rows_base[t] + row_bits_words[t]
        cell_base[t + 1] = cell_base[t] + (type_axons[t] + 1) * (type_neurons[t] + 1)
    grid = np.zeros(grid_base[n_types], np.int64)
    rows = np.zeros(rows_base[n_types], np.int64)
    head = Dict.empty(key_type=types.int64, value_type=types.int64)
    after = np.full(n, -1, np.int64)
    before = np.full(n, -1, np.int64)

    opened, group_first = 0, 0
    for k in range(n):
        i = order[k]
        a, m = axons[i], neurons[i]
        if k > 0 and groups[order[k - 1]] != groups[i]:
            for h in range(group_first, opened):
                _leave(h, core_type, used_a, used_n, type_axons, type_neurons, row_words, grid_base, rows_base,
                       cell_base, grid, rows, head, after, before)
            group_first = opened
        best, best_score = -1, np.inf
        for t in range(n_types):
            if a > type_axons[t] or m > type_neurons[t]:
                continue
            fa = _next_bit(rows, rows_base[t], row_bits_words[t], a)
            while fa >= 0 and (fa - a) / type_axons[t] <= best_score:
                fn = _next_bit(grid, grid_base[t] + fa * row_words[t], row_words[t], m)
                if fn >= 0:
                    score = (fa - a) / type_axons[t] + (fn - m) / type_neurons[t]
                    if score <= best_score:
                        h = head[cell_base[t] + fa * (type_neurons[t] + 1) + fn]
                        lowest = h
                        while h >= 0:
                            lowest = min(lowest, h)
                            h = after[h]
                        if score < best_score or lowest < best:
                            best, best_score = lowest, score
                fa = _next_bit(rows, rows_base[t], row_bits_words[t], fa + 1)
        if best < 0:
            chosen, chosen_score, fits_any = -1, np.inf, False
            for t in range(n_types):
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
        else:
            _leave(best, core_type, used_a, used_n, type_axons, type_neurons, row_words, grid_base, rows_base,
                   cell_base, grid, rows, head, after, before)
        hard_core[i] = best
        axon_offset[i] = used_a[best]
        neuron_offset[i] = used_n[best]
        used_a[best] += a
        used_n[best] += m
        _enter(best, core_type, used_a, used_n, type_axons, type_neurons, row_words, grid_base, rows_base, cell_base,
               grid, rows, head, after, before)
    return hard_core, axon_offset, neuron_offset, core_type[:opened], used_a[:opened], used_n[:opened], 0, -1


@njit_cached(inline="always")
def _cell(h, core_type, used_a, used_n, type_axons, type_neurons, row_words, grid_base, cell_base):
    """(key, row start in the grid, free axons, free neurons) of open core h."""
    t = core_type[h]
    fa, fn = type_axons[t] - used_a[h], type_neurons[t] - used_n[h]
    return cell_base[t] + fa * (type_neurons[t] + 1) + fn, grid_base[t] + fa * row_words[t], fa, fn


@njit_cached(inline="always")
def _enter(h, core_type, used_a, used_n, type_axons, type_neurons, row_words, grid_base, rows_base, cell_base,
           grid, rows, head, after, before):
    """Put open core h into the cell of its free space."""
    key, row, fa, fn = _cell(h, core_type, used_a, used_n, type_axons, type_neurons, row_words, grid_base,
                             cell_base)
    before[h] = -1
    if key in head:
        after[h] = head[key]
        before[head[key]] = h
    else:
        after[h] = -1
        grid[row + (fn >> 6)] |= 1 << (fn & 63)
        rows[rows_base[core_type[h]] + (fa >> 6)] |= 1 << (fa & 63)
    head[key] = h


@njit_cached(inline="always")
def _leave(h, core_type, used_a, used_n, type_axons, type_neurons, row_words, grid_base, rows_base, cell_base,
           grid, rows, head, after, before):
    """Take open core h out of its cell, clearing the bits of a cell and a row left empty."""
    key, row, fa, fn = _cell(h, core_type, used_a, used_n, type_axons, type_neurons, row_words, grid_base,
                             cell_base)
    if after[h] >= 0:
        before[after[h]] = before[h]
    if before[h] >= 0:
        after[before[h]] = after[h]
        return
    if after[h] >= 0:
        head[key] = after[h]
        return
    del head[key]
    grid[row + (fn >> 6)] &= ~(1 << (fn & 63))
    t = core_type[h]
    for w in range(row_words[t]):
        if grid[row + w] != 0:
            return
    rows[rows_base[t] + (fa >> 6)] &= ~(1 << (fa & 63))


INDEX_WORDS = 1 << 25
"""The free-space index's bitsets may take at most 256 MB (a 16,384 x 16,384 core type takes 33 MB)."""


def pack(axons, neurons, groups, type_axons, type_neurons, type_counts) -> Packing:
    """Place every soft core; raises PackingError saying what the platform would need."""
    arrays = [np.ascontiguousarray(v, dtype=np.int64) for v in (axons, neurons, groups, type_axons, type_neurons,
                                                                type_counts)]
    if np.sum((arrays[3] + 1) * ((arrays[4] + 64) // 64)) > INDEX_WORDS:
        raise PackingError("the platform's core types are too large for the packer (at most about 16,384 axons x "
                           "16,384 neurons); use the chip's real core sizes in platform.cores")
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
