"""Kernels against the torch reference on random chip programs: exact where the semantics are exact."""

import dataclasses
import itertools

import numpy as np
import pytest

from simulator import simulate, simulate_reference
from simulator.kernels import blocked, run_ttfs_grouped
from simulator.kernels.grouped import core_groups
from simulator.program import build_program, float64_is_exact
from simulator.run import accumulation_dtype, closed_form_kernel
from tests.simulator.random_programs import random_inputs, random_program

SEEDS = range(6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("integer", [False, True])
def test_ttfs_within_tolerance(seed, integer):
    """Continuous TTFS values are real numbers even with integer weights: summation order shows."""
    program = random_program(seed, "ttfs", 32, integer=integer)
    x = random_inputs(seed, 200)
    chip, ref = simulate(program, x, batch_size=64), simulate_reference(program, x, batch_size=64)
    np.testing.assert_allclose(chip.scores, ref.scores, rtol=1e-5, atol=1e-5)
    assert np.mean(chip.predictions == ref.predictions) >= 0.999


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("steps", [16, 1, 32])
def test_integer_ttfs_quantized_is_identical(seed, steps):
    program = random_program(seed, "ttfs_quantized", steps, integer=True)
    x = random_inputs(seed, 200)
    chip, ref = simulate(program, x, batch_size=50), simulate_reference(program, x, batch_size=70)
    np.testing.assert_array_equal(chip.scores, ref.scores)
    np.testing.assert_array_equal(chip.spike_counts, ref.spike_counts)
    np.testing.assert_array_equal(chip.synaptic_ops, ref.synaptic_ops)
    np.testing.assert_array_equal(chip.predictions, ref.predictions)


@pytest.mark.parametrize("seed", SEEDS)
def test_ttfs_quantized_float_weights_agree(seed):
    program = random_program(seed, "ttfs_quantized", 16, integer=False)
    x = random_inputs(seed, 200)
    chip, ref = simulate(program, x), simulate_reference(program, x)
    np.testing.assert_allclose(chip.scores, ref.scores, rtol=1e-9, atol=1e-9)
    assert np.mean(chip.predictions == ref.predictions) >= 0.999


@pytest.mark.parametrize("encoding,firing,thresholding", list(itertools.product(
    ["uniform", "front_loaded", "deterministic", "stochastic"], ["default", "novena"], ["<", "<="])))
def test_rate_integer_parity_for_every_combination(encoding, firing, thresholding):
    for seed in range(2):
        program = random_program(seed, "rate", 16, integer=True)
        x = random_inputs(seed, 60)
        options = dict(encoding=encoding, firing=firing, thresholding=thresholding, seed=seed)
        chip = simulate(program, x, batch_size=25, **options)
        ref = simulate_reference(program, x, batch_size=40, **options)
        np.testing.assert_array_equal(chip.spike_counts, ref.spike_counts)
        np.testing.assert_array_equal(chip.synaptic_ops, ref.synaptic_ops)
        np.testing.assert_array_equal(chip.scores, ref.scores)


@pytest.mark.parametrize("seed", SEEDS)
def test_rate_delay_parity(seed):
    """With a one-cycle delay per hop a stage runs longer than T cycles, so a value later stages replay can spike
    more than T times (its train: every cycle); kernel and reference agree spike for spike."""
    program = random_program(seed, "rate", 16, integer=True)
    x = random_inputs(seed, 60)
    chip = simulate(program, x, batch_size=25, delay=1)
    assert chip.same_as(simulate_reference(program, x, batch_size=40, delay=1))


def test_stochastic_encoding_is_seeded():
    program = random_program(0, "rate", 16, integer=True)
    x = random_inputs(0, 40)
    a = simulate(program, x, encoding="stochastic", seed=3)
    b = simulate(program, x, encoding="stochastic", seed=3, batch_size=7)
    c = simulate(program, x, encoding="stochastic", seed=4)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert not np.array_equal(a.spike_counts, c.spike_counts)


def test_integer_programs_beyond_float64_precision_stay_exact():
    """Sums above 2^53 would round in float64: such programs keep int64 arithmetic, still identical."""
    small = random_program(1, "ttfs_quantized", 16, integer=True, with_partials=False)
    large = dataclasses.replace(small, weights=small.weights << 40, weights_t=small.weights_t << 40,
                                thresholds=small.thresholds << 40, output_thresholds=small.output_thresholds << 40)
    assert float64_is_exact(small) and not float64_is_exact(large)
    x = random_inputs(1, 100)
    chip, ref = simulate(large, x), simulate_reference(large, x)
    np.testing.assert_array_equal(chip.spike_counts, ref.spike_counts)
    np.testing.assert_array_equal(chip.scores, ref.scores)
    np.testing.assert_array_equal(chip.spike_counts, simulate(small, x).spike_counts)


@pytest.mark.parametrize("mode", ["ttfs_quantized", "rate"])
def test_integer_programs_beyond_float32_precision_take_float64(mode):
    """Quantized TTFS and rate coding accumulate in float32 only while every sum stays below 2^24 (partial sums
    fed on included; in rate coding a potential over every cycle); weights 2^10 times larger pass it and take
    float64, still exact."""
    small = random_program(2, mode, 16, integer=True)
    assert np.any(small.core_kind == 1), "the program must feed partial sums on"
    large = dataclasses.replace(small, weights=small.weights << 10, weights_t=small.weights_t << 10,
                                thresholds=small.thresholds << 10, output_thresholds=small.output_thresholds << 10)
    assert accumulation_dtype(small) is np.float32 and accumulation_dtype(large) is np.float64
    assert float64_is_exact(large) and accumulation_dtype(small, "cycles") is np.float64
    x = random_inputs(2, 100)
    chip, ref = simulate(large, x), simulate_reference(large, x)
    assert chip.same_as(ref) and simulate(small, x).same_as(simulate_reference(small, x))


@pytest.mark.parametrize("mode", ["ttfs", "ttfs_quantized"])
def test_blocked_and_grouped_kernels_agree(mode, monkeypatch):
    """The block-of-samples kernel and the one per group of cores (BLAS products both) give the same run; a program
    whose block would not stay in cache takes the grouped kernel."""
    program, x = random_program(3, mode, 16, integer=True), random_inputs(3, 300)
    assert closed_form_kernel(program, accumulation_dtype(program)) is blocked.run_ttfs_blocked
    blocked_run = simulate(program, x, batch_size=200)
    monkeypatch.setattr(blocked, "BLOCK_BYTES", 0)
    assert closed_form_kernel(program, accumulation_dtype(program)).func is run_ttfs_grouped
    assert blocked_run.same_as(simulate(program, x, batch_size=200), exact=mode == "ttfs_quantized")


def test_cores_sharing_a_matrix_run_as_groups():
    """Consecutive cores of one matrix form a group, split where a core reads its group's values or an op runs."""
    a, b = np.eye(2, dtype=np.int64), 2 * np.eye(2, dtype=np.int64)
    core = lambda weights, sources, start: {"weights": weights, "thresholds": np.ones(2, np.int64), "sources": sources,
                                            "kind": 0, "value_start": start}
    cores = [core(a, [2, 3], 4), core(a, [3, 2], 6), core(a, [4, 5], 8), core(b, [2, 3], 10), core(b, [3, 2], 12),
             core(b, [12, 13], 15)]
    op = {"sources": np.array([[4, 6]]), "position": 4, "value_start": 14}
    program = build_program("ttfs_quantized", 4, 2, 17, cores, [op], np.array([15, 16]))
    np.testing.assert_array_equal(core_groups(program), [0, 2, 3, 4, 5, 6])
