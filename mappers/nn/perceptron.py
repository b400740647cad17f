"""Perceptron: a linear map or convolution, optional BatchNorm, and an activation.

It is the unit that becomes cores: a Linear layer as one weight matrix, a Conv2d as the
same matrix applied at every output position (im2col).
"""

import torch
from torch import nn

from mappers.nn.activation import Activation


class Perceptron(nn.Module):
    """`layer` (nn.Linear or nn.Conv2d) + optional BatchNorm + activation (none on the output layer).

    Buffers carry what mapping needs: `activation_scale` (the value that maps to a
    spike-domain 1), `per_input_scales` (the scale of each input feature or channel's
    source), `weight_bits` (0 while weights are float) and `parameter_scale` (the integer
    threshold: integer weights = effective weights x this). `readout_lattice` > 0 snaps the
    output layer to the chip's integer membrane potential, so ties break as on the chip. An imported spiking
    network's integer threshold, under which its weights are integers already, is `native_threshold` (0: none).
    """

    def __init__(self, layer: nn.Linear | nn.Conv2d, *, batch_norm: bool, is_output: bool):
        super().__init__()
        self.layer = layer
        outputs = layer.out_features if isinstance(layer, nn.Linear) else layer.out_channels
        inputs = layer.in_features if isinstance(layer, nn.Linear) else layer.in_channels
        norm = nn.BatchNorm1d if isinstance(layer, nn.Linear) else nn.BatchNorm2d
        self.norm = norm(outputs) if batch_norm else None
        self.activation = None if is_output else Activation()
        self.register_buffer("activation_scale", torch.tensor(1.0))
        self.register_buffer("per_input_scales", torch.ones(inputs))
        self.register_buffer("weight_bits", torch.tensor(0))
        self.register_buffer("parameter_scale", torch.tensor(1.0))
        self.register_buffer("readout_lattice", torch.tensor(0.0))
        self.register_buffer("native_threshold", torch.tensor(0.0))

    @property
    def is_output(self) -> bool:
        return self.activation is None

    @property
    def is_conv(self) -> bool:
        return isinstance(self.layer, nn.Conv2d)

    @property
    def out_features(self) -> int:
        """Output features (Linear) or channels (Conv2d)."""
        return self.layer.weight.shape[0]

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Per-sample output shape for a per-sample `input_shape`."""
        if not self.is_conv:
            return (self.out_features,)
        (kh, kw), (sh, sw), (ph, pw) = self.layer.kernel_size, self.layer.stride, self.layer.padding
        return (self.out_features, (input_shape[1] + 2 * ph - kh) // sh + 1, (input_shape[2] + 2 * pw - kw) // sw + 1)

    def weight_matrix(self) -> torch.Tensor:
        """The layer weight as (outputs, fan-in); fan-in ordered (channel, kernel row, kernel column)."""
        return self.layer.weight.reshape(self.out_features, -1)

    @property
    def groups(self) -> int:
        """A convolution's groups: each output channel reads only its group's input channels (1 for Linear)."""
        return getattr(self.layer, "groups", 1)

    def fan_in_scales(self) -> torch.Tensor:
        """(outputs, fan-in): the scale of each output's fan-in, a channel's for each of its kernel taps (a grouped
        convolution's outputs read their own group's channels)."""
        per_group = self.per_input_scales.reshape(self.groups, -1)
        taps = self.weight_matrix().shape[1] // per_group.shape[1]
        return per_group.repeat_interleave(taps, dim=1).repeat_interleave(self.out_features // self.groups, dim=0)

    def pre_activation(self, x: torch.Tensor) -> torch.Tensor:
        y = self.layer(x)
        return self.norm(y) if self.norm is not None else y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activated(self.pre_activation(x))

    def activated(self, y: torch.Tensor) -> torch.Tensor:
        """The activation of the pre-activation `y` (on the output layer, `y` on the readout lattice if any)."""
        if self.activation is not None:
            return self.activation(y, self.activation_scale)
        if self.readout_lattice > 0:
            step = self.activation_scale / self.readout_lattice
            y = torch.round(y / step) * step
        return y
