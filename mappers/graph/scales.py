"""Per-source input scales: each perceptron input gets the activation scale of what feeds it."""

import numpy as np
import torch

from mappers.graph.representation import MapperGraph
from mappers.nn.perceptron import Perceptron


def channel_scales(name: str, p: Perceptron, inputs: np.ndarray) -> np.ndarray:
    """One scale per input feature (Linear) or channel (Conv2d, whose positions must agree)."""
    if not p.is_conv:
        return inputs.reshape(-1)
    per_channel = inputs.reshape(inputs.shape[0], -1)
    if not np.all(per_channel == per_channel[:, :1]):
        raise ValueError(f"{name}: input channels mix sources of different scales across positions")
    return per_channel[:, 0]


def compute_per_source_scales(graph: MapperGraph) -> None:
    """Walk the graph and set every perceptron's `per_input_scales` (the network input has scale 1)."""

    def assign(name: str, p: Perceptron, inputs: np.ndarray) -> np.ndarray:
        p.per_input_scales.copy_(torch.as_tensor(channel_scales(name, p, inputs), dtype=p.per_input_scales.dtype))
        return np.full(p.output_shape(inputs.shape), float(p.activation_scale))

    graph.propagate(np.ones(graph.input_shape), assign)
