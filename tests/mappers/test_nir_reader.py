"""What the NIR importer reads, and the one message it gives for a node no chip computes."""

import nir
import numpy as np
import pytest

from mappers.zoo.nir import NirUnsupported, build_nir

W1, W2 = np.arange(12.0).reshape(3, 4) / 10, np.ones((2, 3))


def write(tmp_path, neuron) -> dict:
    """A 4 -> 3 -> 2 graph: Affine, `neuron`, Linear, into Output."""
    nodes = {"input": nir.Input({"input": np.array([4])}), "fc1": nir.Affine(W1, np.zeros(3)), "n1": neuron,
             "fc2": nir.Linear(W2), "output": nir.Output({"output": np.array([2])})}
    graph = nir.NIRGraph(nodes=nodes, edges=[("input", "fc1"), ("fc1", "n1"), ("n1", "fc2"), ("fc2", "output")])
    nir.write(tmp_path / "g.nir", graph)
    return {"file": str(tmp_path / "g.nir")}


def test_an_if_population_becomes_a_perceptron_of_its_effective_weights(tmp_path):
    config = write(tmp_path, nir.IF(np.full(3, 2.0), np.full(3, 4.0), np.zeros(3)))
    graph = build_nir(config, (4,), 2)
    hidden, readout = [p for _, p in graph.perceptrons()]
    np.testing.assert_allclose(hidden.layer.weight.detach().numpy(), W1 * 2 / 4, rtol=1e-6)
    np.testing.assert_allclose(readout.layer.weight.detach().numpy(), W2)
    assert graph.nir_firing == [("zero", False)] and readout.is_output


@pytest.mark.parametrize("neuron, gain", [
    (nir.LIF(np.full(3, np.inf), np.full(3, np.inf), np.zeros(3), np.ones(3), np.zeros(3)), 1.0),
    (nir.CubaLIF(np.ones(3), np.full(3, np.inf), np.full(3, np.inf), np.zeros(3), np.ones(3), np.zeros(3),
                 np.full(3, 2.0)), 2.0)])
def test_a_non_leaky_lif_reads_as_if(tmp_path, neuron, gain):
    hidden = next(p for _, p in build_nir(write(tmp_path, neuron), (4,), 2).perceptrons())
    np.testing.assert_allclose(hidden.layer.weight.detach().numpy(), W1 * gain, rtol=1e-12)


@pytest.mark.parametrize("neuron, problem", [
    (nir.LIF(np.full(3, 20.0), np.ones(3), np.zeros(3), np.ones(3), np.zeros(3)), "node 'n1' is a leaky LIF"),
    (nir.IF(np.ones(3), np.ones(3), np.full(3, 0.5)), "node 'n1' resets to a non-zero v_reset"),
    (nir.CubaLIF(np.full(3, 5.0), np.full(3, np.inf), np.full(3, np.inf), np.zeros(3), np.ones(3), np.zeros(3)),
     "node 'n1' is a CubaLIF whose synaptic current outlasts a cycle"),
    (nir.Threshold(np.ones(3)), "node 'n1' is a Threshold outside the subtractive neuron"),
])
def test_a_neuron_no_chip_computes_is_refused_by_name(tmp_path, neuron, problem):
    with pytest.raises(NirUnsupported, match=problem):
        build_nir(write(tmp_path, neuron), (4,), 2)


def test_a_node_it_does_not_read_is_named_with_what_it_reads(tmp_path):
    nodes = {"input": nir.Input({"input": np.array([4])}), "fc1": nir.Linear(W1),
             "li": nir.LI(np.ones(3), np.ones(3), np.zeros(3)), "output": nir.Output({"output": np.array([3])})}
    nir.write(tmp_path / "g.nir", nir.NIRGraph(nodes=nodes, edges=[("input", "fc1"), ("fc1", "li"), ("li", "output")]))
    with pytest.raises(NirUnsupported, match="node 'li' is a LI; between populations the importer reads"):
        build_nir({"file": str(tmp_path / "g.nir")}, (4,), 3)


def test_a_file_that_is_not_nir_is_refused(tmp_path):
    (tmp_path / "g.nir").write_text("not hdf5")
    with pytest.raises(NirUnsupported, match="not a readable NIR file"):
        build_nir({"file": str(tmp_path / "g.nir")}, (4,), 2)
