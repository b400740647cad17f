"""SqueezeNet 1.1 topology for small images: stem conv, fire modules, pools, 1x1 classifier, global average.

A fire module squeezes with a 1x1 convolution, then expands with a 1x1 and a 3x3 convolution
whose outputs are concatenated along the channels.
"""

from torch import nn

from mappers.graph.mappers import ConcatMapper, GlobalAvgPoolMapper, InputMapper, MaxPoolMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph
from mappers.nn.perceptron import Perceptron

DEFAULT_FIRES = (
    {"squeeze": 16, "expand": 32, "pool": False},
    {"squeeze": 16, "expand": 32, "pool": True},
    {"squeeze": 24, "expand": 48, "pool": False},
    {"squeeze": 24, "expand": 48, "pool": True},
    {"squeeze": 28, "expand": 64, "pool": False},
)


def build_squeezenet(config: dict, input_shape: tuple[int, ...], n_classes: int) -> MapperGraph:
    """`config`: `stem` channels, `stem_stride`, `stem_pool` (2x2 max-pool after the stem), `fires`
    (squeeze, expand, pool after), `batch_norm`. Defaults suit 28x28 single-channel images."""
    batch_norm = config.get("batch_norm", True)
    nodes = [InputMapper()]

    def conv(source: int, channels: int, out: int, kernel: int, stride: int = 1, output: bool = False) -> int:
        layer = nn.Conv2d(channels, out, kernel, stride=stride, padding=kernel // 2)
        nodes.append(PerceptronMapper(source, Perceptron(layer, batch_norm=batch_norm and not output,
                                                         is_output=output)))
        return len(nodes) - 1

    stem = config.get("stem", 32)
    last = conv(0, input_shape[0], stem, 3, config.get("stem_stride", 1))
    if config.get("stem_pool", True):
        nodes.append(MaxPoolMapper(last, 2))
        last = len(nodes) - 1
    channels = stem
    for fire in config.get("fires", DEFAULT_FIRES):
        squeeze = conv(last, channels, fire["squeeze"], 1)
        expand_1x1 = conv(squeeze, fire["squeeze"], fire["expand"], 1)
        expand_3x3 = conv(squeeze, fire["squeeze"], fire["expand"], 3)
        nodes.append(ConcatMapper((expand_1x1, expand_3x3)))
        last, channels = len(nodes) - 1, 2 * fire["expand"]
        if fire.get("pool", False):
            nodes.append(MaxPoolMapper(last, 2))
            last = len(nodes) - 1
    classifier = conv(last, channels, n_classes, 1)
    nodes.append(GlobalAvgPoolMapper(classifier, n_classes))
    return MapperGraph(input_shape, nodes)
