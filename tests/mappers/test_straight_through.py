"""The one-pass staircase (training and evaluation) gives exactly the staircase's values and the clamped ReLU's gradient."""

import pytest
import torch

from mappers.nn.staircase import LATTICE_EPS, staircase
from mappers.nn.straight_through import StraightThrough, staircase_and_mask
from tests.mappers.test_staircase import quantizing


def pre_activations(dtype, layout, scale: float, levels: int) -> torch.Tensor:
    """Random values with every bin edge, its float neighbours and the clamp's bounds among them."""
    torch.manual_seed(1)
    edges = torch.arange(-2, levels + 3, dtype=dtype) * scale / levels
    probes = torch.cat([edges, torch.nextafter(edges, edges + 1), torch.nextafter(edges, edges - 1)])
    z = torch.cat([probes, torch.randn(6 * 5 * 7 * 4 - len(probes), dtype=dtype) * scale])
    z = z[torch.randperm(len(z))].reshape(6, 4, 5, 7)
    return z.contiguous(memory_format=layout)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
@pytest.mark.parametrize("bottom_bin, eps, shift", [(True, 0.0, 0.0), (True, LATTICE_EPS, 1 / 64),
                                                    (False, 0.0, 0.0), (False, LATTICE_EPS, 0.3)])
def test_values_and_mask_equal_the_torch_definition(dtype, layout, bottom_bin, eps, shift):
    scale, levels = torch.tensor(1.7, dtype=dtype), 32
    z = pre_activations(dtype, layout, float(scale), levels)
    shift_t = torch.tensor(shift, dtype=dtype)
    values, mask = staircase_and_mask(z, scale, shift_t, levels, bottom_bin, eps)
    assert torch.equal(values, staircase(z + shift_t, scale, levels, bottom_bin, eps))
    assert torch.equal(mask, ((z > 0) & (z < scale)).to(dtype))
    assert values.stride() == z.stride()
    alone, none = staircase_and_mask(z, scale, shift_t, levels, bottom_bin, eps, masked=False)  # evaluation's pass
    assert torch.equal(alone, values) and none is None


def test_an_unusual_layout_takes_the_torch_path_with_the_same_values():
    z = pre_activations(torch.float32, torch.contiguous_format, 1.0, 8).transpose(1, 3)
    values, mask = staircase_and_mask(z, torch.tensor(1.0), torch.tensor(0.0), 8, True, 0.0)
    assert torch.equal(values, staircase(z, torch.tensor(1.0), 8, True))
    assert torch.equal(mask, ((z > 0) & (z < 1)).float())


def test_gradient_passes_inside_the_clamp_only():
    z = torch.tensor([-0.5, 0.0, 0.2, 0.99, 1.0, 3.0], requires_grad=True)
    StraightThrough.apply(z, torch.tensor(1.0), torch.tensor(0.0), 4, True, 0.0).sum().backward()
    assert z.grad.tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0]


def test_training_and_evaluation_of_a_quantized_activation_agree():
    activation = quantizing(16, True, 1 / 32)
    z = pre_activations(torch.float32, torch.channels_last, 2.0, 16).requires_grad_()
    trained = activation(z, torch.tensor(2.0))
    with torch.no_grad():
        assert torch.equal(trained.detach(), activation(z, torch.tensor(2.0)))
