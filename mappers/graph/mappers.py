"""Mapper nodes: each is a torch module and knows how its elements route to the chip.

Structural mappers (`route`) move elements without arithmetic, so the same function moves
value addresses and per-element scales alike; perceptron mappers create cores.
"""

import einops
import numpy as np
import torch
from torch import nn

from mappers.ir.im2col import pooling_windows
from mappers.nn.activation import Activation

from mappers.nn.perceptron import Perceptron


class Mapper(nn.Module):
    """A node of the mapper graph; `sources` are indices of earlier nodes."""

    def __init__(self, sources: tuple[int, ...]):
        super().__init__()
        self.sources = tuple(sources)


class InputMapper(Mapper):
    """The network input, quantized to `levels` grid points above zero when `levels` > 0."""

    def __init__(self):
        super().__init__(())
        self.register_buffer("levels", torch.tensor(0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.clamp(0.0, 1.0)
        if self.levels > 0:
            x = torch.floor(x * self.levels + 0.5) / self.levels
        return x


class PerceptronMapper(Mapper):
    """A perceptron applied to the flattened features of its source."""

    def __init__(self, source: int, perceptron: Perceptron):
        super().__init__((source,))
        self.perceptron = perceptron

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.perceptron(x)


class ResidualMapper(PerceptronMapper):
    """The last layer of a residual block with its skip, as one layer of neurons: the activation of the perceptron's
    pre-activation on the first source plus `skip`'s (an identity or a downsampling convolution, no activation) on
    the second; one threshold, so both share one integer scale."""

    def __init__(self, sources: tuple[int, int], perceptron: Perceptron, skip: Perceptron):
        super().__init__(sources[0], perceptron)
        self.sources, self.skip = tuple(sources), skip

    def pre_activation(self, x: torch.Tensor, skipped: torch.Tensor) -> torch.Tensor:
        return self.perceptron.pre_activation(x) + self.skip.pre_activation(skipped)

    def merge_biases(self) -> None:
        """Move the skip's bias into the perceptron's (BatchNorms folded first): the neurons add one bias, which
        quantization then rounds once, within the bit range."""
        with torch.no_grad():
            self.perceptron.layer.bias += self.skip.layer.bias
            self.skip.layer.bias.zero_()

    def forward(self, x: torch.Tensor, skipped: torch.Tensor) -> torch.Tensor:
        return self.perceptron.activated(self.pre_activation(x, skipped))


class FlattenMapper(Mapper):
    """Flattens every per-sample dimension into one."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)

    def route(self, elements: np.ndarray) -> np.ndarray:
        return elements.reshape(-1)


class ConcatMapper(Mapper):
    """Concatenates its sources along the channel (first per-sample) axis: the fire module's join."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)

    def route(self, *elements: np.ndarray) -> np.ndarray:
        return np.concatenate(elements, axis=0)


class RearrangeMapper(Mapper):
    """An einops rearrangement of the per-sample axes (a permutation, so it routes exactly)."""

    def __init__(self, source: int, pattern: str, **axes: int):
        super().__init__((source,))
        self.pattern, self.axes = pattern, axes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return einops.rearrange(x, self.pattern, **self.axes)

    def route(self, elements: np.ndarray) -> np.ndarray:
        return einops.rearrange(elements[None], self.pattern, **self.axes)[0]


class MaxPoolMapper(Mapper):
    """2-D max pooling: a ComputeOp on the chip (exact under any monotone staircase). Padding and a ceil-mode
    window's part past the edge read 0, which is torch's -inf for the non-negative values a pool reads."""

    def __init__(self, source: int, kernel: int, stride: int | None = None, padding: int = 0, dilation: int = 1,
                 ceil_mode: bool = False):
        super().__init__((source,))
        self.kernel, self.stride, self.padding = kernel, stride or kernel, padding
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.max_pool2d(x, self.kernel, self.stride, self.padding, self.dilation,
                                              self.ceil_mode)

    def windows(self, elements: np.ndarray, fill) -> np.ndarray:
        """(C, out_h, out_w, k*k): `elements` (C, H, W) under each pooling window."""
        return pooling_windows(elements, self.kernel, self.stride, self.padding, fill, self.dilation, self.ceil_mode)


class GlobalAvgPoolMapper(Mapper):
    """Mean over the spatial axes, one core per channel. As the readout (no neural node after it) those are exact
    output cores; inside the network they are spiking cores that floor the mean of levels, so the model lands
    on the chip's staircase as an average pool does (per channel, at the channel's scale, no shift)."""

    def __init__(self, source: int, channels: int):
        super().__init__((source,))
        self.activation = Activation()
        self.register_buffer("channel_scales", torch.ones(channels))

    @property
    def readout(self) -> bool:
        return self.activation is None

    def make_readout(self) -> None:
        """The graph's readout: the exact mean, and nothing for the tuning steps to adapt."""
        self.activation = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(2, 3))
        return mean if self.readout else self.activation(mean, self.channel_scales)


class AddMapper(Mapper):
    """A residual addition with its own activation (scale, clamp, staircase): a compute op on the chip."""

    def __init__(self, sources: tuple[int, int]):
        super().__init__(sources)
        self.activation = Activation()
        self.register_buffer("activation_scale", torch.tensor(1.0))

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return self.activation(a + b, self.activation_scale)


class AvgPoolMapper(Mapper):
    """k x k average pooling: a compute op; once activations are quantized it lands on the same staircase
    (per channel, at the channel's scale, no shift)."""

    def __init__(self, source: int, kernel: int, stride: int | None, channels: int):
        super().__init__((source,))
        self.kernel, self.stride = kernel, stride or kernel
        self.activation = Activation()
        self.register_buffer("channel_scales", torch.ones(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = torch.nn.functional.avg_pool2d(x, self.kernel, self.stride)
        return self.activation(mean, self.channel_scales[:, None, None])

    def windows(self, elements: np.ndarray, fill) -> np.ndarray:
        """(C, out_h, out_w, k*k): `elements` (C, H, W) under each pooling window."""
        return pooling_windows(elements, self.kernel, self.stride, 0, fill)
