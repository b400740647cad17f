"""The perceptron's activation: a ReLU wrapped by decorators the tuning steps switch on."""

import torch
from torch import nn


class Activation(nn.Module):
    """ReLU, optionally clamped to `[0, scale]`; `clamp_rate` in [0, 1] blends the clamp in."""

    def __init__(self):
        super().__init__()
        self.register_buffer("clamp_rate", torch.tensor(0.0))

    def forward(self, x: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        y = torch.relu(x)
        if self.clamp_rate > 0:
            y = y + self.clamp_rate * (torch.minimum(y, scale) - y)
        return y
