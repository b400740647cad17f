"""MapperGraph: a DAG of mappers in topological order, one source of truth for torch and chip."""

from typing import Callable, Iterator

import numpy as np
import torch
from torch import nn

from mappers.graph.mappers import GlobalAvgPoolMapper, InputMapper, Mapper, PerceptronMapper
from mappers.graph.names import checked_names
from mappers.nn.perceptron import Perceptron


class MapperGraph(nn.Module):
    """Node 0 is the input; the last node's output is the class scores. `names` name the nodes (the builder's
    or the module's names; `node{i}` without them): the layers of cores, figures and reports."""

    def __init__(self, input_shape: tuple[int, ...], nodes: list[Mapper], names: list[str] | None = None):
        super().__init__()
        self.names = checked_names(names, len(nodes))
        if not isinstance(nodes[0], InputMapper):
            raise ValueError("the first node of a mapper graph must be its InputMapper")
        for i, node in enumerate(nodes):
            if any(s >= i for s in node.sources):
                raise ValueError(f"node {i} reads a later node: the graph must be topologically ordered")
        self.input_shape = tuple(input_shape)
        self.nodes = nn.ModuleList(nodes)
        readout = self.nodes[self.readout_index]
        if isinstance(readout, GlobalAvgPoolMapper):
            readout.make_readout()

    @property
    def readout_index(self) -> int:
        """The last node that computes: only structural nodes (flatten, rearrange) may follow it."""
        return max(i for i, node in enumerate(self.nodes) if not hasattr(node, "route"))

    @property
    def input_node(self) -> InputMapper:
        return self.nodes[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs: list[torch.Tensor] = []
        for node in self.nodes:
            args = [outputs[s] for s in node.sources] if node.sources else [x]
            outputs.append(node(*args))
        return outputs[-1]

    def perceptrons(self) -> Iterator[tuple[str, Perceptron]]:
        """(name, perceptron) in graph order; a residual layer's skip follows it as `<name>.skip`."""
        for group in self.perceptron_groups():
            yield from group

    def perceptron_groups(self) -> Iterator[list[tuple[str, Perceptron]]]:
        """The perceptrons that share one integer scale (a residual layer and its skip), in graph order."""
        for name, node in zip(self.names, self.nodes):
            if isinstance(node, PerceptronMapper):
                yield [(name, node.perceptron)] + ([(f"{name}.skip", node.skip)] if hasattr(node, "skip") else [])

    def activations(self) -> Iterator[tuple[str, nn.Module]]:
        """(name, owner) of every activation a tuning step adapts: hidden perceptrons, additions, average pools."""
        for name, node in zip(self.names, self.nodes):
            owner = node.perceptron if isinstance(node, PerceptronMapper) else node
            if getattr(owner, "activation", None) is not None:
                yield name, owner

    def propagate(self, inputs: np.ndarray, visit: Callable) -> list[np.ndarray]:
        """Per-element arrays for every node, starting from `inputs` at the input node.

        Structural nodes (those with `route`) move elements; every other node calls
        `visit(name, node, *source_arrays)`, which returns the node's output array.
        """
        arrays: list[np.ndarray] = []
        for name, node in zip(self.names, self.nodes):
            args = [arrays[s] for s in node.sources]
            if isinstance(node, InputMapper):
                arrays.append(inputs)
            elif hasattr(node, "route"):
                arrays.append(node.route(*args))
            else:
                arrays.append(visit(name, node, *args))
        return arrays


class NodeList:
    """A mapper graph's nodes added one at a time, each under its name, after the input (`input`, index 0)."""

    def __init__(self):
        self.nodes, self.names = [InputMapper()], ["input"]

    def add(self, name: str, node: Mapper) -> int:
        """Append `node` as `name`; returns its index (what later nodes name as their source)."""
        self.nodes.append(node)
        self.names.append(name)
        return len(self.nodes) - 1

    def graph(self, input_shape: tuple[int, ...]) -> MapperGraph:
        return MapperGraph(input_shape, self.nodes, self.names)
