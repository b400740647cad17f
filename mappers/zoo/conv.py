"""A small VGG-style network: blocks of 3x3 convolutions with max-pooling, then linear layers.

Nodes are named conv1, conv2, ... (a pool after convolution k is `convk.pool`), `flatten`, then fc1, fc2, ...
(the last is the readout).
"""

from torch import nn

from mappers.graph.mappers import FlattenMapper, MaxPoolMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph, NodeList
from mappers.nn.perceptron import Perceptron


def build_conv(config: dict, input_shape: tuple[int, ...], n_classes: int) -> MapperGraph:
    """`config`: `channels` (one 3x3 conv per entry), `pool_after` (conv indices followed by a 2x2 max-pool),
    `hidden` (widths of linear layers before the readout), `batch_norm`."""
    batch_norm = config.get("batch_norm", True)
    nodes, last, (channels, height, width) = NodeList(), 0, input_shape
    pool_after = set(config.get("pool_after", ()))
    for index, out_channels in enumerate(config.get("channels", (16, 32))):
        conv = Perceptron(nn.Conv2d(channels, out_channels, 3, padding=1), batch_norm=batch_norm, is_output=False)
        last, channels = nodes.add(f"conv{index + 1}", PerceptronMapper(last, conv)), out_channels
        if index in pool_after:
            last = nodes.add(f"conv{index + 1}.pool", MaxPoolMapper(last, 2))
            height, width = height // 2, width // 2
    last = nodes.add("flatten", FlattenMapper((last,)))
    features, hidden = channels * height * width, config.get("hidden", ())
    for index, out in enumerate(hidden, start=1):
        layer = Perceptron(nn.Linear(features, out), batch_norm=batch_norm, is_output=False)
        last, features = nodes.add(f"fc{index}", PerceptronMapper(last, layer)), out
    readout = Perceptron(nn.Linear(features, n_classes), batch_norm=False, is_output=True)
    nodes.add(f"fc{len(hidden) + 1}", PerceptronMapper(last, readout))
    return nodes.graph(input_shape)
