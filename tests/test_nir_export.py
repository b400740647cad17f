"""NIR export: every rate-coded spec's chip is written, read back with `nir`, and checked against its program."""

import dataclasses
from types import SimpleNamespace

import nir
import numpy as np
import pytest

from mappers.hardware.lowering import chip_program
from mappers.hardware.mapping import map_hard_cores
from runner.check import platform_budget
from runner.errors import UserError
from runner.nir_export import nir_graph
from simulator.timing import schedule
from tests.simulator.spec_programs import SPECS, spec_ir, spec_mapping


def population_nodes(graph) -> dict:
    """The nodes that make a population's output (they carry its cores), by name."""
    return {name: node for name, node in graph.nodes.items() if "cores" in node.metadata}


def effective_inputs(graph, target: str, size: int) -> np.ndarray:
    """(outputs x values) matrix: what `target` receives from every value of the chip, read off the graph."""
    width = int(next(iter(graph.nodes["input"].input_type.values()))[0])
    values = {"input": np.arange(2, 2 + width)} | {name: node.metadata["values"]
                                                   for name, node in population_nodes(graph).items()}
    into = f"{target}.membrane" if f"{target}.membrane" in graph.nodes else target
    hop = graph.metadata["synaptic_delay"] == 1 and target != "output"  # the readout is read at the end
    matrix = None
    for synapse, node in graph.nodes.items():
        if not synapse.startswith(f"{target}.from."):
            continue
        assert (synapse, into) in graph.edges
        producer = synapse.split(".from.")[1]
        assert (f"{producer}.hop" if hop and producer != "input" else producer, synapse) in graph.edges
        if matrix is None:
            matrix = np.zeros((node.weight.shape[0], size))
        matrix[:, values[producer]] += node.weight
        matrix[:, 1] += node.bias
    return matrix


def check_neurons(graph, name: str, theta: np.ndarray, kind: int) -> None:
    """A population's neurons under NIR's definitions: IF or I, Threshold, Scale(-theta) and Delay; I; Scale."""
    node, settings = graph.nodes[name], graph.metadata
    fire_above = theta - 0.5 if settings["thresholding"] == "<=" else theta
    if kind == 2:
        assert isinstance(node, nir.I)
        np.testing.assert_array_equal(node.r, 1 / (settings["steps"] * theta))
    elif kind == 1:
        assert isinstance(node, nir.Scale) and (node.scale == 1).all()
    elif settings["firing"] == "novena":
        assert isinstance(node, nir.IF) and node.metadata["reset"] == "zero"
        np.testing.assert_array_equal(node.v_threshold, fire_above)
        assert (node.r == 1).all() and (node.v_reset == 0).all()
    else:
        assert isinstance(node, nir.Threshold) and node.metadata["reset"] == "subtract"
        np.testing.assert_array_equal(node.threshold, fire_above)
        assert (graph.nodes[f"{name}.membrane"].r == 1).all()
        np.testing.assert_array_equal(graph.nodes[f"{name}.reset"].scale, -theta)
        assert (graph.nodes[f"{name}.reset_delay"].delay == 1).all()
        loop = [f"{name}.membrane", name, f"{name}.reset", f"{name}.reset_delay", f"{name}.membrane"]
        assert set(zip(loop, loop[1:])) <= set(graph.edges)
    if kind == 0:
        equal = settings["thresholding"] == "<="
        assert node.metadata["fires_when"] == ("v >= threshold" if equal else "v > threshold")


def check_against_program(graph, program):
    """Every population: its cores' weights (through its synapses) and exact integers, thresholds, neurons, each
    core in exactly one population; the readout."""
    seen = []
    for name, node in population_nodes(graph).items():
        values = node.metadata["values"]
        expected, theta, kinds = np.zeros((len(values), program.n_values)), np.zeros(len(values)), set()
        for key, core in node.metadata["cores"].items():
            c = int(key[len("core"):])
            n = int(program.neuron_count[c])
            rows = np.flatnonzero((values >= core["first_value"]) & (values < core["first_value"] + n))
            block = np.zeros((n, program.n_values))
            np.add.at(block.T, program.core_sources(c), program.core_weights(c))
            block[:, 0] = 0
            expected[rows] = block
            theta[rows] = program.thresholds[program.neuron_offset[c]:program.neuron_offset[c] + n]
            kinds.add(int(program.core_kind[c]))
            np.testing.assert_array_equal(core["weights"], program.core_weights(c))
            seen.append(c)
        np.testing.assert_array_equal(effective_inputs(graph, name, program.n_values), expected)
        assert len(kinds) == 1
        check_neurons(graph, name, theta, kinds.pop())
    assert sorted(seen) == list(range(program.n_cores))
    readout = effective_inputs(graph, "output", program.n_values)
    np.testing.assert_array_equal(np.argmax(readout, axis=1), program.output_values)


RATE_SPECS = [name for name in SPECS if spec_ir(name)[0].spiking.mode == "rate"]
SPIKING = [{}, {"thresholding": "<="}, {"firing": "novena"}, {"firing": "novena", "thresholding": "<=",
                                                              "synaptic_delay": 1}]


@pytest.mark.parametrize("change", SPIKING)
@pytest.mark.parametrize("name", RATE_SPECS)
def test_rate_spec_exports_and_reads_back(name, change, tmp_path):
    spec, mapping = spec_mapping(name, max_pool="cores")
    spiking = dataclasses.replace(spec.spiking, **change)
    nir.write(tmp_path / "chip.nir", nir_graph(mapping, spiking))
    graph = nir.read(tmp_path / "chip.nir")
    assert graph.metadata["mode"] == "rate" and graph.metadata["steps"] == spiking.steps
    program = chip_program(mapping.ir, "rate", spiking.steps)
    assert graph.metadata["cycles"] == schedule(program, spiking.synaptic_delay).latency
    assert graph.metadata["time"].startswith("discrete, dt = 1 cycle; a spike is a unit input for one cycle")
    check_against_program(graph, program)
    placed = next(node.metadata["cores"]["core0"] for node in population_nodes(graph).values()
                  if "core0" in node.metadata["cores"])
    assert placed["hard_core"] == mapping.hard_core[0] and placed["axon_offset"] == mapping.axon_offset[0]


def test_host_compute_ops_are_refused_never_written_as_sums():
    spec, mapping = spec_mapping("quickstart_conv_rate")
    assert mapping.ir.ops
    with pytest.raises(UserError, match=r"runs 1 compute op\(s\) \(max\) on the host.*platform.max_pool: cores"):
        nir_graph(mapping, spec.spiking)


def test_a_chip_firing_at_equality_with_real_weights_is_refused():
    spec, ir = spec_ir("quickstart_mlp_rate")
    mapping = map_hard_cores(ir, platform_budget(spec.platform)[1], spec.platform.threshold)
    with pytest.raises(UserError, match="exact only on integer potentials"):
        nir_graph(mapping, dataclasses.replace(spec.spiking, thresholding="<="))


def test_ttfs_is_refused_with_a_clear_message():
    spec, ir = spec_ir("quickstart_mlp_ttfs")
    mapping = map_hard_cores(ir, platform_budget(spec.platform)[1], spec.platform.threshold)
    with pytest.raises(UserError, match="NIR has no fire-once"):
        nir_graph(mapping, SimpleNamespace(mode="ttfs"))
