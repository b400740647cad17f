"""Hard-core packing against the plain-Python packer, and soft-core mapping of SqueezeNet."""

import numpy as np
import pytest

from benchmarks.python_packer import python_pack
from mappers.graph.scales import compute_per_source_scales
from mappers.hardware.packing import pack
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.zoo import Recipe, build_model

CORE_TYPES = ([256, 256], [256, 128], [10**9, 10**9])


def soft_core_mix(count: int, seed: int = 0):
    """The shape mix of real models: mostly small im2col cores, some wide ones."""
    rng = np.random.default_rng(seed)
    small = rng.random(count) < 0.85
    axons = np.where(small, rng.integers(9, 150, count), rng.integers(150, 257, count))
    neurons = np.where(small, rng.integers(8, 64, count), rng.integers(64, 257, count))
    return axons, neurons, np.zeros(count, np.int64)


@pytest.mark.parametrize("count", [1_000, 10_000, 100_000])
def test_pack_numba(benchmark, count):
    cores = soft_core_mix(count)
    pack(*soft_core_mix(10), *CORE_TYPES)
    packing = benchmark.pedantic(pack, args=(*cores, *CORE_TYPES), rounds=3, iterations=1)
    benchmark.extra_info.update(soft_cores=count, hard_cores=len(packing.core_type), engine="numba")


@pytest.mark.parametrize("count", [1_000, 10_000])
def test_pack_python(benchmark, count):
    cores = soft_core_mix(count)
    placement = benchmark.pedantic(python_pack, args=(*cores, *CORE_TYPES), rounds=1, iterations=1)
    assert placement[0] == pack(*cores, *CORE_TYPES).hard_core.tolist()
    benchmark.extra_info.update(soft_cores=count, engine="python")


def test_soft_core_mapping_squeezenet(benchmark):
    graph = build_model(Recipe("squeezenet", {}, (1, 28, 28), 10)).eval()
    compute_per_source_scales(graph)
    ir = benchmark.pedantic(map_soft_cores, args=(graph, CoreBudget(((256, 256),))), rounds=3, iterations=1)
    benchmark.extra_info.update(soft_cores=len(ir.cores))
