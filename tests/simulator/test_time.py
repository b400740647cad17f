"""Time on the chip, computed by hand: rate coding's synaptic delay, and the latency of small programs."""

import numpy as np
import pytest

from mappers.hardware.hard_program import hard_program
from simulator import build_program, simulate, simulate_reference
from simulator.hard_reference import simulate_hard_reference
from simulator.program import OUTPUT, SPIKING
from simulator.timing import schedule
from tests.hardware.hard_programs import ir_of, packed


def two_layers(mode: str, steps: int, ops=()):
    """Input (value 2) and the always-on axon -> a hidden neuron (value 3: weights 2, 1; threshold 4) -> an output
    neuron (value 4: weights 1, 1; threshold 1)."""
    hidden = {"weights": np.array([[2], [1]]), "thresholds": np.array([4]), "kind": SPIKING, "value_start": 3,
              "sources": np.array([2, 1])}
    output = {"weights": np.array([[1], [1]]), "thresholds": np.array([1]), "kind": OUTPUT, "value_start": 4,
              "sources": np.array([3, 1])}
    return build_program(mode, steps, 1, 5, [hidden, output], list(ops), np.array([4]))


@pytest.mark.parametrize("delay,spikes,score,synops", [
    # Zero delay, T = 4, x = 1 (an input spike every cycle): hidden V = 3, 6 fires (2), 5 fires (1), 4 waits:
    # 2 spikes, seen in the same cycles; output potential 2 + 4 (bias) = 6, score 6 / 4.
    # Synaptic operations: hidden 4 input + 4 bias events, output 2 hidden + 4 bias events.
    (0, [2, 0], 1.5, [8, 6]),
    # One-cycle delay: depth 2, so 4 + 1 = 5 cycles. Hidden as before, then in cycle 4 the bias alone: 4 + 1 = 5
    # fires: 3 spikes. The output sees them a cycle late (cycles 2, 3; the third would arrive in cycle 5, after the
    # end) plus 5 biases: 7, score 7 / 4. Synaptic operations: hidden 4 + 5, output 2 + 5.
    (1, [3, 0], 1.75, [9, 7]),
])
def test_rate_delay_by_hand(delay, spikes, score, synops):
    program = two_layers("rate", 4)
    hard = hard_program(packed(ir_of(program)), "rate", 4, "per_neuron")
    x = np.array([[1.0]])
    runs = (simulate(program, x, delay=delay), simulate_reference(program, x, delay=delay),
            simulate_hard_reference(hard, x, delay=delay))
    for out in runs:
        assert out.spike_counts.tolist() == spikes and out.scores.tolist() == [[score]]
        assert out.synaptic_ops.tolist() == synops
    assert schedule(program, delay).latency == 4 + delay


def test_ttfs_latency_by_hand():
    """S = 8: the input spikes in window 0, the hidden core integrates there and fires in window 1 (cycles 8-15),
    the output core integrates in window 1 and is read at its end: 16 cycles; pipelined, one inference per 2 S."""
    timing = schedule(two_layers("ttfs_quantized", 8))
    assert timing.start.tolist() == [0, 8] and timing.end.tolist() == [16, 16]
    assert timing.latency == 16 and timing.interval == 16


@pytest.mark.parametrize("delay", [2, -1])
def test_a_delay_other_than_zero_or_one_cycle_is_refused(delay):
    with pytest.raises(ValueError, match="expected 0 or 1 cycle per core hop"):
        simulate(two_layers("rate", 4), np.array([[1.0]]), delay=delay)
