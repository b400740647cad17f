"""The activation staircase the chip computes, written once for training and evaluation.

`u = levels * z / scale`; TTFS (bottom bin): any z > 0 gives at least one level;
rate: plain floor. `LATTICE_EPS` absorbs float error when z lies on an integer lattice
(integer weights): lattice points are at least 1/32767 apart, float error is far smaller.
"""

import torch

LATTICE_EPS = 1e-6


def staircase_levels(z: torch.Tensor, scale, levels: int, bottom_bin: bool) -> torch.Tensor:
    """Integer level (0..levels) of pre-activation `z` for an output scale `scale`."""
    u = z * levels / scale
    k = torch.floor(u + LATTICE_EPS).clamp(0, levels)
    if bottom_bin:
        k = torch.where(u > LATTICE_EPS, k.clamp(min=1), torch.zeros_like(k))
    return k


def staircase(z: torch.Tensor, scale, levels: int, bottom_bin: bool) -> torch.Tensor:
    """The staircase value `scale * level / levels`."""
    return staircase_levels(z, scale, levels, bottom_bin) * scale / levels
