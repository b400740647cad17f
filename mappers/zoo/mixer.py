"""MLP-Mixer without residuals: einops patches, token- and channel-mixing perceptrons, a linear readout.

Every per-token (or per-channel) perceptron is a 1x1 convolution over the other axis, so each
position becomes its own core and rearrangements between mixers are exact permutations. Nodes are named
`patches`, `embedding`, per block `mixer1.to_tokens`, `mixer1.token_mixing.fc1`, `.fc2`, `mixer1.to_channels`,
`mixer1.channel_mixing.fc1`, `.fc2`, then `flatten` and `readout`.
"""

from torch import nn

from mappers.graph.mappers import FlattenMapper, PerceptronMapper, RearrangeMapper
from mappers.graph.representation import MapperGraph, NodeList
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
    nodes = NodeList()
    patches = nodes.add("patches", RearrangeMapper(0, "b c (h p1) (w p2) -> b (p1 p2 c) h w", p1=patch, p2=patch))

    def pointwise(name: str, source: int, inputs: int, outputs: int) -> int:
        perceptron = Perceptron(nn.Conv2d(inputs, outputs, 1), batch_norm=batch_norm, is_output=False)
        return nodes.add(name, PerceptronMapper(source, perceptron))

    token_width, channel_width = config.get("token_width", 32), config.get("channel_width", 32)
    last = pointwise("embedding", patches, patch * patch * channels, patch_channels)
    for number in range(1, config.get("mixers", 2) + 1):
        block = f"mixer{number}"
        last = nodes.add(f"{block}.to_tokens", RearrangeMapper(last, "b c h w -> b (h w) c 1"))
        last = pointwise(f"{block}.token_mixing.fc1", last, tokens, token_width)
        last = pointwise(f"{block}.token_mixing.fc2", last, token_width, tokens)
        last = nodes.add(f"{block}.to_channels", RearrangeMapper(last, "b (h w) c 1 -> b c h w", h=rows, w=cols))
        last = pointwise(f"{block}.channel_mixing.fc1", last, patch_channels, channel_width)
        last = pointwise(f"{block}.channel_mixing.fc2", last, channel_width, patch_channels)
    last = nodes.add("flatten", FlattenMapper((last,)))
    readout = Perceptron(nn.Linear(patch_channels * tokens, n_classes), batch_norm=False, is_output=True)
    nodes.add("readout", PerceptronMapper(last, readout))
    return nodes.graph(input_shape)
