"""Max-pool on neural cores (`platform.max_pool: cores`): max(a, b) = b + relu(a - b), a tree of pairs per window.

Each value of a window's tree is a sum of terms (earlier neurons' outputs, or the window's inputs). A level pairs
the values: for (x, y) one neuron relu(x - y) (weight +1 on x's terms, -1 on y's) and one passing y (+1 on y's
terms), whose sum is max(x, y); an odd value passes through one identity neuron, so all terms of a sum sit at the
same depth (a TTFS window schedule holds). A last level sums the final pair (weights 1, 1), so consumers read
plain values. Thresholds are one level, no bias, no shift: values stay in [0, S], the clamp never binds and every
neuron is exact on the quantized TTFS level grid. Rate coding only rescales weights and thresholds (`unit`).
"""

import numpy as np

from mappers.ir.graph import IRGraph, MappingError, NeuralCore

MARK = "@max"
"""In a pool core's layer name: `<node>@max<level>[<core>]`."""


def is_max_pool_core(core: NeuralCore) -> bool:
    """Whether `core` is one of a max-pool's tree cores (they form their own group when thresholds are per core)."""
    return MARK in core.layer


def tree_levels(k: int) -> list[np.ndarray]:
    """Per level, one window's weights (terms in x neurons out) of the tree over `k` values; none for k = 1."""
    values, terms, levels = [[i] for i in range(k)], k, []
    while len(values) > 1:
        columns, paired = [], []
        for x, y in zip(values[0::2], values[1::2]):
            columns += [_column(terms, x, y), _column(terms, y, [])]
            paired.append([len(columns) - 2, len(columns) - 1])
        if len(values) % 2:
            columns.append(_column(terms, values[-1], []))
            paired.append([len(columns) - 1])
        levels.append(np.stack(columns, axis=1))
        values, terms = paired, len(columns)
    if len(values[0]) == 2:
        levels.append(np.ones((2, 1), np.int64))
    return levels


def _column(terms: int, plus: list[int], minus: list[int]) -> np.ndarray:
    column = np.zeros(terms, np.int64)
    column[plus], column[minus] = 1, -1
    return column


def consecutive_groups(reads: list[list[int]], axons: int, neurons: int) -> list[tuple[int, int]]:
    """(start, stop) runs of consecutive neurons, each neuron given by the values it reads, that fit a core of
    `axons` distinct values read and `neurons` neurons; greedy, in order."""
    groups, start, seen = [], 0, set()
    for n, values in enumerate(reads):
        fresh = set(values) - seen
        if n > start and (len(seen) + len(fresh) > axons or n - start == neurons):
            groups.append((start, n))
            start, seen, fresh = n, set(), set(values)
        if len(fresh) > axons:
            raise MappingError(f"max-pool on cores needs cores of at least {len(fresh)} axons; the largest has "
                               f"{axons} (or use platform.max_pool: host)")
        seen |= fresh
    return groups + [(start, len(reads))] if reads else []


def unit(integer: bool, rate_steps: int, output: bool) -> tuple:
    """(Weight for +1, threshold) of a tree neuron: 1 and one level. Rate-coded (T cycles), a spiking one weighs
    T + 1 against a threshold of T (over T in float programs): one input spike fires it under either thresholding
    rule (`<` needs V > theta), and what it leaves, one unit a spike and at most T, never fires on its own."""
    if not rate_steps or output:
        return (1, 1) if integer else (1.0, 1.0)
    return (rate_steps + 1, rate_steps) if integer else ((rate_steps + 1) / rate_steps, 1.0)


def map_level(ir: IRGraph, label: str, template: np.ndarray, slots: np.ndarray, shape: tuple[int, int],
              integer: bool, rate_steps: int, output: bool) -> np.ndarray:
    """One tree level of every window (`slots`: windows x terms, value indices), in cores of at most `shape`
    (axons, neurons), each reading only its neurons' terms; (windows, neurons of the level) value indices."""
    width, (gain, threshold) = template.shape[1], unit(integer, rate_steps, output)
    rows = [np.flatnonzero(template[:, j]).tolist() for j in range(width)]
    reads = [[window[r] for r in rows[j]] for window in slots.tolist() for j in range(width)]
    dtype = np.int64 if integer else np.float64
    values = np.empty(len(reads), np.int64)
    for k, (start, stop) in enumerate(consecutive_groups(reads, *shape)):
        sources = list(dict.fromkeys(v for n in range(start, stop) for v in reads[n]))
        axon = {value: a for a, value in enumerate(sources)}
        weights = np.zeros((len(sources), stop - start), dtype)
        for n in range(start, stop):
            j = n % width
            for value, r in zip(reads[n], rows[j]):
                weights[axon[value], n - start] += template[r, j] * gain
        core = NeuralCore(f"{label}[{k}]", weights, np.full(stop - start, threshold, dtype),
                          np.array(sources, np.int64), is_output=output)
        values[start:stop] = ir.add_core(core)
    return values.reshape(len(slots), width)


def map_max_pool_on_cores(ir: IRGraph, name: str, windows: np.ndarray, shape: tuple[int, int], integer: bool,
                          readout: bool, rate_steps: int = 0) -> np.ndarray:
    """The value index of each window's max (`windows`: count x k value indices), computed by tree cores of at most
    `shape` (axons, neurons), rate-coded over `rate_steps` cycles (0: TTFS); the last level's cores are output
    cores when the pool is the readout."""
    slots, levels = windows.astype(np.int64), tree_levels(windows.shape[1])
    for level, template in enumerate(levels, 1):
        slots = map_level(ir, f"{name}{MARK}{level}", template, slots, shape, integer, rate_steps,
                          readout and level == len(levels))
    return slots[:, 0]
