"""A small VGG-style network: blocks of 3x3 convolutions with max-pooling, then a linear readout."""

from torch import nn

from mappers.graph.mappers import FlattenMapper, InputMapper, MaxPoolMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph
from mappers.nn.perceptron import Perceptron


def build_conv(config: dict, input_shape: tuple[int, ...], n_classes: int) -> MapperGraph:
    """`config`: `channels` (one 3x3 conv per entry), `pool_after` (conv indices followed by a 2x2 max-pool),
    `hidden` (widths of linear layers before the readout), `batch_norm`."""
    batch_norm = config.get("batch_norm", True)
    nodes, (channels, height, width) = [InputMapper()], input_shape
    pool_after = set(config.get("pool_after", ()))
    for index, out_channels in enumerate(config.get("channels", (16, 32))):
        conv = Perceptron(nn.Conv2d(channels, out_channels, 3, padding=1), batch_norm=batch_norm, is_output=False)
        nodes.append(PerceptronMapper(len(nodes) - 1, conv))
        channels = out_channels
        if index in pool_after:
            nodes.append(MaxPoolMapper(len(nodes) - 1, 2))
            height, width = height // 2, width // 2
    nodes.append(FlattenMapper((len(nodes) - 1,)))
    features = channels * height * width
    for hidden in config.get("hidden", ()):
        layer = Perceptron(nn.Linear(features, hidden), batch_norm=batch_norm, is_output=False)
        nodes.append(PerceptronMapper(len(nodes) - 1, layer))
        features = hidden
    readout = Perceptron(nn.Linear(features, n_classes), batch_norm=False, is_output=True)
    nodes.append(PerceptronMapper(len(nodes) - 1, readout))
    return MapperGraph(input_shape, nodes)
