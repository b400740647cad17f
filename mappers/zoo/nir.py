"""A NIR graph of integrate-and-fire neurons as a mapper graph: one perceptron per neuron population.

Time is discrete (dt = 1 cycle, a spike a unit input for one cycle, a bias added once per cycle). A population
integrates `r` times its synaptic input and fires above `theta`, so its rate is the ReLU of
`r (W s + b) / theta`, clamped at one spike per cycle: the perceptron's effective parameters are `r W / theta`,
`r b / theta`. Synapse nodes between populations (Affine, Linear, Scale, Flatten, Delay) compose into one
linear map per source population. Populations are NIR's `IF` (reset to `v_reset` = 0), `LIF` whose `tau` is
infinite (snnTorch's `beta = 1`, gain `r / tau` read as 1 when both are infinite), and the subtractive
neuron `I` (r) -> `Threshold` (theta) with the spike fed back through `Scale(-theta)` and `Delay(1)`; the
readout is an `I` (its state, times `r`, the class score) or the synapses that feed `Output`.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mappers.graph.mappers import ConcatMapper, FlattenMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph, NodeList
from mappers.nn.perceptron import Perceptron

SYNAPSES = ("Affine", "Linear", "Scale", "Flatten", "Delay")


class NirUnsupported(ValueError):
    """The NIR file cannot be read, or a node of it is not a chip's integrate-and-fire computation."""


@dataclass
class Population:
    """A layer of neurons: the node that makes its spikes (`head`), the node its synapses feed (`entry`), its
    integration gain, threshold, firing rule and reset."""

    head: str
    entry: str
    gain: np.ndarray
    theta: np.ndarray
    fires_at_threshold: bool = False
    reset: str = "subtract"
    readout: bool = False
    inputs: dict = field(default_factory=dict)


def _kind(node) -> str:
    return type(node).__name__


def _vector(value, size: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, np.float64).reshape(-1), (size,)).copy()


class NirGraphReader:
    """The populations of a NIR graph, in input-to-output order, with each one's synaptic maps from its sources."""

    def __init__(self, graph, where: str):
        self.graph, self.where = graph, where
        self.nodes = graph.nodes
        self.into = {name: [] for name in self.nodes}
        self.out_of = {name: [] for name in self.nodes}
        for source, target in graph.edges:
            self.into[target].append(source)
            self.out_of[source].append(target)
        inputs = [n for n, node in self.nodes.items() if _kind(node) == "Input"]
        outputs = [n for n, node in self.nodes.items() if _kind(node) == "Output"]
        if len(inputs) != 1 or len(outputs) != 1:
            self.refuse("graph", f"has {len(inputs)} Input and {len(outputs)} Output nodes; one of each is needed")
        self.input, self.output = inputs[0], outputs[0]
        self.heads = {}
        for name, node in self.nodes.items():
            population = self.population(name, node)
            if population is not None:
                self.heads[name] = population
        self.loop_nodes = {n for p in self.heads.values() if p.entry != p.head for n in self.loop_of(p) | {p.entry}}
        for population in self.heads.values():
            population.inputs = self.contributions(population.entry, exclude=self.loop_of(population))
        self.readout = self.readout_population()

    def refuse(self, name: str, problem: str):
        raise NirUnsupported(f"{self.where}: node '{name}' {problem}")

    def width(self, name: str) -> int:
        types = self.nodes[name].output_type
        return int(np.prod(next(iter(types.values()))))

    def population(self, name: str, node) -> Population | None:
        kind = _kind(node)
        if kind == "IF":
            if np.any(np.asarray(node.v_reset) != 0):
                self.refuse(name, "resets to a non-zero v_reset; the chip resets to zero or subtracts its threshold")
            size = np.asarray(node.v_threshold).size
            return Population(name, name, _vector(node.r, size), _vector(node.v_threshold, size), reset="zero")
        if kind == "LIF":
            tau = np.asarray(node.tau, np.float64)
            if np.any(np.isfinite(tau)) or np.any(np.asarray(node.v_leak) != 0):
                self.refuse(name, "is a leaky LIF (finite tau or a v_leak); the chip's neurons do not leak")
            if np.any(np.asarray(node.v_reset) != 0):
                self.refuse(name, "resets to a non-zero v_reset; the chip resets to zero or subtracts its threshold")
            r, size = np.asarray(node.r, np.float64), np.asarray(node.v_threshold).size
            gain = np.where(np.isinf(r), 1.0, 0.0)  # r / tau: snnTorch's beta = 1 writes r = tau = inf
            if np.any(gain == 0):
                self.refuse(name, "has infinite tau with a finite r, so it integrates nothing")
            return Population(name, name, _vector(gain, size), _vector(node.v_threshold, size), reset="zero")
        if kind == "CubaLIF":
            self.refuse(name, "is a current-based LIF: its synaptic current integrates too, which no chip neuron does")
        if kind == "Threshold":
            return self.subtracting(name, node)
        return None

    def subtracting(self, name: str, node) -> Population:
        """The I -> Threshold -> Scale(-theta) -> Delay(1) -> I loop that ends at Threshold `name`."""
        feedback = [t for t in self.out_of[name] if _kind(self.nodes[t]) == "Scale"]
        membranes = [s for s in self.into[name] if _kind(self.nodes[s]) == "I"]
        delays = [t for f in feedback for t in self.out_of[f] if _kind(self.nodes[t]) == "Delay"]
        if len(membranes) != 1 or len(feedback) != 1 or len(delays) != 1 or \
                self.out_of[delays[0]] != membranes or len(self.into[name]) != 1:
            self.refuse(name, "is a Threshold outside the subtractive neuron I -> Threshold -> Scale(-theta) -> "
                        "Delay(1) -> I, the only form of it the chip computes")
        if np.any(np.asarray(self.nodes[delays[0]].delay) != 1):
            self.refuse(delays[0], "delays the reset by other than one cycle")
        theta = -np.asarray(self.nodes[feedback[0]].scale, np.float64).reshape(-1)
        fire_above = _vector(node.threshold, theta.size)
        half = np.all(np.isclose(fire_above, theta - 0.5, rtol=0, atol=1e-9))
        if not (half or np.array_equal(fire_above, theta)) or np.any(theta <= 0):
            self.refuse(name, "fires at a threshold other than the one it subtracts (or theta - 1/2, the `>=` rule "
                        "on integer potentials)")
        return Population(name, membranes[0], _vector(self.nodes[membranes[0]].r, theta.size), theta,
                          fires_at_threshold=bool(half and not np.array_equal(fire_above, theta)))

    def loop_of(self, population: Population) -> set:
        if population.entry == population.head:
            return set()
        feedback = [t for t in self.out_of[population.head] if _kind(self.nodes[t]) == "Scale"]
        return {feedback[0], self.out_of[feedback[0]][0]}

    def contributions(self, target: str, exclude: set = frozenset(), stop: str | None = None) -> dict:
        """{source population, the input or `stop`: (M, c)} with `target`'s input = sum of M @ output(source) + c."""
        total = {}
        for source in self.into[target]:
            if source in exclude:
                continue
            if source in (self.input, stop) or source in self.heads:
                width = self.width(source)
                self._add(total, source, np.eye(width), np.zeros(width))
                continue
            node, kind = self.nodes[source], _kind(self.nodes[source])
            if kind not in SYNAPSES:
                self.refuse(source, f"is a {kind}; between populations the importer reads "
                            f"{', '.join(SYNAPSES)} (Conv2d and pools are not imported yet)")
            matrix, offset = self.affine(source, node, kind)
            for producer, (m, c) in self.contributions(source, stop=stop).items():
                self._add(total, producer, matrix @ m, matrix @ c + offset)
        return total

    def affine(self, name: str, node, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """The node as y = A x + b on flat vectors."""
        if kind in ("Affine", "Linear"):
            weight = np.asarray(node.weight, np.float64)
            if weight.ndim != 2:
                self.refuse(name, f"has a weight of shape {weight.shape}; a dense synapse has a matrix")
            bias = np.asarray(node.bias, np.float64).reshape(-1) if kind == "Affine" else np.zeros(len(weight))
            return weight, bias
        width = self.width(name)
        if kind == "Scale":
            return np.diag(_vector(node.scale, width)), np.zeros(width)
        return np.eye(width), np.zeros(width)  # Flatten keeps the order; a Delay only shifts time

    @staticmethod
    def _add(total: dict, source: str, m: np.ndarray, c: np.ndarray) -> None:
        if source in total:
            m0, c0 = total[source]
            m, c = m0 + m, c0 + c
        total[source] = (m, c)

    def readout_population(self) -> Population:
        """The I node outside every loop, its state times r the class scores (Output reading it as it is), else
        the synapses that feed Output themselves."""
        readers = [n for n, node in self.nodes.items() if _kind(node) == "I" and n not in self.loop_nodes]
        if len(readers) > 1:
            self.refuse(readers[1], f"is a second readout I beside '{readers[0]}'; one I may make the scores")
        if not readers:
            size = self.width(self.output)
            population = Population(self.output, self.output, np.ones(size), np.ones(size), readout=True)
            population.inputs = self.contributions(self.output)
            return population
        reader = readers[0]
        passed = self.contributions(self.output, stop=reader)
        size = self.width(reader)
        if list(passed) != [reader] or not np.array_equal(passed[reader][0], np.eye(size)) or passed[reader][1].any():
            self.refuse(self.output, f"does not read the readout '{reader}' as it is (one score per state value)")
        r = _vector(self.nodes[reader].r, size)
        if np.any(r <= 0):
            self.refuse(reader, "scales its class scores by a non-positive r")
        whole = np.round(1 / r)  # an integer 1 / r is the readout's integer threshold, as we export it
        theta = np.where(np.abs(1 / r - whole) < 1e-9 * whole, whole, 1 / r)
        population = Population(reader, reader, np.ones(size), theta, readout=True)
        population.inputs = self.contributions(reader)
        return population

    def ordered(self) -> list[Population]:
        """The populations, each after the sources it reads; the readout last."""
        done, order = {self.input}, []
        pending = list(self.heads.values())
        while pending:
            ready = [p for p in pending if set(p.inputs) <= done]
            if not ready:
                self.refuse(pending[0].head, "reads a population that reads it back (a recurrent loop between "
                            "populations); the chip is feed-forward")
            for p in ready:
                order.append(p)
                done.add(p.head)
                pending.remove(p)
        if not set(self.readout.inputs) <= done:
            self.refuse(self.output, "reads a node that no population or the input makes")
        return order + [self.readout]


def read_nir(path: Path):
    """The NIR graph stored at `path` (HDF5 arrays; nothing in it runs)."""
    import nir

    try:
        return nir.read(path)
    except Exception as error:  # a file is input: any failure to parse it is the file's
        raise NirUnsupported(f"{path}: not a readable NIR file ({type(error).__name__}: {error})") from error


def build_nir(config: dict, input_shape: tuple[int, ...], n_classes: int) -> MapperGraph:
    """`config`: `file`, the .nir file (absolute). Its populations in order, each a Linear perceptron over its
    sources' spikes (concatenated) with the population's effective parameters; `native_threshold` keeps an
    integer theta under which the weights are integers already."""
    path = Path(config["file"])
    reader = NirGraphReader(read_nir(path), str(path))
    populations = reader.ordered()
    if reader.width(reader.input) != math.prod(input_shape):
        reader.refuse(reader.input, f"takes {reader.width(reader.input)} values; the data has "
                      f"{math.prod(input_shape)} per sample {tuple(input_shape)}")
    if len(reader.readout.theta) != n_classes:
        reader.refuse(reader.readout.head, f"gives {len(reader.readout.theta)} scores for {n_classes} classes")
    nodes = NodeList()
    index = {reader.input: nodes.add("flatten", FlattenMapper((0,)))}
    kinds = set()
    for population in populations:
        sources = list(population.inputs)
        source = index[sources[0]] if len(sources) == 1 else nodes.add(
            f"{population.head}.inputs", ConcatMapper(tuple(index[s] for s in sources)))
        weight = np.hstack([population.inputs[s][0] for s in sources])
        bias = sum(population.inputs[s][1] for s in sources)
        p = Perceptron(nn.Linear(weight.shape[1], weight.shape[0]), batch_norm=False, is_output=population.readout)
        scale = population.gain / population.theta
        with torch.no_grad():
            p.layer.weight.copy_(torch.from_numpy(weight * scale[:, None]))
            p.layer.bias.copy_(torch.from_numpy(bias * scale))
            p.native_threshold.fill_(native_threshold(weight * population.gain[:, None],
                                                      bias * population.gain, population.theta))
        index[population.head] = nodes.add(population.head, PerceptronMapper(source, p))
        if not population.readout:
            kinds.add((population.reset, population.fires_at_threshold))
    graph = nodes.graph(input_shape)
    graph.nir_firing = sorted(kinds)
    return graph


def native_threshold(weight: np.ndarray, bias: np.ndarray, theta: np.ndarray) -> float:
    """theta when it is one positive integer and the weights (times the gain) are integers under it; else 0."""
    if theta.size == 0 or np.any(theta != theta[0]) or theta[0] != round(theta[0]) or theta[0] < 1:
        return 0.0
    values = np.concatenate([weight.reshape(-1), bias])
    return float(theta[0]) if np.array_equal(values, np.round(values)) else 0.0
