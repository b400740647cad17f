"""im2col lowering of a convolution perceptron equals torch's conv2d."""

import numpy as np
import pytest
import torch
from torch import nn

from mappers.graph.mappers import InputMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph
from mappers.graph.scales import compute_per_source_scales
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.nn.perceptron import Perceptron
from tests.mappers.test_soft_mapping import evaluate_ir


@pytest.mark.parametrize("channels,out_channels,kernel,stride,padding", [
    (3, 5, 3, 1, 1), (2, 7, 3, 2, 0), (4, 6, 1, 1, 0), (1, 9, 5, 2, 2),
])
def test_im2col_cores_equal_conv2d(channels, out_channels, kernel, stride, padding):
    torch.manual_seed(0)
    conv = nn.Conv2d(channels, out_channels, kernel, stride=stride, padding=padding).double()
    p = Perceptron(conv, batch_norm=False, is_output=True)
    graph = MapperGraph((channels, 9, 9), [InputMapper(), PerceptronMapper(0, p)])
    compute_per_source_scales(graph)
    ir = map_soft_cores(graph, CoreBudget(((256, 4),)))
    x = torch.rand(5, channels, 9, 9, dtype=torch.float64)
    expected = torch.nn.functional.conv2d(x, conv.weight, conv.bias, stride=stride, padding=padding)
    chip = evaluate_ir(ir, x.reshape(5, -1).numpy()).reshape(expected.shape)
    np.testing.assert_allclose(chip, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    positions = expected.shape[2] * expected.shape[3]
    assert len(ir.cores) == positions * -(-out_channels // 4)
