"""Integer weights: effective parameters x an integer threshold, rounded into `bits` bits.

The threshold `theta` is the parameter scale: `W_q = round(W_eff * theta)` with
`theta = max(1, round(max_int / max|W_eff, b_eff|))`, so weights and bias share one range.
"""

import torch

from mappers.nn.effective import effective_parameters
from mappers.nn.perceptron import Perceptron


def integer_range(bits: int) -> tuple[int, int]:
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def parameter_scale_for(w_eff: torch.Tensor, b_eff: torch.Tensor, bits: int) -> int:
    """The integer threshold that spreads the largest effective parameter over the bit range."""
    largest = float(torch.cat([w_eff.abs().flatten(), b_eff.abs()]).max())
    return max(1, round(integer_range(bits)[1] / largest)) if largest > 0 else 1


def integer_parameters(w_eff: torch.Tensor, b_eff: torch.Tensor, theta: int, bits: int):
    """(W_q, b_q) as int64 tensors, rounded and clipped to the bit range."""
    lo, hi = integer_range(bits)
    return (torch.round(w_eff * theta).clamp(lo, hi).long(), torch.round(b_eff * theta).clamp(lo, hi).long())


def group_parameter_scale(group: list[Perceptron], bits: int) -> int:
    """The one integer threshold of perceptrons whose sums meet in one neuron (a residual layer and its skip): their
    shared native threshold where it makes every parameter an integer within the bits, else the widest spread."""
    effective = [effective_parameters(p) for p in group]
    native = {float(p.native_threshold) for p in group}
    if len(native) == 1 and (theta := native.pop()) >= 1:
        lo, hi = integer_range(bits)
        scaled = torch.cat([torch.cat([w.flatten(), b]) for w, b in effective]).double() * theta
        whole = bool(((scaled - scaled.round()).abs() < 1e-6).all())
        if whole and lo <= float(scaled.min()) and float(scaled.max()) <= hi:
            return int(theta)
    return parameter_scale_for(torch.cat([w.flatten() for w, _ in effective]), torch.cat([b for _, b in effective]),
                               bits)


def quantized_layer_parameters(p: Perceptron, bits: int, theta: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Layer weight and bias (model units) whose effective values are exactly `W_q / theta`."""
    w_eff, b_eff = effective_parameters(p)
    w_q, b_q = integer_parameters(w_eff, b_eff, theta, bits)
    scale = p.activation_scale.double()
    weight = ((w_q.double() / theta).T * scale / p.fan_in_scales().double()).reshape(p.layer.weight.shape)
    bias = b_q.double() / theta * scale
    if p.activation is not None:
        bias = bias - p.activation.shift.double()
    return weight, bias
