"""The exported chip, run by a real consumer: nirtorch with a node map written from NIR's definitions (dt = 1
cycle, our metadata unread) gives the class scores of `simulate()` on every sample, and its predictions.

Equal to float64 rounding: an output I adds r x each cycle where the chip divides its integer potential once.
The conv quickstart's chip (max-pool on cores, 2,232 nodes) is not among them: nirtorch takes 8 to 13 minutes to
load a graph of one node per core, more than the suite can give it."""

import dataclasses

import nir
import nirtorch
import numpy as np
import pytest
import torch

import simulator
from mappers.hardware.hard_program import hard_program
from runner.nir_export import nir_graph
from simulator.blocks import block_program
from simulator.hard_program import message_fanout
from simulator.reference import input_train
from tests.simulator.spec_programs import spec_mapping


class Affine(torch.nn.Module):
    """y = W x + b."""

    def __init__(self, node):
        super().__init__()
        self.weight, self.bias = torch.from_numpy(node.weight), torch.from_numpy(node.bias)

    def forward(self, x):
        return x @ self.weight.T.to(x.dtype) + self.bias.to(x.dtype)


class Scale(torch.nn.Module):
    """y = s * x."""

    def __init__(self, node):
        super().__init__()
        self.scale = torch.from_numpy(node.scale)

    def forward(self, x):
        return x * self.scale


class Threshold(torch.nn.Module):
    """z = 1 where x > threshold."""

    def __init__(self, node):
        super().__init__()
        self.threshold = torch.from_numpy(node.threshold)

    def forward(self, x):
        return (x > self.threshold).to(x.dtype)


class Integrator(torch.nn.Module):
    """I: dv/dt = r x, one Euler step of dt = 1 per call; the output is v."""

    def __init__(self, node):
        super().__init__()
        self.r = torch.from_numpy(node.r)

    def forward(self, x, state=None):
        v = self.r * x if state is None else state + self.r * x
        return v, v


class IntegrateAndFire(torch.nn.Module):
    """IF: dv/dt = r x; z = 1 where v > v_threshold, and there v = v_reset."""

    def __init__(self, node):
        super().__init__()
        self.r, self.v_threshold = torch.from_numpy(node.r), torch.from_numpy(node.v_threshold)
        self.v_reset = torch.from_numpy(node.v_reset)

    def forward(self, x, state=None):
        v = self.r * x if state is None else state + self.r * x
        z = v > self.v_threshold
        return z.to(x.dtype), torch.where(z, self.v_reset, v)


class DelayLine(torch.nn.Module):
    """y_t = x_(t - cycles) (zero before), cycles >= 0."""

    def __init__(self, cycles: int):
        super().__init__()
        self.cycles = cycles

    def forward(self, x, state=None):
        line = [torch.zeros_like(x)] * self.cycles if state is None else state
        line = line + [x]
        return line[0], line[1:]


def reaches_itself(after: dict, name: str) -> bool:
    """Whether node `name`'s output comes back to it (`after`: each node's readers)."""
    seen, todo = set(), list(after.get(name, []))
    while todo:
        node = todo.pop()
        if node == name:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(after.get(node, []))
    return False


def node_map(graph) -> dict:
    """NIR's definitions in discrete time. nirtorch feeds a loop's back edge the output of the previous call, one
    cycle of delay already, so a Delay on a loop adds one cycle less there."""
    after = {}
    for a, b in graph.edges:
        after.setdefault(a, []).append(b)
    looped = {id(node) for name, node in graph.nodes.items()
              if isinstance(node, nir.Delay) and reaches_itself(after, name)}
    delay = lambda node: DelayLine(int(node.delay.max()) - (id(node) in looped))
    return {nir.Affine: Affine, nir.Scale: Scale, nir.Threshold: Threshold, nir.I: Integrator,
            nir.IF: IntegrateAndFire, nir.Delay: delay}


def nirtorch_scores(graph, x: np.ndarray) -> np.ndarray:
    """The output node's values after the graph's `cycles` cycles, the inputs spiking in the first `steps`."""
    module = nirtorch.nir_to_torch(graph, node_map(graph), dtype=torch.float64)
    steps, cycles = graph.metadata["steps"], graph.metadata["cycles"]
    x, state, out = torch.from_numpy(x), None, None
    for t in range(cycles):
        spikes = input_train(x, t, steps, "uniform", None).double() if t < steps else torch.zeros_like(x)
        out, state = module(spikes, state)
    return out.numpy()


CHIPS = [("quickstart_mlp_rate", {}), ("quickstart_mlp_sanafe", {}), ("quickstart_mlp_rate", {"thresholding": "<="}),
         ("quickstart_mlp_rate", {"firing": "novena", "thresholding": "<="}),
         ("quickstart_mlp_rate", {"firing": "novena", "synaptic_delay": 1})]


@pytest.mark.parametrize("name, change", CHIPS)
def test_nirtorch_gives_the_chips_class_scores(name, change, tmp_path):
    spec, mapping = spec_mapping(name)
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
