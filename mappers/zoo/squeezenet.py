"""SqueezeNet 1.1 topology for small images: stem conv, fire modules, pools, 1x1 classifier, global average.

A fire module squeezes with a 1x1 convolution, then expands with a 1x1 and a 3x3 convolution
whose outputs are concatenated along the channels. Nodes are named `stem`, `stem_pool`, the fire modules'
(numbered from `fire2`, as in the paper: `fire2.squeeze`, `.expand1x1`, `.expand3x3`, `.concat`, `.pool`),
`classifier` and its global `average`.
"""

from torch import nn

from mappers.graph.mappers import ConcatMapper, GlobalAvgPoolMapper, MaxPoolMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph, NodeList
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
    nodes = NodeList()

    def conv(name: str, source: int, channels: int, out: int, kernel: int, stride: int = 1,
             output: bool = False) -> int:
        layer = nn.Conv2d(channels, out, kernel, stride=stride, padding=kernel // 2)
        return nodes.add(name, PerceptronMapper(source, Perceptron(layer, batch_norm=batch_norm and not output,
                                                                   is_output=output)))

    stem = config.get("stem", 32)
    last = conv("stem", 0, input_shape[0], stem, 3, config.get("stem_stride", 1))
    if config.get("stem_pool", True):
        last = nodes.add("stem_pool", MaxPoolMapper(last, 2))
    channels = stem
    for number, fire in enumerate(config.get("fires", DEFAULT_FIRES), start=2):
        name = f"fire{number}"
        squeeze = conv(f"{name}.squeeze", last, channels, fire["squeeze"], 1)
        expand_1x1 = conv(f"{name}.expand1x1", squeeze, fire["squeeze"], fire["expand"], 1)
        expand_3x3 = conv(f"{name}.expand3x3", squeeze, fire["squeeze"], fire["expand"], 3)
        last, channels = nodes.add(f"{name}.concat", ConcatMapper((expand_1x1, expand_3x3))), 2 * fire["expand"]
        if fire.get("pool", False):
            last = nodes.add(f"{name}.pool", MaxPoolMapper(last, 2))
    classifier = conv("classifier", last, channels, n_classes, 1)
    nodes.add("average", GlobalAvgPoolMapper(classifier, n_classes))
    return nodes.graph(input_shape)
