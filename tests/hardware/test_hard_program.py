"""The hard-core program and its dense torch reference: exact structure by hand, and parity with the soft-core
reference and the Numba kernels on random programs and on every spec's architecture, packed by the real packer."""

import dataclasses
import functools

import numpy as np
import pytest

from mappers.hardware.hard_program import hard_program
from mappers.hardware.lowering import chip_program
from mappers.hardware.mapping import HardCoreMapping, map_hard_cores
from mappers.ir.graph import ComputeOp, IRGraph, NeuralCore
from simulator.blocks import block_program
from simulator.hard_program import NEVER, UNUSED, levels
from simulator.program import OUTPUT, SPIKING
from tests.hardware.hard_programs import TWO_TYPES, ir_of, packed, three_runs
from tests.simulator.random_programs import random_inputs, random_program
from tests.simulator.spec_programs import SPECS, spec_mapping


def hand_mapping() -> HardCoreMapping:
    """Spiking core A (inputs, bias) -> max op -> output core B, both on one 8 x 5 hard core."""
    ir = IRGraph(3)
    ir.add_core(NeuralCore("a", np.array([[1, 2], [3, 0], [0, 0], [5, 6]]), np.array([2, 3]), np.array([2, 3, 4, 1])))
    ir.add_op(ComputeOp("max", "pool", np.array([[5, 6]])))
    ir.outputs = ir.add_core(NeuralCore("b", np.array([[1, 0], [0, 3], [1, 2]]), np.array([4, 6]),
                                        np.array([7, 5, 1]), is_output=True))
    return HardCoreMapping(ir, np.array([[8, 5, 2]]), hard_core=np.array([0, 0]), axon_offset=np.array([0, 4]),
                           neuron_offset=np.array([0, 2]), core_type=np.array([0]), lower_bound=1)


def test_each_block_sits_at_its_offsets_and_unused_neurons_never_fire():
    program = hard_program(hand_mapping(), "ttfs_quantized", 4)
    crossbar = np.zeros((8, 5), np.int64)
    crossbar[0:4, 0:2] = [[1, 2], [3, 0], [0, 0], [5, 6]]
    crossbar[4:7, 2:4] = [[1, 0], [0, 3], [1, 2]]
    np.testing.assert_array_equal(program.core_weights(0), crossbar)
    assert program.sources.tolist() == [2, 3, 4, 1, 7, 5, 1, 0]
    assert program.thresholds.tolist() == [2, 3, 4, 6, np.iinfo(np.int64).max] and NEVER["i"] == 2 ** 63 - 1
    assert program.kind.tolist() == [SPIKING, SPIKING, OUTPUT, OUTPUT, UNUSED]
    assert program.produces.tolist() == [5, 6, 8, 9, -1]
    assert program.stage.tolist() == [0, 0, 1, 1, -1] and program.op_stage.tolist() == [0] and program.n_stages == 2
    assert program.output_values.tolist() == [8, 9] and program.n_cores == 2 and program.n_hard_cores == 1


def test_levels_follow_the_nonzero_weights():
    """B's first neuron reads the op (level 2) and is level 3; its second reads only A through a nonzero weight."""
    neuron_level, op_level = levels(hard_program(hand_mapping(), "ttfs_quantized", 4))
    assert neuron_level.tolist() == [1, 1, 3, 2, -1] and op_level.tolist() == [2]


@pytest.mark.parametrize("mode", ["ttfs", "ttfs_quantized", "rate"])
def test_hand_program_by_hand(mode):
    """x = (1, 0.5, 0): A's levels on S = 4 and the class scores, against all three runs."""
    soft, chip, dense = three_runs(hand_mapping(), mode, 4, np.array([[1.0, 0.5, 0.0]]))
    assert soft.same_as(dense, exact=mode != "ttfs") and chip.same_as(dense, exact=mode != "ttfs")
    if mode == "ttfs_quantized":  # inputs 4, 2, 0, bias 4: A = floor((4 + 6 + 20, 8 + 24) / (2, 3)) = 15, 10 -> 4, 4
        assert dense.scores.tolist() == [[(4 + 4) / 16, (3 * 4 + 2 * 4) / 24]]
        assert dense.spike_counts.tolist() == [2, 0] and dense.synaptic_ops.tolist() == [3 * 2, 3 * 2]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("mode,integer", [("ttfs_quantized", True), ("rate", True), ("ttfs", True),
                                          ("ttfs", False), ("ttfs_quantized", False)])
def test_random_programs_on_two_core_types(seed, mode, integer):
    program = random_program(seed, mode, 16, integer=integer, layers=4)
    mapping = packed(ir_of(program), TWO_TYPES)
    assert mapping.hard_cores > 1 and len(set(mapping.core_type.tolist())) == 2
    soft, chip, dense = three_runs(mapping, mode, 16, random_inputs(seed, 60))
    exact = integer and mode != "ttfs"
    assert soft.same_as(dense, exact) and chip.same_as(dense, exact)
    np.testing.assert_allclose(dense.core_activity, soft.core_activity, rtol=1e-12)
    assert dense.spike_counts.sum() > 0 and dense.messages.sum() > 0


@pytest.mark.parametrize("encoding,firing,thresholding", [("stochastic", "novena", "<="),
                                                          ("front_loaded", "default", "<="),
                                                          ("deterministic", "novena", "<")])
def test_rate_options(encoding, firing, thresholding):
    program = random_program(5, "rate", 8, integer=True, layers=4)
    options = dict(encoding=encoding, firing=firing, thresholding=thresholding, seed=2)
    soft, chip, dense = three_runs(packed(ir_of(program), TWO_TYPES), "rate", 8, random_inputs(5, 30), **options)
    assert soft.same_as(dense) and chip.same_as(dense)


@pytest.mark.parametrize("seed", range(3))
def test_rate_with_a_synaptic_delay(seed):
    """One cycle per core hop: the kernels, the soft-core reference and the dense hard cores agree spike for spike."""
    program = random_program(seed, "rate", 8, integer=True, layers=4)
    mapping = packed(ir_of(program), TWO_TYPES)
    delayed = three_runs(mapping, "rate", 8, random_inputs(seed, 30), delay=1)
    soft, chip, dense = delayed
    assert soft.same_as(dense) and chip.same_as(dense)
    assert not dense.same_as(three_runs(mapping, "rate", 8, random_inputs(seed, 30))[2]), "the delay must show"


def test_one_threshold_per_core():
    """per_core: every soft core gets one of three thresholds; the packer groups them, the builder checks them."""
    program = random_program(3, "ttfs_quantized", 16, integer=True, layers=4)
    ir = ir_of(program)
    rng = np.random.default_rng(3)
    ir.cores = [dataclasses.replace(c, thresholds=np.full(c.neurons, rng.choice([4, 9, 13]))) for c in ir.cores]
    mapping = map_hard_cores(ir, TWO_TYPES, "per_core")
    soft, chip, dense = three_runs(mapping, "ttfs_quantized", 16, random_inputs(3, 60), sharing="per_core")
    assert soft.same_as(dense) and chip.same_as(dense)


@functools.cache
def images(n_inputs: int, count: int) -> np.ndarray:
    """Images with a share of dark pixels, as real inputs have."""
    rng = np.random.default_rng(0)
    x = rng.random((count, n_inputs))
    return np.where(rng.random(x.shape) < 0.4, 0.0, x)


@pytest.mark.parametrize("mode,delay", [("ttfs_quantized", 0), ("ttfs", 0), ("rate", 0), ("rate", 1)])
@pytest.mark.parametrize("name", SPECS)
def test_every_spec_architecture(name, mode, delay):
    """Rate coding with T = 8 cycles (the reference's cost is per cycle), TTFS with the spec's own steps."""
    spec, mapping = spec_mapping(name)
    steps = 8 if mode == "rate" else spec.spiking.steps
    options = {"delay": delay} if delay else {}
    soft, chip, dense = three_runs(mapping, mode, steps, images(mapping.ir.n_inputs, 2 if mode == "rate" else 6),
                                   **options)
    exact = mode != "ttfs"  # continuous TTFS values are real numbers: summation order shows
    assert soft.same_as(dense, exact) and chip.same_as(dense, exact)
    assert dense.spike_counts.sum() > 0


@pytest.mark.parametrize("name", SPECS)
def test_the_blocks_read_back_are_the_soft_cores(name):
    """Correctly packed, the kernels' program of the hard cores is the soft-core program, array for array."""
    spec, mapping = spec_mapping(name)
    steps = spec.spiking.steps
    blocks = block_program(hard_program(mapping, "ttfs_quantized", steps))
    soft = chip_program(mapping.ir, "ttfs_quantized", steps)
    for field in dataclasses.fields(soft):
        a, b = getattr(blocks, field.name), getattr(soft, field.name)
        assert np.array_equal(a, b) and np.asarray(a).dtype == np.asarray(b).dtype, field.name
