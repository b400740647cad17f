"""The perceptron's activation: a ReLU wrapped by decorators the tuning steps switch on.

Clamp to `[0, scale]`, then quantize to `levels` steps; the shift lives inside the quantizer
(the staircase of `z + shift`), so it moves the bin edges, not the continuous ReLU. Each
decorator has a rate in [0, 1] that blends it in (progressive adaptation); quantization
passes gradients straight through. A converted module's other activation (`foreign`, a kind
of mappers.nn.foreign) stands in for the ReLU until `relu_rate` reaches 1.
"""

import torch
from torch import nn

from mappers.nn.foreign import FOREIGN, KINDS
from mappers.nn.staircase import staircase
from mappers.nn.straight_through import StraightThrough, staircase_and_mask


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
        self.register_buffer("foreign", torch.tensor(0))
        self.register_buffer("foreign_parameters", torch.zeros(2, dtype=torch.float64))
        self.register_buffer("relu_rate", torch.tensor(1.0))

    def set_foreign(self, kind: str, a: float = 0.0, b: float = 0.0) -> None:
        """Stand `kind`'s activation (with its parameters) in for the ReLU until activation_adaptation."""
        self.foreign.fill_(KINDS.index(kind) + 1)
        self.foreign_parameters.copy_(torch.tensor([a, b], dtype=torch.float64))
        self.relu_rate.fill_(0.0)

    @property
    def kind(self) -> str:
        """The activation the neuron computes before adaptation: `relu`, or a kind of mappers.nn.foreign."""
        return KINDS[int(self.foreign) - 1] if self.foreign > 0 else "relu"

    def forward(self, z: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        if z.dtype == torch.bfloat16:  # mixed-precision training: bin edges and clamps are float32's
            z = z.float()
        if self.relu_rate < 1:
            other = FOREIGN[self.kind](z, *self.foreign_parameters.tolist())
            return other + self.relu_rate * (torch.relu(z) - other)
        quantizer = (int(self.levels), bool(self.bottom_bin), float(self.lattice_eps))
        if self.levels > 0 and self.quantize_rate >= 1:
            if not torch.is_grad_enabled():
                return staircase_and_mask(z, scale, self.shift, *quantizer, masked=False)[0]
            if self.clamp_rate >= 1 and not scale.requires_grad:
                return StraightThrough.apply(z, scale, self.shift, *quantizer)  # the values of the branch below
        y = self.clamped(z, scale)
        if self.levels > 0 and self.quantize_rate > 0:
            with torch.no_grad():  # the staircase's gradient is zero: no graph to build or run back through
                q = staircase(z + self.shift, scale, *quantizer)
            if self.quantize_rate >= 1:
                return q + (y - y.detach())  # exactly the staircase, gradients straight through
            y = y + self.quantize_rate * (q - y.detach())
        return y

    def clamped(self, z: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
        """The ReLU, blended `clamp_rate` of the way to its clamp at `scale` (fully clamped in one op at rate 1)."""
        if self.clamp_rate >= 1:
            if not scale.requires_grad and scale.numel() == 1:  # hardtanh's backward: one fused pass, not five
                return nn.functional.hardtanh(z, 0.0, float(scale))
            return torch.clamp(z, min=scale.new_zeros(()), max=scale)
        y = torch.relu(z)
        if self.clamp_rate > 0:
            y = y + self.clamp_rate * (torch.minimum(y, scale) - y)
        return y
