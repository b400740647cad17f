"""The machine's row-accumulate limit: how fast a core can add one weight row into an accumulator, the step
every event-driven synaptic operation takes (here with the weights in cache and no gathering)."""

import numpy as np
from numba import prange

from simulator.jit import njit_cached

ROWS = 64
"""Rows of the weight matrix the events pick from: a core's worth, in cache like a core's weights."""


@njit_cached(parallel=True, fastmath={"contract"})
def accumulate_rows(weights, rows, values, acc):
    """acc[t] += values[t, e] * weights[rows[t, e]] for every event e of chunk t; chunks run in parallel."""
    for t in prange(rows.shape[0]):
        out = acc[t]
        for e in range(rows.shape[1]):
            value, w = values[t, e], weights[rows[t, e]]
            for j in range(len(out)):
                out[j] += value * w[j]


def row_events(width: int, dtype, adds: int, chunks: int, seed: int = 0):
    """(weights, rows, values, acc): `adds` additions of `width`-value rows in `chunks` parallel chunks."""
    rng = np.random.default_rng(seed)
    events = adds // (width * chunks)
    weights = rng.integers(-127, 128, (ROWS, width)).astype(dtype)
    return (weights, rng.integers(0, ROWS, (chunks, events)), rng.integers(1, 33, (chunks, events)).astype(dtype),
            np.zeros((chunks, width), dtype))
