"""The benchmark modules import, and the fixtures that need no trained run build, in the normal test run."""

import importlib

import numpy as np
import pytest

from benchmarks.peer_flow import PeerFlow
from benchmarks.test_mapping import CORE_TYPES, soft_core_mix
from benchmarks.python_packer import python_pack
from mappers.hardware.packing import pack
from simulator import simulate
from tests.simulator.random_programs import random_inputs, random_program


def test_benchmark_modules_import():
    for name in ("benchmarks.conftest", "benchmarks.test_simulation", "benchmarks.test_mapping",
                 "benchmarks.test_startup", "benchmarks.test_limit"):
        importlib.import_module(name)


def test_packing_benchmark_inputs_build_and_agree():
    cores = soft_core_mix(500)
    assert len(cores[0]) == 500 and np.all(cores[0] >= 9)
    assert python_pack(*cores, *CORE_TYPES)[0] == pack(*cores, *CORE_TYPES).hard_core.tolist()


@pytest.mark.parametrize("mode", ["ttfs", "ttfs_quantized"])
def test_peer_baseline_does_the_kernels_work(mode):
    """The peer-style float32 flow gives the kernel's class scores within float32 rounding (compute ops and
    partial sums included), so the benchmarks compare the same work."""
    for seed in range(3):
        program, x = random_program(seed, mode, 16, integer=True), random_inputs(seed, 200)
        scores = PeerFlow(program)(x, batch_size=64)
        np.testing.assert_allclose(scores, simulate(program, x).scores, rtol=1e-5, atol=1e-5)
