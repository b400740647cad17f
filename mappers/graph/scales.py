"""Per-source input scales: each perceptron input gets the activation scale of what feeds it."""

import numpy as np
import torch

from mappers.graph.representation import MapperGraph
from mappers.nn.perceptron import Perceptron


def compute_per_source_scales(graph: MapperGraph) -> None:
    """Walk the graph and set every perceptron's `per_input_scales` (the network input has scale 1)."""

    def assign(_name: str, p: Perceptron, inputs: np.ndarray) -> np.ndarray:
        p.per_input_scales.copy_(torch.as_tensor(inputs.reshape(-1), dtype=p.per_input_scales.dtype))
        return np.full(p.layer.out_features, float(p.activation_scale))

    graph.propagate(np.ones(graph.input_shape), assign)
