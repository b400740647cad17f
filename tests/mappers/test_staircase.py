"""The training-side staircase equals the chip's TTFS closed form, bin edges and bottom bin included."""

import math

import pytest
import torch

from mappers.nn.activation import Activation
from mappers.nn.staircase import staircase_levels


def chip_closed_form(v: float, theta: float, steps: int) -> int:
    """DESIGN's TTFS rule: fire once at k = clamp(ceil(S (1 - v/theta)), 0, S-1) if v > 0; level S - k."""
    if v <= 0:
        return 0
    k = min(max(math.ceil(steps * (1 - v / theta)), 0), steps - 1)
    return steps - k


@pytest.mark.parametrize("steps", [1, 4, 16, 32])
def test_staircase_matches_closed_form_at_every_bin_edge(steps):
    theta = 1.0
    edges = [j / steps for j in range(steps + 2)]
    probes = sorted({e + d for e in edges for d in (-1e-3, 0.0, 1e-3)} | {1e-9, -1e-9, 0.0, 5.0})
    z = torch.tensor(probes, dtype=torch.float64)
    levels = staircase_levels(z, theta, steps, bottom_bin=True)
    assert levels.tolist() == [chip_closed_form(v, theta, steps) for v in probes]


def test_bottom_bin_gives_any_positive_input_one_level():
    z = torch.tensor([1e-7, 0.5 / 16, 0.0, -0.1], dtype=torch.float64)
    assert staircase_levels(z, 1.0, 16, bottom_bin=True).tolist() == [1, 1, 0, 0]
    assert staircase_levels(z, 1.0, 16, bottom_bin=False).tolist() == [0, 0, 0, 0]


def test_clamped_activation_never_exceeds_its_scale():
    activation = Activation()
    activation.clamp_rate.fill_(1.0)
    z = torch.linspace(-5, 5, 1001)
    y = activation(z, torch.tensor(1.5))
    assert float(y.max()) == 1.5 and float(y.min()) == 0.0


def test_quantized_activation_has_straight_through_gradient():
    activation = Activation()
    activation.levels.fill_(8)
    activation.quantize_rate.fill_(1.0)
    activation.clamp_rate.fill_(1.0)
    z = torch.tensor([0.3, 0.7, 2.0], requires_grad=True)
    y = activation(z, torch.tensor(1.0))
    y.sum().backward()
    assert y.tolist() == pytest.approx([2 / 8, 5 / 8, 1.0])
    assert z.grad.tolist() == [1.0, 1.0, 0.0]


def quantizing(levels: int, bottom_bin: bool, shift: float) -> Activation:
    """An activation fully clamped and quantized to `levels`, with its shift."""
    activation = Activation()
    activation.levels.fill_(levels)
    activation.quantize_rate.fill_(1.0)
    activation.clamp_rate.fill_(1.0)
    activation.bottom_bin.fill_(bottom_bin)
    activation.shift.fill_(shift)
    return activation


@pytest.mark.parametrize("bottom_bin", [True, False])
def test_fast_straight_through_gives_the_general_branch_values_and_gradients(bottom_bin):
    activation = quantizing(32, bottom_bin, 0.5 / 32)
    z = torch.randn(64, 3, 5, 5, generator=torch.Generator().manual_seed(0)) * 2
    scale = torch.tensor([1.0, 2.0, 0.5])[:, None, None]
    results = []
    for scale_grad in (False, True):  # a scale that needs a gradient takes the general branch
        zz, s = z.clone().requires_grad_(), scale.clone().requires_grad_(scale_grad)
        y = activation(zz, s)
        (y * torch.arange(y.numel()).reshape(y.shape)).sum().backward()
        results.append((y.detach(), zz.grad))
    assert torch.equal(results[0][0], results[1][0]) and torch.equal(results[0][1], results[1][1])
    assert results[0][1].abs().sum() > 0
