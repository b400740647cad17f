"""NIR export: every rate-coded spec's chip is written, read back with `nir`, and checked against its program."""

from types import SimpleNamespace

import nir
import numpy as np
import pytest

from mappers.hardware.lowering import chip_program
from mappers.hardware.mapping import map_hard_cores
from runner.check import platform_budget
from runner.errors import UserError
from runner.nir_export import nir_graph
from tests.simulator.spec_programs import SPECS, random_integer_ir, spec_ir


def effective_inputs(graph, target: str, size: int) -> np.ndarray:
    """(outputs x values) matrix: what `target` receives from every value of the chip, read off the graph."""
    names = {"input": (2, graph.nodes["input"].input_type["input"][0])}
    for name, node in graph.nodes.items():
        if name.startswith(("core", "op")) and "." not in name:
            names[name] = (int(node.metadata["first_value"]), None)
    matrix = None
    for synapse, node in graph.nodes.items():
        if not synapse.startswith(f"{target}.from."):
            continue
        assert (synapse, target) in graph.edges
        producer = synapse.split(".from.")[1]
        assert (producer, synapse) in graph.edges
        if matrix is None:
            matrix = np.zeros((node.weight.shape[0], size))
        start = names[producer][0]
        matrix[:, start:start + node.weight.shape[1]] += node.weight
        matrix[:, 1] += node.bias
    return matrix


def check_against_program(graph, program):
    """Every core: weights (through its synapses), thresholds, kind; every op: its rows and reduction."""
    for c in range(program.n_cores):
        node = graph.nodes[f"core{c}"]
        expected = np.zeros((program.neuron_count[c], program.n_values))
        np.add.at(expected.T, program.core_sources(c), program.core_weights(c))
        expected[:, 0] = 0
        got = effective_inputs(graph, f"core{c}", program.n_values)
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(node.metadata["weights"], program.core_weights(c))
        kind = {0: nir.IF, 1: nir.Scale, 2: nir.I}[int(program.core_kind[c])]
        assert isinstance(node, kind)
        if kind is nir.IF:
            theta = program.thresholds[program.neuron_offset[c]:program.neuron_offset[c] + program.neuron_count[c]]
            np.testing.assert_array_equal(node.v_threshold, theta)
            assert node.metadata["reset"] == "subtract"
    for o in range(len(program.op_position)):
        rows = program.op_sources[program.op_source_offset[o]:program.op_source_offset[o + 1]]
        expected = np.zeros((len(rows), program.n_values))
        expected[np.arange(len(rows)), rows] = 1
        expected[:, 0] = 0
        np.testing.assert_array_equal(effective_inputs(graph, f"op{o}.rows", program.n_values), expected)
        assert graph.nodes[f"op{o}"].metadata["crossbar_op"] == ("max" if program.op_kind[o] == 0 else "sum")
        assert (f"op{o}.rows", f"op{o}") in graph.edges
    readout = effective_inputs(graph, "output", program.n_values)
    np.testing.assert_array_equal(np.argmax(readout, axis=1), program.output_values)


RATE_SPECS = [name for name in SPECS if spec_ir(name)[0].spiking.mode == "rate"]


@pytest.mark.parametrize("name", RATE_SPECS)
def test_rate_spec_exports_and_reads_back(name, tmp_path):
    spec, ir = spec_ir(name)
    ir = random_integer_ir(ir, 0, spec.spiking.steps)
    types = platform_budget(spec.platform)[1]
    mapping = map_hard_cores(ir, types, spec.platform.threshold)
    nir.write(tmp_path / "chip.nir", nir_graph(mapping, spec.spiking))
    graph = nir.read(tmp_path / "chip.nir")
    assert graph.metadata["mode"] == "rate" and graph.metadata["steps"] == spec.spiking.steps
    check_against_program(graph, chip_program(ir, "rate", spec.spiking.steps))
    placed = graph.nodes["core0"].metadata
    assert placed["hard_core"] == mapping.hard_core[0] and placed["axon_offset"] == mapping.axon_offset[0]


def test_ttfs_is_refused_with_a_clear_message():
    spec, ir = spec_ir("quickstart_mlp_ttfs")
    mapping = map_hard_cores(ir, platform_budget(spec.platform)[1], spec.platform.threshold)
    with pytest.raises(UserError, match="NIR has no fire-once"):
        nir_graph(mapping, SimpleNamespace(mode="ttfs"))
