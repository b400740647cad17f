"""The exported chip, run by a real consumer: nirtorch with a node map written from NIR's definitions (dt = 1
cycle, our metadata unread) gives the class scores of `simulate()` on every sample, and its predictions.

Equal to float64 rounding: an output I adds r x each cycle where the chip divides its integer potential once.
Both rate quickstarts, the conv one with its max-pool on cores (159 cores written as 35 nodes)."""

import dataclasses

import nir
import numpy as np
import pytest

import simulator
from mappers.hardware.hard_program import hard_program
from runner.nir_export import nir_graph
from runner.nir_reference import nir_scores
from simulator.blocks import block_program
from simulator.hard_program import message_fanout
from tests.simulator.spec_programs import spec_mapping


def nirtorch_scores(graph, x: np.ndarray) -> np.ndarray:
    """The output node's values after the graph's `cycles` cycles, the inputs spiking in the first `steps`."""
    return nir_scores(graph, x, graph.metadata["steps"], "uniform", graph.metadata["cycles"], accumulate=False)


CHIPS = [("quickstart_mlp_rate", {}), ("quickstart_mlp_sanafe", {}), ("quickstart_mlp_rate", {"thresholding": "<="}),
         ("quickstart_mlp_rate", {"firing": "novena", "thresholding": "<="}),
         ("quickstart_mlp_rate", {"firing": "novena", "synaptic_delay": 1}), ("quickstart_conv_rate", {}),
         ("quickstart_conv_rate", {"firing": "novena", "thresholding": "<=", "synaptic_delay": 1})]


@pytest.mark.parametrize("name, change", CHIPS)
def test_nirtorch_gives_the_chips_class_scores(name, change, tmp_path):
    spec, mapping = spec_mapping(name, max_pool="cores")
    spiking = dataclasses.replace(spec.spiking, **change)
    nir.write(tmp_path / "chip.nir", nir_graph(mapping, spiking))
    x = np.random.default_rng(1).random((40, mapping.ir.n_inputs))
    x[:4] = [[0], [1], [0.5], [1 / 3]]
    hard = hard_program(mapping, "rate", spiking.steps)
    expected = simulator.simulate(block_program(hard), x, fanout=message_fanout(hard), firing=spiking.firing,
                                  thresholding=spiking.thresholding, delay=spiking.synaptic_delay)
    got = nirtorch_scores(nir.read(tmp_path / "chip.nir"), x)
    np.testing.assert_allclose(got, expected.scores, rtol=1e-12, atol=0)
    assert np.array_equal(np.argmax(got, axis=1), expected.predictions)
