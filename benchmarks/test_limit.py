"""The row-accumulate limit (`benchmarks/limit.py`): additions per second for rows of 16, 64 and 256 values,
float32 and float64, one and two threads; the tables report each kernel's synaptic operations against it."""

import numba
import numpy as np
import pytest

from benchmarks.conftest import THREADS
from benchmarks.limit import accumulate_rows, row_events

ADDS = 1 << 27
WIDTHS = (16, 64, 256)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("width", WIDTHS)
def test_row_accumulate_limit(benchmark, width, dtype, threads):
    arrays = row_events(width, np.dtype(dtype), ADDS, threads)
    accumulate_rows(*row_events(width, np.dtype(dtype), 4 * width * threads, threads))
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    try:
        benchmark.pedantic(accumulate_rows, args=arrays, rounds=5, iterations=1)
    finally:
        numba.set_num_threads(min(THREADS, numba.config.NUMBA_NUM_THREADS))
    benchmark.extra_info.update(engine="limit", width=width, dtype=dtype, threads=threads,
                                adds=arrays[1].size * width)
