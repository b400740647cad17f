"""The perceptron's activation: a ReLU wrapped by decorators the tuning steps switch on.

Clamp to `[0, scale]`, then quantize to `levels` steps; the shift lives inside the quantizer
(the staircase of `z + shift`), so it moves the bin edges, not the continuous ReLU. Each
decorator has a rate in [0, 1] that blends it in (progressive adaptation); quantization
passes gradients straight through.
"""

import torch
from torch import nn

from mappers.nn.staircase import staircase


class Activation(nn.Module):
    """ReLU + shift + clamp + quantize; all state in buffers so checkpoints restore it."""

    def __init__(self):
        super().__init__()
        self.register_buffer("shift", torch.tensor(0.0))
        self.register_buffer("clamp_rate", torch.tensor(0.0))
        self.register_buffer("levels", torch.tensor(0))
        self.register_buffer("quantize_rate", torch.tensor(0.0))
        self.register_buffer("bottom_bin", torch.tensor(False))
        self.register_buffer("lattice_eps", torch.tensor(0.0, dtype=torch.float64))

    def forward(self, z: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        if self.levels > 0 and self.quantize_rate >= 1 and not torch.is_grad_enabled():
            # the staircase alone, the very values of the training branch below (which adds y - y = 0)
            return staircase(z + self.shift, scale, int(self.levels), bool(self.bottom_bin), float(self.lattice_eps))
        y = torch.relu(z)
        if self.clamp_rate > 0:
            y = y + self.clamp_rate * (torch.minimum(y, scale) - y)
        if self.levels > 0 and self.quantize_rate > 0:
            q = staircase(z + self.shift, scale, int(self.levels), bool(self.bottom_bin), float(self.lattice_eps))
            if self.quantize_rate >= 1:
                return q + (y - y.detach())  # exactly the staircase, gradients straight through
            y = y + self.quantize_rate * (q - y).detach()
        return y
