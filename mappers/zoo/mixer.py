"""MLP-Mixer without residuals: einops patches, token- and channel-mixing perceptrons, a linear readout.

Every per-token (or per-channel) perceptron is a 1x1 convolution over the other axis, so each
position becomes its own core and rearrangements between mixers are exact permutations.
"""

from torch import nn

from mappers.graph.mappers import FlattenMapper, InputMapper, PerceptronMapper, RearrangeMapper
from mappers.graph.representation import MapperGraph
from mappers.nn.perceptron import Perceptron


def build_mixer(config: dict, input_shape: tuple[int, ...], n_classes: int) -> MapperGraph:
    """`config`: `patch` (side of a square patch), `patch_channels`, `token_width`, `channel_width`,
    `mixers` (blocks), `batch_norm`."""
    channels, height, width = input_shape
    patch, batch_norm = config.get("patch", 7), config.get("batch_norm", True)
    if height % patch or width % patch:
        raise ValueError(f"patch {patch} does not divide the {height}x{width} input")
    rows, cols = height // patch, width // patch
    tokens, patch_channels = rows * cols, config.get("patch_channels", 16)
    nodes = [InputMapper(), RearrangeMapper(0, "b c (h p1) (w p2) -> b (p1 p2 c) h w", p1=patch, p2=patch)]

    def pointwise(source: int, inputs: int, outputs: int) -> int:
        perceptron = Perceptron(nn.Conv2d(inputs, outputs, 1), batch_norm=batch_norm, is_output=False)
        nodes.append(PerceptronMapper(source, perceptron))
        return len(nodes) - 1

    def rearrange(source: int, pattern: str, **axes: int) -> int:
        nodes.append(RearrangeMapper(source, pattern, **axes))
        return len(nodes) - 1

    last = pointwise(1, patch * patch * channels, patch_channels)
    for _ in range(config.get("mixers", 2)):
        last = rearrange(last, "b c h w -> b (h w) c 1")
        last = pointwise(last, tokens, config.get("token_width", 32))
        last = pointwise(last, config.get("token_width", 32), tokens)
        last = rearrange(last, "b (h w) c 1 -> b c h w", h=rows, w=cols)
        last = pointwise(last, patch_channels, config.get("channel_width", 32))
        last = pointwise(last, config.get("channel_width", 32), patch_channels)
    nodes.append(FlattenMapper((last,)))
    readout = Perceptron(nn.Linear(patch_channels * tokens, n_classes), batch_norm=False, is_output=True)
    nodes.append(PerceptronMapper(len(nodes) - 1, readout))
    return MapperGraph(input_shape, nodes)
