"""TTFS in closed form, a block of samples at a time, for programs held in float32 or float64.

Values are value-major (each value a row of BLOCK samples), so a core is one gather of its input rows and one
BLAS product (`np.dot`, SciPy's single-threaded OpenBLAS) for the whole block. TTFS values are mostly
non-zero, and a register-blocked product beats event-driven row additions on the mixer chip (2.5-3.6x);
compute ops run sample by sample on the block's columns. Same semantics as `ttfs.py`.
"""

import numpy as np
import scipy.linalg.cython_blas  # noqa: F401  (the BLAS numba's np.dot calls, loaded so its threads can be pinned)
from numba import prange
from threadpoolctl import ThreadpoolController

from simulator.jit import njit_cached
from simulator.kernels.common import CONTINUOUS, LEVELS, encode, fire, run_op
from simulator.program import SPIKING

BLOCK = 128
"""Samples per block: a core's product is (neurons x axons) times (axons x BLOCK); measured best on the mixer
(64: 0.8x, 256: 0.8x)."""
TILE = 8
"""Samples whose inputs are encoded together: a cache line of each value's row."""
BLOCK_BYTES = 1 << 23
"""A block's values, all of which it writes and reads again, must stay in cache: the mixer's take 2-4 MB, the
SqueezeNet chip's 41-83 MB, where the per-sample kernel, which touches only what each core reads, is as fast or
faster (measured side by side: the blocked kernel at 0.7-1.05x)."""


THREADPOOLS = ThreadpoolController()
"""The loaded thread pools, found once (1.4 ms); `single_blas()` pins the BLAS to one thread per caller in 0.02 ms."""


def single_blas():
    """A context in which the BLAS runs single-threaded: the kernel's own threads each run a product per block."""
    return THREADPOOLS.limit(limits=1, user_api="blas")


def blocked_fits(n_values: int, dtype) -> bool:
    """Whether the blocked kernel takes a program of `n_values` values held in `dtype`: a float (BLAS products)
    whose block fits BLOCK_BYTES."""
    return dtype is not np.int64 and n_values * BLOCK * np.dtype(dtype).itemsize <= BLOCK_BYTES


@njit_cached(inline="always")
def encode_block(x, first, m, buf, steps, quantized):
    """Inputs of samples first.. first + m - 1 encoded into `buf` value-major, TILE samples at a time, each reading
    along its own row: a transposition in tiles (a sample at a time across all rows measured 4-8 % slower)."""
    whole = m - m % TILE
    for s0 in range(0, whole, TILE):
        tile = x[first + s0:first + s0 + TILE]
        for k in range(x.shape[1]):
            row = buf[2 + k, s0:s0 + TILE]
            for s in range(TILE):
                row[s] = encode(tile[s, k], steps, quantized)
    for k in range(x.shape[1]):
        for s in range(whole, m):
            buf[2 + k, s] = encode(x[first + s, k], steps, quantized)


@njit_cached(parallel=True)
def run_ttfs_blocked(x, core_kind, value_start, axon_count, neuron_count, weight_offset, weights, weights_t,
                     neuron_offset, thresholds, source_offset, sources, op_kind, op_position, op_value_start,
                     op_width, op_source_offset, op_sources, op_factors, op_eps, output_values, output_neurons,
                     output_thresholds, n_values, steps, scores, activity, spikes, synops, messages, fanout, quantized,
                     value_type):
    """`run_ttfs` with its arguments, parallel over blocks of samples; the tallies (spikes, activity, synops,
    messages) have a row per block, not per sample."""
    n_cores, n_ops, n_inputs = len(core_kind), len(op_position), x.shape[1]
    top = steps if quantized else 1
    for b in prange((x.shape[0] + BLOCK - 1) // BLOCK):
        first = b * BLOCK
        m = min(BLOCK, x.shape[0] - first)
        buf = np.empty((n_values, BLOCK), value_type.dtype)
        rows = np.empty((max(1, axon_count.max()), BLOCK), buf.dtype)
        events, level, fired, sent = (np.zeros(BLOCK, np.int64), np.zeros(BLOCK), np.zeros(BLOCK, np.int64),
                                      np.zeros(BLOCK, np.int64))
        buf[0], buf[1] = 0, top
        buf[2:2 + n_inputs] = 0
        encode_block(x, first, m, buf, steps, quantized)
        o = 0
        for c in range(n_cores + 1):
            while o < n_ops and op_position[o] == c:
                for s in range(BLOCK):
                    run_op(buf[:, s], o, op_kind, op_value_start, op_width, op_source_offset, op_sources, op_factors,
                           op_eps, LEVELS if quantized else CONTINUOUS, top)
                o += 1
            if c == n_cores:
                break
            n, axons, start = neuron_count[c], axon_count[c], value_start[c]
            inputs = rows[:axons]
            events[:] = 0
            for k in range(axons):
                inputs[k] = buf[sources[source_offset[c] + k]]
                for s in range(BLOCK):
                    events[s] += inputs[k, s] != 0
            out = buf[start:start + n]
            np.dot(weights_t[weight_offset[c]:weight_offset[c] + n * axons].reshape((n, axons)), inputs, out)
            level[:], fired[:], sent[:] = 0, 0, 0
            theta = thresholds[neuron_offset[c]:neuron_offset[c] + n]
            for j in range(n):
                row, limit, wired = out[j], theta[j], fanout[start + j]
                if core_kind[c] == SPIKING:
                    for s in range(BLOCK):
                        row[s] = fire(row[s], limit, steps, quantized)
                        level[s] += row[s]
                        fired[s] += row[s] != 0
                if wired:  # a value no other hard core reads sends nothing
                    for s in range(BLOCK):
                        sent[s] += wired * (row[s] != 0)
            synops[b, c], messages[b, c] = events[:m].sum() * n, sent[:m].sum()
            if core_kind[c] == SPIKING:
                spikes[b, c], activity[b, c] = fired[:m].sum(), level[:m].sum() / top
        for k in range(len(output_values)):
            for s in range(m):
                scores[first + s, k] = buf[output_values[k], s] / (top * output_thresholds[k])
