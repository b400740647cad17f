"""The activation staircase the chip computes, written once for training and evaluation.

`u = levels * z / scale`; TTFS (bottom bin): any z > 0 gives at least one level;
rate: plain floor. With integer weights u lies on a lattice of spacing 1/theta (at least
1/32767), so `LATTICE_EPS` absorbs float error there without ever crossing a lattice point.
"""

import torch

LATTICE_EPS = 1e-6


def staircase_levels(z: torch.Tensor, scale, levels: int, bottom_bin: bool, eps: float = 0.0) -> torch.Tensor:
    """Integer level (0..levels) of pre-activation `z` for an output scale `scale`."""
    u = z * levels / scale
    k = torch.floor(u + eps) if eps else torch.floor(u)
    if bottom_bin:  # u <= eps floors to 0 or below (eps < 1/2), so raising to (u > eps) touches only the bottom bin
        k = torch.maximum(k, (u > eps).to(k.dtype))
    return k.clamp_(0, levels)


def staircase(z: torch.Tensor, scale, levels: int, bottom_bin: bool, eps: float = 0.0) -> torch.Tensor:
    """The staircase value `scale * level / levels`."""
    return staircase_levels(z, scale, levels, bottom_bin, eps) * scale / levels
