"""Per-source input scales: each perceptron input gets the activation scale of what feeds it.

Scales flow through the graph as per-element arrays: structural nodes move them like
values (a rearrangement permutes them, a concatenation joins them), pools keep them.
"""

import numpy as np
import torch

from mappers.graph.mappers import (AddMapper, AvgPoolMapper, GlobalAvgPoolMapper, MaxPoolMapper, PerceptronMapper,
                                   ResidualMapper)
from mappers.graph.representation import MapperGraph
from mappers.nn.perceptron import Perceptron


def uniform_per_channel(name: str, elements: np.ndarray) -> np.ndarray:
    """The one scale of each channel of (C, ...) `elements`; channels must not mix scales."""
    per_channel = elements.reshape(elements.shape[0], -1)
    if not np.all(per_channel == per_channel[:, :1]):
        raise ValueError(f"{name}: a channel mixes sources of different scales across positions")
    return per_channel[:, 0]


def output_scales(name: str, node, inputs: np.ndarray, *others: np.ndarray) -> np.ndarray:
    """The per-element scales a non-structural node outputs."""
    if isinstance(node, PerceptronMapper):
        p: Perceptron = node.perceptron
        return np.full(p.output_shape(inputs.shape), float(p.activation_scale))
    if isinstance(node, MaxPoolMapper):
        windows = node.windows(inputs, np.nan)
        return np.nanmax(windows, axis=-1)
    if isinstance(node, GlobalAvgPoolMapper):
        return uniform_per_channel(name, inputs)
    if isinstance(node, AddMapper):
        return np.full(inputs.shape, float(node.activation_scale))
    if isinstance(node, AvgPoolMapper):
        return np.nanmax(node.windows(inputs, np.nan), axis=-1)
    raise TypeError(f"{name}: no scale rule for {type(node).__name__}")


def set_input_scales(name: str, p: Perceptron, inputs: np.ndarray) -> None:
    """`p.per_input_scales` from the scales of its input elements (one per channel for a convolution)."""
    scales = uniform_per_channel(name, inputs) if p.is_conv else inputs.reshape(-1)
    p.per_input_scales.copy_(torch.as_tensor(scales, dtype=p.per_input_scales.dtype))


def compute_per_source_scales(graph: MapperGraph) -> None:
    """Walk the graph and set every perceptron's `per_input_scales` (the network input has scale 1)."""

    scale_maps(graph)


def scale_maps(graph: MapperGraph) -> list[np.ndarray]:
    """Every node's per-element output scales; sets perceptrons' and average pools' input scales on the way."""

    def visit(name: str, node, inputs: np.ndarray, *others: np.ndarray) -> np.ndarray:
        if isinstance(node, PerceptronMapper):
            set_input_scales(name, node.perceptron, inputs)
        if isinstance(node, ResidualMapper):
            set_input_scales(name, node.skip, others[0])
            node.skip.activation_scale.copy_(node.perceptron.activation_scale)  # one threshold: one output scale
        if isinstance(node, (AvgPoolMapper, GlobalAvgPoolMapper)):
            scales = uniform_per_channel(name, inputs)
            node.channel_scales.copy_(torch.as_tensor(scales, dtype=node.channel_scales.dtype))
        return output_scales(name, node, inputs, *others)

    return graph.propagate(np.ones(graph.input_shape), visit)
