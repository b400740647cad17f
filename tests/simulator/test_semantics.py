"""Hand-computed cases of the spiking semantics, one core at a time."""

import math

import numpy as np
import pytest

from simulator import build_program, simulate, simulate_reference
from simulator.program import OUTPUT, SPIKING


def one_layer(mode, steps, weights, thresholds, n_inputs):
    """Inputs -> one spiking core -> an identity output core reading its neurons (score = level / S)."""
    weights = np.asarray(weights)
    neurons = weights.shape[1]
    hidden = {"weights": weights, "thresholds": np.asarray(thresholds), "kind": SPIKING, "value_start": 2 + n_inputs,
              "sources": (np.arange(2, 2 + n_inputs + 1) if weights.shape[0] == n_inputs + 1
                          else np.arange(2, 2 + n_inputs))}
    identity = np.eye(neurons, dtype=weights.dtype)
    readout = {"weights": identity, "thresholds": np.ones(neurons, weights.dtype), "kind": OUTPUT,
               "value_start": 2 + n_inputs + neurons, "sources": np.arange(2 + n_inputs, 2 + n_inputs + neurons)}
    outputs = np.arange(2 + n_inputs + neurons, 2 + n_inputs + 2 * neurons)
    return build_program(mode, steps, n_inputs, 2 + n_inputs + 2 * neurons, [hidden, readout], [], outputs)


def levels(mode, steps, weights, thresholds, x):
    program = one_layer(mode, steps, weights, thresholds, len(x))
    out = simulate(program, np.array([x], float))
    ref = simulate_reference(program, np.array([x], float))
    np.testing.assert_array_equal(out.scores, ref.scores)
    scale = steps if mode == "ttfs_quantized" else 1
    return (out.scores[0] * scale).round(9).tolist()


def test_ttfs_quantized_bottom_bin_and_top():
    # inputs on the S = 4 grid: level 1 (x = 0.25) and level 4 (x = 1)
    weights = np.array([[1, 0, -1, 8], [0, 0, 0, 8]])
    assert levels("ttfs_quantized", 4, weights, [40, 1, 1, 8], [0.25, 1.0]) == [1.0, 0.0, 0.0, 4.0]


def test_ttfs_quantized_matches_fire_time_closed_form():
    steps, theta = 8, 13
    for v in range(-3, 40):
        # one input at level S (x = 1) with weight v: v_level = v * S, so v / theta is the value
        k = min(max(math.ceil(steps * (1 - v / theta)), 0), steps - 1) if v > 0 else None
        expected = 0 if k is None else steps - k
        assert levels("ttfs_quantized", steps, np.array([[v]]), [theta], [1.0]) == [float(expected)], v


def test_continuous_ttfs_clamps():
    assert levels("ttfs", 32, np.array([[0.5, 2.0, -1.0]]), [1.0, 1.0, 1.0], [0.6]) == [0.3, 1.0, 0.0]


def cycle_by_cycle_fire_step(weights, input_levels, theta, steps):
    """Two S-step windows, step by step: inputs spike at S - level in the first window and each then adds
    its weight every step; in the second the threshold descends, theta * (S - k) at step k (any
    positive potential fires at the last step). Returns the fire step, or None."""
    potential = 0
    for t in range(steps):
        potential += sum(w for w, level in zip(weights, input_levels) if level and t >= steps - level)
    for k in range(steps):
        if potential > 0 and (potential >= theta * (steps - k) or k == steps - 1):
            return k
    return None


@pytest.mark.parametrize("seed", range(30))
def test_cycle_by_cycle_ttfs_gives_the_closed_form_spikes(seed):
    rng = np.random.default_rng(seed)
    steps, n_inputs = 16, 5
    weights = rng.integers(-20, 30, n_inputs)
    theta = int(rng.integers(1, 80))
    x = rng.integers(0, steps + 1, n_inputs) / steps
    fire = cycle_by_cycle_fire_step(weights, (x * steps).round().astype(int), theta, steps)
    expected = 0.0 if fire is None else float(steps - fire)
    assert levels("ttfs_quantized", steps, weights.reshape(-1, 1), [theta], x.tolist()) == [expected]


@pytest.mark.parametrize("thresholding,expected", [("<", 3), ("<=", 4)])
def test_rate_uniform_encoding_and_thresholding(thresholding, expected):
    # x = 0.5 over T = 8: input spikes at cycles 1, 3, 5, 7; weight 1, threshold 1.
    # "<": V = 1 waits, 2 fires (-> 1), 2 fires, 2 fires: 3.  "<=": every input spike fires: 4.
    program = one_layer("rate", 8, np.array([[1]]), [1], 1)
    for run in (simulate, simulate_reference):
        assert run(program, np.array([[0.5]]), thresholding=thresholding).spike_counts[0] == expected


@pytest.mark.parametrize("firing,expected", [("default", 5), ("novena", 4)])
def test_rate_firing_subtracts_or_resets(firing, expected):
    # an input spike every cycle (x = 1), weight 3, threshold 4. Subtract: V = 3, 6F, 5F, 4, 7F, 6F, 5F, 4
    # (5 spikes). Reset: V = 3, 6F, 3, 6F, 3, 6F, 3, 6F (4 spikes).
    program = one_layer("rate", 8, np.array([[3]]), [4], 1)
    for run in (simulate, simulate_reference):
        assert run(program, np.array([[1.0]]), firing=firing).spike_counts[0] == expected
