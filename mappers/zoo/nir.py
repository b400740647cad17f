"""A NIR graph of integrate-and-fire neurons as a mapper graph: one perceptron per neuron population.

Time is discrete (dt = 1 cycle, a spike a unit input for one cycle, a bias added once per cycle). A population
integrates `r` times its synaptic input and fires above `theta`, so its rate is the ReLU of
`r (W s + b) / theta`, clamped at one spike per cycle: the perceptron's effective parameters are `r W / theta`,
`r b / theta`. Synapse nodes between populations (Affine, Linear, Scale, Flatten, Delay and the pools) compose
into one linear map per source population; a Conv2d that alone feeds a population stays a convolution.
Populations are NIR's `IF` (reset to `v_reset` = 0), `LIF` whose `tau` is infinite (snnTorch's `beta = 1`,
gain `r / tau` read as 1 when both are infinite), and the subtractive neuron `I` (r) -> `Threshold` (theta)
with the spike fed back through `Scale(-theta)` and `Delay(1)`; the readout is an `I` (its state, times `r`,
the class score) or the synapses that feed `Output`.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mappers.graph.mappers import AvgPoolMapper, ConcatMapper, FlattenMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph, NodeList
from mappers.nn.perceptron import Perceptron

SYNAPSES = ("Affine", "Linear", "Scale", "Flatten", "Delay", "SumPool2d", "AvgPool2d")
POOLS = ("SumPool2d", "AvgPool2d")


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
    conv: tuple | None = None
    """(Conv2d node, pool node before it or None) of a population that a convolution feeds alone."""


def _kind(node) -> str:
    return type(node).__name__


def pair(value) -> tuple[int, int]:
    """A NIR 2-D parameter (one int or two) as two ints."""
    return tuple(int(v) for v in np.broadcast_to(np.asarray(value).reshape(-1), (2,)))


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
            exclude = self.loop_of(population)
            population.conv, producer = self.conv_input(population.entry, exclude)
            population.inputs = {producer: None} if population.conv else self.contributions(population.entry, exclude)
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
        if kind in ("LIF", "CubaLIF"):
            return self.non_leaky(name, node, kind)
        if kind == "Threshold":
            return self.subtracting(name, node)
        return None

    def non_leaky(self, name: str, node, kind: str) -> Population:
        """An LIF whose membrane does not leak (tau infinite, no v_leak), resetting to zero: an IF of gain r / tau,
        read as 1 where both are infinite (snnTorch's beta = 1). A CubaLIF too, when its synaptic current lasts
        one cycle (tau_syn = 1, so it is the cycle's input times w_in): else the current integrates as well."""
        tau = np.asarray(node.tau if kind == "LIF" else node.tau_mem, np.float64)
        if np.any(np.isfinite(tau)) or np.any(np.asarray(node.v_leak) != 0):
            self.refuse(name, f"is a leaky {kind} (finite tau or a v_leak); the chip's neurons do not leak")
        if kind == "CubaLIF" and np.any(np.asarray(node.tau_syn, np.float64) != 1):
            self.refuse(name, "is a CubaLIF whose synaptic current outlasts a cycle (tau_syn other than 1): it "
                        "integrates twice, which no chip neuron does")
        if np.any(np.asarray(node.v_reset) != 0):
            self.refuse(name, "resets to a non-zero v_reset; the chip resets to zero or subtracts its threshold")
        r, size = np.asarray(node.r, np.float64), np.asarray(node.v_threshold).size
        gain = np.where(np.isinf(r), 1.0, 0.0) * (1.0 if kind == "LIF" else np.asarray(node.w_in, np.float64))
        if np.any(gain == 0):
            self.refuse(name, "has infinite tau with a finite r (or a zero w_in), so it integrates nothing")
        return Population(name, name, _vector(gain, size), _vector(node.v_threshold, size), reset="zero")

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

    def conv_input(self, entry: str, exclude: set) -> tuple[tuple | None, str | None]:
        """((Conv2d, pool or None), producer) when a Conv2d alone feeds `entry`, reading a population or the input
        directly or through one SumPool2d or AvgPool2d; else (None, None)."""
        sources = [s for s in self.into[entry] if s not in exclude]
        if len(sources) != 1 or _kind(self.nodes[sources[0]]) != "Conv2d":
            return None, None
        conv = sources[0]
        before = self.into[conv]
        pool = before[0] if len(before) == 1 and _kind(self.nodes[before[0]]) in POOLS else None
        producers = self.into[pool] if pool else before
        if len(producers) != 1 or not (producers[0] == self.input or producers[0] in self.heads):
            self.refuse(conv, "reads something other than one population or the input (through at most one pool)")
        return (conv, pool), producers[0]

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
                self.refuse(source, f"is a {kind}; between populations the importer reads {', '.join(SYNAPSES)}, "
                            "and a Conv2d that alone feeds a population")
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
        if kind in POOLS:
            return pool_matrix(self, name), np.zeros(width)
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


def pool_window(reader: NirGraphReader, name: str) -> tuple[int, int]:
    """(kernel, stride) of a square, unpadded pool node."""
    node = reader.nodes[name]
    kernel, stride = np.asarray(node.kernel_size).reshape(-1), np.asarray(node.stride).reshape(-1)
    if len(set(kernel)) != 1 or len(set(stride)) != 1 or np.any(np.asarray(node.padding) != 0):
        reader.refuse(name, "is a pool with a non-square window or padding; the importer reads square, unpadded ones")
    return int(kernel[0]), int(stride[0])


def pool_matrix(reader: NirGraphReader, name: str) -> np.ndarray:
    """The pool as a matrix on flat (C, H, W) vectors: a sum or a mean of each window."""
    kernel, stride = pool_window(reader, name)
    shape = tuple(int(v) for v in next(iter(reader.nodes[name].input_type.values())))
    basis = torch.eye(math.prod(shape), dtype=torch.float64).reshape(-1, *shape)
    pooled = torch.nn.functional.avg_pool2d(basis, kernel, stride).reshape(len(basis), -1).T.numpy()
    return pooled * (kernel * kernel if _kind(reader.nodes[name]) == "SumPool2d" else 1)


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
    nodes, kinds = NodeList(), set()
    made, flat = {reader.input: 0}, {}  # each producer's mapper node; and its flattened output, made once

    def flattened(producer: str) -> int:
        if producer not in flat:
            conv = producer != reader.input and reader.heads[producer].conv is not None
            flat[producer] = nodes.add(f"{producer}.flatten", FlattenMapper((made[producer],))) \
                if conv or producer == reader.input else made[producer]
        return flat[producer]

    for population in populations:
        if population.conv:
            layer, source = convolution(reader, population, made, nodes)
            weight = layer.weight.detach().numpy().reshape(layer.out_channels, -1).astype(np.float64)  # copies
            bias = layer.bias.detach().numpy().astype(np.float64)
        else:
            sources = list(population.inputs)
            source = flattened(sources[0]) if len(sources) == 1 else nodes.add(
                f"{population.head}.inputs", ConcatMapper(tuple(flattened(s) for s in sources)))
            weight = np.hstack([population.inputs[s][0] for s in sources])
            bias = sum(population.inputs[s][1] for s in sources)
            layer = nn.Linear(weight.shape[1], weight.shape[0])
        gain, theta = per_output(reader, population, len(weight))
        p = Perceptron(layer, batch_norm=False, is_output=population.readout)
        scale = gain / theta
        p.double()
        with torch.no_grad():
            p.layer.weight.copy_(torch.from_numpy(weight * scale[:, None]).reshape(p.layer.weight.shape))
            p.layer.bias.copy_(torch.from_numpy(bias * scale))
            p.native_threshold.fill_(native_threshold(weight * gain[:, None], bias * gain, theta))
        made[population.head] = nodes.add(population.head, PerceptronMapper(source, p))
        if not population.readout:
            kinds.add((population.reset, population.fires_at_threshold))
    graph = nodes.graph(input_shape).double()  # float64: integer weights over theta stay exact enough to recover
    graph.nir_firing = sorted(kinds)
    return graph


def convolution(reader: NirGraphReader, population: Population, made: dict, nodes: NodeList):
    """(nn.Conv2d with the NIR node's weights, its source mapper node, a pool before it added as an average pool
    whose sum factor goes into the weights)."""
    name, pool = population.conv
    node = reader.nodes[name]
    weight = np.asarray(node.weight, np.float64)
    bias = np.zeros(len(weight)) if node.bias is None else np.asarray(node.bias, np.float64).reshape(-1)
    padding = node.padding if isinstance(node.padding, str) else pair(node.padding)
    groups = int(node.groups)
    layer = nn.Conv2d(weight.shape[1] * groups, weight.shape[0], tuple(weight.shape[2:]),
                      stride=pair(node.stride),
                      padding=padding, groups=groups,
                      dilation=pair(node.dilation))
    source = made[next(iter(population.inputs))]
    if pool:
        kernel, stride = pool_window(reader, pool)
        source = nodes.add(pool, AvgPoolMapper(source, kernel, stride, layer.in_channels))
        if _kind(reader.nodes[pool]) == "SumPool2d":
            weight = weight * kernel * kernel
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(weight))
        layer.bias.copy_(torch.from_numpy(bias))
    return layer, source


def per_output(reader: NirGraphReader, population: Population, outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """The population's gain and threshold per output (per channel of a convolution: equal over its positions)."""
    gain, theta = population.gain, population.theta
    if len(gain) == len(theta) == outputs:
        return gain, theta
    per = [v.reshape(outputs, -1) if len(v) % outputs == 0 else None for v in (gain, theta)]
    if any(v is None or np.any(v != v[:, :1]) for v in per):
        reader.refuse(population.head, f"has {len(theta)} thresholds that are not one per each of its {outputs} "
                      "channels; a channel's neurons share their weights, so they need one threshold")
    return per[0][:, 0].copy(), per[1][:, 0].copy()


def score_after(graph: MapperGraph, steps: int) -> None:
    """The chip's class score is a mean per cycle, the NIR graph's a total after `steps` cycles: a readout whose
    integer threshold is `steps` times an integer (as we export it) takes that integer, so the chip's scores are
    the graph's; any other readout keeps its parameters, and its scores are the graph's divided by `steps`."""
    readout = next(p for _, p in graph.perceptrons() if p.is_output)
    theta = float(readout.native_threshold) / steps
    if theta < 1 or theta != round(theta):
        return
    with torch.no_grad():
        readout.layer.weight.mul_(steps)
        readout.layer.bias.mul_(steps)
    readout.native_threshold.fill_(theta)


def native_threshold(weight: np.ndarray, bias: np.ndarray, theta: np.ndarray) -> float:
    """theta when it is one positive integer and the weights (times the gain) are integers under it; else 0."""
    if theta.size == 0 or np.any(theta != theta[0]) or theta[0] != round(theta[0]) or theta[0] < 1:
        return 0.0
    values = np.concatenate([weight.reshape(-1), bias])
    return float(theta[0]) if np.array_equal(values, np.round(values)) else 0.0
