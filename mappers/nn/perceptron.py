"""Perceptron: a linear map, optional BatchNorm, and an activation; the unit that becomes cores."""

import torch
from torch import nn

from mappers.nn.activation import Activation


class Perceptron(nn.Module):
    """`layer` (nn.Linear) + optional BatchNorm1d + activation (none on the output layer).

    Buffers carry what mapping needs: `activation_scale` (the value that maps to a
    spike-domain 1), `per_input_scales` (the scale of each input's source) and
    `parameter_scale` (integer weights = effective weights x this, 1 while float).
    """

    def __init__(self, in_features: int, out_features: int, *, batch_norm: bool, is_output: bool):
        super().__init__()
        self.layer = nn.Linear(in_features, out_features)
        self.norm = nn.BatchNorm1d(out_features) if batch_norm else None
        self.activation = None if is_output else Activation()
        self.register_buffer("activation_scale", torch.tensor(1.0))
        self.register_buffer("per_input_scales", torch.ones(in_features))
        self.register_buffer("parameter_scale", torch.tensor(1.0))

    @property
    def is_output(self) -> bool:
        return self.activation is None

    def pre_activation(self, x: torch.Tensor) -> torch.Tensor:
        y = self.layer(x)
        return self.norm(y) if self.norm is not None else y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pre_activation(x)
        return y if self.activation is None else self.activation(y, self.activation_scale)
