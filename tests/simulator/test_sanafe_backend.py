"""SANA-FE runs our hard-core programs spike for spike: every neuron's spike count and every class score equal to
our kernels' in each rate option it can express (with the one-cycle delay), and a clear refusal of the rest."""

import numpy as np
import pytest

from mappers.hardware.hard_program import hard_program
from runner.steps.sanafe_simulation import compared
from simulator import simulate
from simulator.backends.sanafe import Unsupported, simulate_sanafe
from simulator.blocks import block_program
from simulator.options import RateOptions
from simulator.program import PARTIAL, SPIKING
from simulator.timing import schedule
from tests.hardware.hard_programs import TWO_TYPES, ir_of, packed
from tests.simulator.random_programs import random_inputs, random_program

STEPS = 8


def hard_of(seed: int, mode: str = "rate", types=TWO_TYPES, **kinds):
    """A random program packed onto hard cores (several soft cores share one) as its hard-core program."""
    program = random_program(seed, mode, STEPS, kinds.pop("integer", True), **{"with_ops": False,
                                                                              "with_partials": False, **kinds})
    return hard_program(packed(ir_of(program), types), mode, STEPS, "per_neuron")


@pytest.mark.parametrize("thresholding", ["<", "<="])
@pytest.mark.parametrize("firing", ["default", "novena"])
@pytest.mark.parametrize("encoding", ["uniform", "front_loaded", "deterministic", "stochastic"])
@pytest.mark.parametrize("seed", [0, 1])
def test_every_neuron_fires_as_often_as_on_our_kernels(seed, encoding, firing, thresholding):
    hard = hard_of(seed)
    x = random_inputs(seed, 5)
    options = RateOptions(encoding, firing, thresholding, seed=3, delay=1)
    ours = simulate(block_program(hard), x, encoding=encoding, firing=firing, thresholding=thresholding, seed=3,
                    delay=1, record=len(x))
    theirs = simulate_sanafe(hard, x, options)
    counts = ours.value_counts[:, hard.produces[theirs.neurons]]
    assert counts.sum() > 0 and theirs.spikes.shape == (len(x), int(np.sum(hard.kind == SPIKING)))
    np.testing.assert_array_equal(theirs.spikes, counts)
    np.testing.assert_array_equal(theirs.scores, ours.scores)
    assert theirs.timesteps == schedule(block_program(hard), 1).latency + 1  # the inputs' hop is delayed too
    assert np.all(theirs.energy["total"] > 0) and np.all(theirs.sim_time > 0)


def test_the_bias_reaches_every_neuron_in_every_cycle():
    """Inputs all off: only the always-on axon drives the chip, through every cycle of the schedule."""
    hard = hard_of(2)
    x = np.zeros((2, hard.n_inputs))
    ours = simulate(block_program(hard), x, delay=1, record=2)
    theirs = simulate_sanafe(hard, x, RateOptions(delay=1))
    np.testing.assert_array_equal(theirs.spikes, ours.value_counts[:, hard.produces[theirs.neurons]])
    np.testing.assert_array_equal(theirs.scores, ours.scores)


def test_zero_delay_is_refused():
    with pytest.raises(Unsupported, match="synaptic_delay: 1"):
        simulate_sanafe(hard_of(0), random_inputs(0, 1), RateOptions(delay=0))


@pytest.mark.parametrize("mode", ["ttfs", "ttfs_quantized"])
def test_ttfs_is_refused(mode):
    with pytest.raises(Unsupported, match="rate-coded chips.*fire-once neuron"):
        simulate_sanafe(hard_of(0, mode), random_inputs(0, 1), RateOptions(delay=1))


def test_partial_sum_cores_are_refused():
    hard = next(h for h in (hard_of(seed, with_partials=True) for seed in range(20)) if np.any(h.kind == PARTIAL))
    with pytest.raises(Unsupported, match="partial-sum cores"):
        simulate_sanafe(hard, random_inputs(0, 1), RateOptions(delay=1))


def test_compute_ops_are_refused():
    hard = next(h for h in (hard_of(seed, with_ops=True) for seed in range(20)) if len(h.op_kind))
    with pytest.raises(Unsupported, match="compute ops.*max_pool: cores"):
        simulate_sanafe(hard, random_inputs(0, 1), RateOptions(delay=1))


def test_float_weights_are_refused():
    with pytest.raises(Unsupported, match="integer chips"):
        simulate_sanafe(hard_of(0, integer=False), random_inputs(0, 1), RateOptions(delay=1))


def test_cores_larger_than_loihi_are_refused():
    with pytest.raises(Unsupported, match="at most 1024"):
        simulate_sanafe(hard_of(0, types=np.array([(32, 2048, 10)])), random_inputs(0, 1), RateOptions(delay=1))


def test_a_departure_is_counted_and_named():
    """The step's figures see a single changed spike count, and name its sample, neuron and hard core."""
    hard = hard_of(0)
    x = random_inputs(0, 3)
    ours = simulate(block_program(hard), x, delay=1, record=len(x))
    theirs = simulate_sanafe(hard, x, RateOptions(delay=1))
    j = int(np.argmax(theirs.spikes[1]))
    theirs.spikes[1, j] += 1
    figures = compared(ours, theirs, np.zeros(len(x), np.int64), hard)
    assert figures["spike_counts_equal"] == figures["spike_counts"] - 1 and figures["spikes_identical"] == 0
    neuron = int(theirs.neurons[j])
    h = int(np.searchsorted(hard.neuron_offset, neuron, "right")) - 1
    assert figures["first_difference"] == (
        f"1 spike counts differ; the first, sample 1: neuron {neuron - hard.neuron_offset[h]} of hard core {h} "
        f"fired {theirs.spikes[1, j] - 1} times on our chip, {theirs.spikes[1, j]} on SANA-FE")
