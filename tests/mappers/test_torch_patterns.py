"""The patterns of real networks (issue 16): each converts to a mapper graph whose float64 forward is the module's."""

import inspect

import pytest
import torch

from mappers.torch_fx.convert import convert
from tests.mappers import torch_models
from tests.mappers.test_torch_fx import randomized
from tests.mappers.torch_models import NoBiasNet

SOURCE = inspect.getsourcefile(torch_models)


def assert_converts_exactly(module, shape=(1, 8, 8)):
    """The converted graph's forward equals `module`'s on random inputs, in float64, before any quantization."""
    graph = convert(randomized(module), shape, SOURCE).double()
    module.double()
    x = torch.rand(32, *shape, dtype=torch.float64)
    with torch.no_grad():
        expected, converted = module(x), graph(x)
    assert converted.shape == expected.shape and torch.allclose(converted, expected, rtol=1e-12, atol=1e-12)
    return graph


def test_layers_without_bias_convert_with_a_zero_bias_outside_the_users_state_dict():
    graph = assert_converts_exactly(NoBiasNet())
    conv = graph.nodes[1].perceptron.layer
    assert [name for name, _ in conv.named_parameters()] == ["weight"]
    assert torch.equal(conv.bias, torch.zeros(6, dtype=torch.float64)) and "nodes.1.perceptron.layer.bias" in \
        graph.state_dict()
