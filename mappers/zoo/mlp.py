"""A multilayer perceptron: flatten, hidden perceptrons, a linear readout; the linear layers are fc1, fc2, ..."""

import math

from torch import nn

from mappers.graph.mappers import FlattenMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph, NodeList
from mappers.nn.perceptron import Perceptron


def build_mlp(config: dict, input_shape: tuple[int, ...], n_classes: int) -> MapperGraph:
    """`config`: `hidden` (widths), `batch_norm` (bool)."""
    nodes = NodeList()
    last = nodes.add("flatten", FlattenMapper((0,)))
    width = math.prod(input_shape)
    hidden = config.get("hidden", (64,))
    for index, out in enumerate(hidden, start=1):
        p = Perceptron(nn.Linear(width, out), batch_norm=config.get("batch_norm", True), is_output=False)
        last, width = nodes.add(f"fc{index}", PerceptronMapper(last, p)), out
    readout = Perceptron(nn.Linear(width, n_classes), batch_norm=False, is_output=True)
    nodes.add(f"fc{len(hidden) + 1}", PerceptronMapper(last, readout))
    return nodes.graph(input_shape)
