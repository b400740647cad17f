"""A multilayer perceptron: flatten, hidden perceptrons, a linear readout."""

import math

from torch import nn

from mappers.graph.mappers import FlattenMapper, InputMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph
from mappers.nn.perceptron import Perceptron


def build_mlp(config: dict, input_shape: tuple[int, ...], n_classes: int) -> MapperGraph:
    """`config`: `hidden` (widths), `batch_norm` (bool)."""
    nodes = [InputMapper(), FlattenMapper((0,))]
    width = math.prod(input_shape)
    for hidden in config.get("hidden", (64,)):
        p = Perceptron(nn.Linear(width, hidden), batch_norm=config.get("batch_norm", True), is_output=False)
        nodes.append(PerceptronMapper(len(nodes) - 1, p))
        width = hidden
    nodes.append(PerceptronMapper(len(nodes) - 1, Perceptron(nn.Linear(width, n_classes), batch_norm=False, is_output=True)))
    return MapperGraph(input_shape, nodes)
