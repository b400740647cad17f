"""The benchmark modules import, and the fixtures that need no trained run build, in the normal test run."""

import importlib

import numpy as np

from benchmarks.test_mapping import CORE_TYPES, soft_core_mix
from benchmarks.python_packer import python_pack
from mappers.hardware.packing import pack


def test_benchmark_modules_import():
    for name in ("benchmarks.conftest", "benchmarks.test_simulation", "benchmarks.test_mapping",
                 "benchmarks.test_startup"):
        importlib.import_module(name)


def test_packing_benchmark_inputs_build_and_agree():
    cores = soft_core_mix(500)
    assert len(cores[0]) == 500 and np.all(cores[0] >= 9)
    assert python_pack(*cores, *CORE_TYPES)[0] == pack(*cores, *CORE_TYPES).hard_core.tolist()
