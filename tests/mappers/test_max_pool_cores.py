"""Max-pool on neural cores (`platform.max_pool: cores`): a tree of relu(a - b) and identity neurons per window,
exact on the quantized TTFS level grid through the Numba kernels, the soft-core and the dense hard-core torch
references; grouped into cores that fit; kept in a packing group of its own when thresholds are per core."""

import numpy as np
import pytest
import torch

from mappers.graph.mappers import InputMapper, MaxPoolMapper
from mappers.graph.representation import MapperGraph
from mappers.hardware.hard_program import hard_program
from mappers.hardware.lowering import chip_program
from mappers.hardware.mapping import map_hard_cores, threshold_groups
from mappers.ir.graph import FIRST_INPUT, OFF, IRGraph, MappingError, NeuralCore
from mappers.ir.im2col import pooling_windows
from mappers.ir.max_pool import is_max_pool_core, map_max_pool_on_cores, tree_levels
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores, map_with_values
from simulator.hard_reference import HardCoreReference
from simulator.options import RateOptions
from simulator.reference import ReferenceChip
from tests.hardware.hard_programs import three_runs

STEPS = 8
POOLS = [  # (channels, size, kernel, stride, padding, core axons x neurons)
    (3, 7, 3, 2, 1, (16, 8)),
    (5, 8, 2, 2, 0, (8, 4)),
    (2, 6, 3, 1, 1, (12, 16)),
    (4, 5, 2, 1, 0, (256, 256)),
    (1, 9, 5, 3, 2, (4, 2)),
]


def pooled_ir(channels: int, size: int, kernel: int, stride: int, padding: int, core, integer: bool,
              readout: bool = True, rate_steps: int = 0) -> IRGraph:
    """The tree cores of one max-pool over a (channels, size, size) input, its outputs the class values."""
    ir = IRGraph(channels * size * size)
    inputs = FIRST_INPUT + np.arange(ir.n_inputs).reshape(channels, size, size)
    windows = pooling_windows(inputs, kernel, stride, padding, OFF)
    ir.outputs = map_max_pool_on_cores(ir, "pool", windows.reshape(-1, kernel * kernel), core, integer, readout,
                                       rate_steps)
    return ir


def random_levels(count: int, shape, seed: int) -> np.ndarray:
    """Levels 0..S, a third of them 0 (silent neurons), as network inputs on the grid (level / S)."""
    rng = np.random.default_rng(seed)
    levels = rng.integers(0, STEPS + 1, (count, *shape))
    return np.where(rng.random(levels.shape) < 0.3, 0, levels)


def numpy_max(levels: np.ndarray, kernel: int, stride: int, padding: int) -> np.ndarray:
    """Each window's max (padding counts as 0), flattened per sample in (channel, row, column) order."""
    padded = np.pad(levels, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (kernel, kernel), axis=(2, 3))[:, :, ::stride, ::stride]
    return windows.max(axis=(-1, -2)).reshape(len(levels), -1)


def test_the_tree_of_a_window():
    """Each level has as many neurons as values enter it; the last sums the final pair; one value needs nothing."""
    assert [t.shape for t in tree_levels(9)] == [(9, 9), (9, 5), (5, 3), (3, 2), (2, 1)]
    assert [t.shape for t in tree_levels(4)] == [(4, 4), (4, 2), (2, 1)] and tree_levels(1) == []
    first, second = tree_levels(3)[:2]
    np.testing.assert_array_equal(first, [[1, 0, 0], [-1, 1, 0], [0, 0, 1]])  # relu(a - b), b, c
    np.testing.assert_array_equal(second, [[1, 0], [1, 0], [-1, 1]])  # relu(relu(a - b) + b - c), c


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("channels,size,kernel,stride,padding,core", POOLS)
def test_pooled_levels_are_numpys_max(channels, size, kernel, stride, padding, core, integer):
    ir = pooled_ir(channels, size, kernel, stride, padding, core, integer)
    assert ir.stages() == 0 and all(c.axons <= core[0] and c.neurons <= core[1] for c in ir.cores)
    assert ir.integer == integer and all(np.all(c.thresholds == 1) for c in ir.cores)
    assert all(set(np.unique(c.weights).tolist()) <= {-1, 0, 1} for c in ir.cores)
    mapping = map_hard_cores(ir, np.array([(*core, 500)]), "per_neuron")
    levels = random_levels(40, (channels, size, size), channels + kernel)
    soft, chip, dense = three_runs(mapping, "ttfs_quantized", STEPS, levels.reshape(40, -1) / STEPS)
    expected = numpy_max(levels, kernel, stride, padding)
    for run in (soft, chip, dense):
        np.testing.assert_array_equal(run.scores * STEPS, expected)
    assert soft.same_as(dense) and chip.same_as(dense)


def test_windows_share_the_axons_they_overlap_on():
    """3x3 windows at stride 1 on one channel: a core's first-level axons are the union of its windows' inputs."""
    ir = pooled_ir(1, 6, 3, 1, 0, (64, 27), True)
    first = ir.cores[0]
    assert first.neurons == 27 and first.axons == 3 * 5 and len(set(first.sources.tolist())) == first.axons


def test_continuous_ttfs_is_exact_up_to_rounding():
    x = np.random.default_rng(1).random((50, 3 * 7 * 7))
    ir = pooled_ir(3, 7, 3, 2, 1, (16, 8), False)
    soft, chip, dense = three_runs(map_hard_cores(ir, np.array([(16, 8, 500)]), "per_neuron"), "ttfs", STEPS, x)
    expected = numpy_max(x.reshape(50, 3, 7, 7), 3, 2, 1)
    for run in (soft, chip, dense):
        np.testing.assert_allclose(run.scores, expected, rtol=0, atol=1e-12)


def test_inside_the_network_the_pooled_values_are_spiking_levels():
    """Two pools in a row, mapped from a graph: the first's outputs (spiking, two-term inputs of the second) in the
    value space of the soft-core and the hard-core references are numpy's max; no host round-trip."""
    graph = MapperGraph((3, 8, 8), [InputMapper(), MaxPoolMapper(0, 2), MaxPoolMapper(1, 3, 2, 1)])
    ir, values = map_with_values(graph, CoreBudget(((16, 8),), max_pool="cores"))
    assert ir.stages() == 0 and not any(c.is_output for c in ir.cores if "node1" in c.layer)
    levels = random_levels(30, (3, 8, 8), 5)
    x = torch.from_numpy(levels.reshape(30, -1) / STEPS)
    mapping = map_hard_cores(ir, np.array([(16, 8, 500)]), "per_neuron")
    for chip in (ReferenceChip(chip_program(ir, "ttfs_quantized", STEPS)),
                 HardCoreReference(hard_program(mapping, "ttfs_quantized", STEPS))):
        with torch.no_grad():
            space = chip.closed_form(x)[-1].numpy()
        first = numpy_max(levels, 2, 2, 0)
        np.testing.assert_array_equal(space[:, values[1].reshape(-1)], first)
        np.testing.assert_array_equal(space[:, values[2].reshape(-1)], numpy_max(first.reshape(30, 3, 4, 4), 3, 2, 1))


def test_host_pooling_stays_a_compute_op():
    graph = MapperGraph((2, 4, 4), [InputMapper(), MaxPoolMapper(0, 2)])
    host = map_soft_cores(graph, CoreBudget(((16, 8),)))
    assert host.cores == [] and [op.kind for op in host.ops] == ["max"]


def test_a_core_too_small_for_one_neuron_is_refused():
    with pytest.raises(MappingError, match="max-pool on cores needs cores of at least 4 axons; the largest has 3"):
        pooled_ir(1, 4, 2, 2, 0, (3, 8), True)


def test_per_core_thresholds_keep_the_tree_cores_in_their_own_group():
    """A layer core of threshold 1 never shares a hard core with the tree cores (threshold 1 too)."""
    ir = pooled_ir(2, 4, 2, 2, 0, (16, 8), True)
    ir.cores.insert(0, NeuralCore("layer@0[0:2]", np.ones((2, 2), np.int64), np.ones(2, np.int64),
                                  np.array([2, 3])))
    ir.cores.append(NeuralCore("other@0[0:1]", np.ones((2, 1), np.int64), np.array([5]), np.array([2, 3])))
    groups = threshold_groups(ir, "per_core")
    pools = np.array([is_max_pool_core(c) for c in ir.cores])
    assert pools.sum() == len(ir.cores) - 2 and len(set(groups[pools].tolist())) == 1
    assert groups.tolist()[0] != groups[pools][0] and len(set(groups.tolist())) == 3
    mapping = map_hard_cores(ir, np.array([(64, 64, 10)]), "per_core")
    shared = set(mapping.hard_core[pools].tolist()) & set(mapping.hard_core[~pools].tolist())
    assert shared == set()


@pytest.mark.parametrize("integer", [True, False])
@pytest.mark.parametrize("firing", ["default", "novena"])
@pytest.mark.parametrize("thresholding", ["<", "<="])
def test_rate_coding_is_close(firing, thresholding, integer):
    """Rate coding (T = 32, evenly spaced trains): a pool's spiking outputs count their window's largest spike count
    on 97.9 % of outputs (measured), whatever the thresholding rule and reset (the tree's weights T + 1 against a
    threshold T see to that); relu(a - b) misses where b's spikes come before a's."""
    steps = 32
    ir = pooled_ir(3, 8, 2, 2, 0, (64, 64), integer, readout=False, rate_steps=steps)
    unit = (steps + 1, steps) if integer else (33 / 32, 1)
    assert all(np.abs(c.weights).max() == unit[0] and np.all(c.thresholds == unit[1]) for c in ir.cores)
    counts = np.random.default_rng(0).integers(0, steps + 1, (200, 3, 8, 8))
    chip = ReferenceChip(chip_program(ir, "rate", steps))
    with torch.no_grad():
        space = chip.rate(torch.from_numpy(counts.reshape(200, -1) / steps),
                          RateOptions("uniform", firing, thresholding, 0), 0)[-1].numpy()
    differs = space[:, ir.outputs] - numpy_max(counts, 2, 2, 0)
    assert 0.975 < np.mean(differs == 0) < 0.985 and np.abs(differs).max() <= 2
