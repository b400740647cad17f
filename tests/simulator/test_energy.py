"""Energy per inference by hand: the events of tiny programs, the presets' documented values, the ANN's MACs."""

import numpy as np
import pytest

from mappers.hardware.hard_program import hard_program
from mappers.graph.macs import macs_per_layer
from mappers.zoo.conv import build_conv
from runner.steps.energy import layer_events
from simulator import build_program, simulate, simulate_reference
from simulator.blocks import block_program
from simulator.energy import ANN_PJ_PER_MAC, PRESETS, EnergyCosts, energy_pj, host_values, neuron_updates
from simulator.hard_program import message_fanout
from simulator.hard_reference import simulate_hard_reference
from simulator.program import OUTPUT, SPIKING
from tests.hardware.hard_programs import TWO_TYPES, ir_of, packed
from tests.simulator.random_programs import random_inputs, random_program
from tests.simulator.test_time import two_layers

ONE_CORE_EACH = np.array([(2, 1, 4)])
"""Hard cores of 2 axons x 1 neuron: every soft core of `two_layers` gets a hard core of its own."""


def test_presets_hold_their_documented_values():
    # neuron update: access 51.2 + update 21.6 pJ
    assert PRESETS["loihi"] == EnergyCosts(synaptic_ops=35.5, neuron_updates=72.8, spikes=69.3,
                                           messages=111.0, host_values=1300.0)
    assert PRESETS["truenorth"] == EnergyCosts(synaptic_ops=26.0, neuron_updates=0.0, spikes=0.0, messages=0.0,
                                               host_values=1300.0)
    assert ANN_PJ_PER_MAC == {"fp32": 4.6, "int8": 0.23}  # 3.7 + 0.9 and 0.2 + 0.03


def runs(mode: str, steps: int, types, x):
    """The kernels on the hard-core blocks, the soft-core reference and the dense hard-core reference of
    `two_layers` packed onto `types`."""
    program = two_layers(mode, steps)
    hard = hard_program(packed(ir_of(program), types), mode, steps, "per_neuron")
    fanout = message_fanout(hard)
    return program, fanout, (simulate(block_program(hard), x, fanout=fanout),
                             simulate_reference(program, x, fanout=fanout), simulate_hard_reference(hard, x))


def test_rate_program_energy_by_hand():
    """T = 4, x = 1, zero delay: the hidden neuron fires twice (see test_time); each spike leaves its hard core for
    the output's: 2 messages. Synaptic ops 8 + 6, neuron updates 4 + 4 (one neuron a core, every cycle)."""
    program, fanout, outs = runs("rate", 4, ONE_CORE_EACH, np.array([[1.0]]))
    assert fanout.tolist() == [0, 0, 0, 1, 0]
    for out in outs:
        assert out.messages.tolist() == [2, 0] and out.spike_counts.tolist() == [2, 0]
    events = layer_events(ir_of(program), program, outs[0], 1, 0)
    assert events == {"core0": {"synaptic_ops": 8.0, "neuron_updates": 4.0, "spikes": 2.0, "messages": 2.0,
                                "host_values": 0.0},
                      "core1": {"synaptic_ops": 6.0, "neuron_updates": 4.0, "spikes": 0.0, "messages": 0.0,
                                "host_values": 0.0}}
    priced = [energy_pj(PRESETS["loihi"], e) for e in events.values()]
    assert sum(sum(p.values()) for p in priced) == pytest.approx(14 * 35.5 + 8 * 72.8 + 2 * 69.3 + 2 * 111.0,
                                                                   rel=1e-15)
    assert sum(sum(p.values()) for p in priced) == pytest.approx(1440.0, rel=1e-15)


def test_a_spike_read_on_its_own_hard_core_sends_no_message():
    program, fanout, outs = runs("rate", 4, TWO_TYPES, np.array([[1.0]]))
    assert fanout.tolist() == [0] * 5
    assert [out.messages.tolist() for out in outs] == [[0, 0]] * 3


@pytest.mark.parametrize("evaluation", ["closed_form", "cycles"])
def test_ttfs_program_energy_by_hand(evaluation):
    """S = 4, x = 1: hidden v = 2 * 4 + 1 * 4 = 12, level floor(12 / 4) = 3, one spike, one message; every neuron
    updated once; synaptic ops 2 + 2 (two active axons a core, one neuron each)."""
    program, fanout, outs = runs("ttfs_quantized", 4, ONE_CORE_EACH, np.array([[1.0]]))
    hard = hard_program(packed(ir_of(program), ONE_CORE_EACH), "ttfs_quantized", 4, "per_neuron")
    chip = simulate(block_program(hard), np.array([[1.0]]), fanout=fanout, evaluation=evaluation)
    for out in (chip, *outs):
        assert out.messages.tolist() == [1, 0] and out.spike_counts.tolist() == [1, 0]
        assert out.synaptic_ops.tolist() == [2, 2]
    assert neuron_updates(program).tolist() == [1, 1]
    total = sum(sum(energy_pj(PRESETS["truenorth"], e).values())
                for e in layer_events(ir_of(program), program, chip, 1, 0).values())
    assert total == 4 * 26.0


def test_neuron_updates_follow_the_stage_cycles():
    """With the one-cycle delay the rate stage runs T + 1 cycles: every neuron is updated 5 times."""
    assert neuron_updates(two_layers("rate", 4), delay=1).tolist() == [5, 5]


def test_host_values_by_hand():
    """Two hidden neurons (values 3, 4) go to a max on the host (2 values off) and its result (value 5) comes back
    for the output core (1 value on): 3 values per inference."""
    hidden = {"weights": np.array([[1, 2], [1, 1]]), "thresholds": np.array([1, 1]), "kind": SPIKING,
              "value_start": 3, "sources": np.array([2, 1])}
    output = {"weights": np.array([[1], [1]]), "thresholds": np.array([1]), "kind": OUTPUT, "value_start": 6,
              "sources": np.array([5, 1])}
    op = {"sources": np.array([[3, 4]]), "position": 1, "value_start": 5}
    program = build_program("rate", 4, 1, 7, [hidden, output], [op], np.array([6]))
    assert host_values(program).tolist() == [3]


@pytest.mark.parametrize("seed", range(2))
def test_cycles_count_the_closed_form_messages(seed):
    program = random_program(seed, "ttfs_quantized", 16, integer=True, layers=4)
    hard = hard_program(packed(ir_of(program), TWO_TYPES), "ttfs_quantized", 16, "per_neuron")
    fanout, x = message_fanout(hard), random_inputs(seed, 40)
    closed = simulate(block_program(hard), x, fanout=fanout)
    assert closed.messages.sum() > 0
    assert closed.same_as(simulate(block_program(hard), x, fanout=fanout, evaluation="cycles"))
    assert closed.same_as(simulate_hard_reference(hard, x))


def test_macs_come_from_the_network():
    """8x8 input, a 3x3 convolution to 4 channels (padding 1), a 2x2 pool, fc1 64 -> 16, fc2 16 -> 10."""
    graph = build_conv({"channels": (4,), "pool_after": (0,), "hidden": (16,)}, (1, 8, 8), 10)
    assert macs_per_layer(graph) == {"conv1": 4 * 8 * 8 * 9, "fc1": 64 * 16, "fc2": 16 * 10}
