"""The quantizing activation's passes: the staircase forward, the clamped ReLU's gradient backward.

A quantized model spends most of its time in this elementwise work, so on the CPU one Numba pass computes the
staircase (the same operations as `mappers.nn.staircase`, in the tensor's precision, hence the same values) and,
when training, the gradient mask with it, for a single scale; otherwise torch computes them.
"""

import numba
import numpy as np
import torch

from mappers.nn.staircase import staircase
from simulator.jit import njit_cached


@njit_cached(parallel=True)
def _staircase_and_mask(z, shift, scale, levels, bottom_bin, eps, values, mask):
    """values = staircase(z + shift) and, where `mask` is as long as z, mask = 1 where 0 < z < scale, over flat
    arrays of one dtype."""
    zero, one, top = z.dtype.type(0), z.dtype.type(1), z.dtype.type(levels)  # arithmetic in z's precision
    masked = mask.size == z.size
    for i in numba.prange(z.size):
        x = z[i]
        if masked:
            mask[i] = one if x > zero and x < scale else zero
        u = (x + shift) * top / scale
        k = np.floor(u + eps)
        if bottom_bin and u > eps and k < one:
            k = one
        if k < zero:
            k = zero
        if k > top:
            k = top
        values[i] = k * scale / top


def _flat(t: torch.Tensor) -> np.ndarray | None:
    """A flat writable NumPy view of a dense CPU tensor in its memory order (row-major or channels-last)."""
    if t.is_contiguous():
        return t.detach().view(-1).numpy()
    if t.dim() == 4 and t.is_contiguous(memory_format=torch.channels_last):
        return t.detach().permute(0, 2, 3, 1).reshape(-1).numpy()
    return None


def staircase_and_mask(z: torch.Tensor, scale: torch.Tensor, shift: torch.Tensor, levels: int, bottom_bin: bool,
                       eps: float, *, masked: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(staircase(z + shift, scale, ...), with `masked` the float mask of 0 < z < scale, else None), without
    gradients."""
    values, mask = torch.empty_like(z), torch.empty_like(z) if masked else z.new_empty(0)
    flat = [_flat(t) for t in (z, values, mask)]
    if z.device.type != "cpu" or scale.numel() != 1 or any(f is None for f in flat):
        with torch.no_grad():
            return (staircase(z + shift, scale, levels, bottom_bin, eps),
                    ((z > 0) & (z < scale)).to(z.dtype) if masked else None)
    kind = flat[0].dtype.type
    _staircase_and_mask(flat[0], kind(shift), kind(scale), levels, bottom_bin, kind(eps), flat[1], flat[2])
    return values, mask if masked else None


class StraightThrough(torch.autograd.Function):
    """The staircase forward; backward, the gradient of the clamped ReLU (1 inside (0, scale), 0 outside)."""

    @staticmethod
    def forward(ctx, z, scale, shift, levels: int, bottom_bin: bool, eps: float):
        values, mask = staircase_and_mask(z, scale, shift, levels, bottom_bin, eps)
        ctx.save_for_backward(mask)
        return values

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask, None, None, None, None, None
