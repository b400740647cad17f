"""Kernels against the torch reference on the architecture of every spec in spec/, random integer weights.

Large cores take both of the kernel's paths (event-driven and dense) within one run, so these
tests pin both to the reference, spike for spike.
"""

import numpy as np
import pytest
import torch

from simulator import simulate, simulate_reference
from simulator.program import SPIKING
from simulator.reference import ReferenceChip
from simulator.timing import ttfs_windows
from tests.simulator.spec_programs import SPECS, spec_program

SAMPLES = {"ttfs": 24, "ttfs_quantized": 24, "rate": 6}


def inputs(program, count: int, seed: int = 0) -> np.ndarray:
    """Images with a share of dark pixels, as real inputs have."""
    rng = np.random.default_rng(seed)
    x = rng.random((count, program.n_inputs))
    return np.where(rng.random(x.shape) < 0.4, 0.0, x)


@pytest.mark.parametrize("mode", ["ttfs_quantized", "rate"])
@pytest.mark.parametrize("name", SPECS)
def test_integer_modes_are_identical(name, mode):
    program = spec_program(name, mode)
    x = inputs(program, SAMPLES[mode])
    chip, reference = simulate(program, x, batch_size=10), simulate_reference(program, x, batch_size=10)
    np.testing.assert_array_equal(chip.spike_counts, reference.spike_counts)
    np.testing.assert_array_equal(chip.synaptic_ops, reference.synaptic_ops)
    np.testing.assert_array_equal(chip.scores, reference.scores)
    assert 0 < chip.spike_counts.sum(), "the random weights must make the chip spike"


@pytest.mark.parametrize("name", SPECS)
def test_continuous_ttfs_within_rounding(name):
    """Real-valued TTFS: only the summation order differs between kernel and reference."""
    program = spec_program(name, "ttfs")
    x = inputs(program, SAMPLES["ttfs"])
    chip, reference = simulate(program, x, batch_size=10), simulate_reference(program, x, batch_size=10)
    np.testing.assert_allclose(chip.scores, reference.scores, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", SPECS)
def test_cycle_by_cycle_ttfs_is_the_closed_form(name):
    """Integrating and firing cycle by cycle gives the closed form's scores, spikes and synaptic operations, and
    every spiking neuron fires at cycle (window + 1) S + S - level of its closed-form level."""
    program = spec_program(name, "ttfs_quantized")
    x = inputs(program, SAMPLES["ttfs_quantized"])
    cycles = simulate(program, x, batch_size=10, evaluation="cycles", record=3)
    assert cycles.same_as(simulate(program, x, batch_size=10))
    with torch.no_grad():
        levels = ReferenceChip(program).closed_form(torch.from_numpy(x[:3]))[-1].numpy().astype(np.int64)
    steps, window = program.steps, ttfs_windows(program)
    for c in np.flatnonzero(program.core_kind == SPIKING):
        made = slice(program.value_start[c], program.value_start[c] + program.neuron_count[c])
        expected = np.where(levels[:, made] > 0, (window[c] + 1) * steps + steps - levels[:, made], -1)
        np.testing.assert_array_equal(cycles.fire_cycles[:, made], expected)
    inputs_made = slice(2, 2 + program.n_inputs)
    np.testing.assert_array_equal(cycles.fire_cycles[:, inputs_made],
                                  np.where(levels[:, inputs_made] > 0, steps - levels[:, inputs_made], -1))
