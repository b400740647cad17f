"""Cold and warm start: a new process that simulates and packs, with an empty and a filled kernel cache."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIRST_CALLS = """
from mappers.hardware.packing import pack
from simulator import simulate
from tests.simulator.random_programs import random_inputs, random_program
for mode in ("ttfs", "ttfs_quantized", "rate"):
    simulate(random_program(0, mode, 16, integer=mode != "ttfs"), random_inputs(0, 4))
pack([4, 4], [4, 4], [0, 0], [8], [8], [1])
"""


def start(cache: str) -> None:
    """A fresh interpreter: import, first simulation in every mode, first packing."""
    subprocess.run([sys.executable, "-c", FIRST_CALLS], cwd=ROOT, check=True,
                   env={**os.environ, "NUMBA_CACHE_DIR": cache})


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_start(benchmark, cache):
    folders = []

    def fresh_cache():
        folders.append(tempfile.TemporaryDirectory())
        if cache == "warm":
            start(folders[-1].name)
        return (folders[-1].name,), {}

    benchmark.pedantic(start, setup=fresh_cache, rounds=3, iterations=1)
    benchmark.extra_info.update(start=cache)
    for folder in folders:
        folder.cleanup()
