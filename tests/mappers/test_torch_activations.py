"""Activations other than ReLU (issue 16): converted exactly, replaced by activation_adaptation, refused alone."""

import pytest
import torch

from mappers.torch_fx.convert import convert
from runner.steps.activation_adaptation import set_relu
from runner.steps.tuned import hidden_activations
from tests.mappers.test_torch_patterns import SOURCE, assert_converts_exactly, line_of, refusal
from tests.mappers.torch_models import ACTIVATIONS, ActivationNet, GeluMLP, HardswishBlock, SignedInputNet, TanhLeNet

KINDS = {"GELU": "gelu", "GELU_tanh": "gelu", "SiLU": "silu", "Tanh": "tanh", "Sigmoid": "sigmoid",
         "LeakyReLU": "leaky_relu", "ReLU6": "hardtanh", "Hardtanh": "hardtanh", "ELU": "elu", "F.gelu": "gelu",
         "F.silu": "silu", "torch.tanh": "tanh", "Tensor.sigmoid": "sigmoid", "F.leaky_relu": "leaky_relu",
         "F.relu6": "hardtanh", "F.elu": "elu", "F.hardtanh": "hardtanh"}


@pytest.mark.parametrize("kind", ACTIVATIONS)
def test_every_activation_converts_exactly_with_its_parameters(kind):
    """The graph computes the module's activation (negative values pass through the average pool unclipped)."""
    graph = assert_converts_exactly(ActivationNet(kind))
    assert [a.kind for a in hidden_activations(graph)] == [KINDS[kind], "identity"]
    operation = f"nn.{kind.split('_')[0]}" if "." not in kind else kind
    called = f'"{kind}": lambda' if getattr(ACTIVATIONS[kind], "__name__", "") == "<lambda>" else \
        "self.fc(torch.flatten(self.pool(self.act("
    assert graph.foreign_activations == [f"{SOURCE}:{line_of(called)}: {operation}"]  # where the call is written


@pytest.mark.parametrize("module", [TanhLeNet(), GeluMLP()])
def test_the_lenet_and_the_mlp_convert_exactly_and_adapt_to_the_chips_relu(module):
    graph = assert_converts_exactly(module)
    set_relu(graph, 1.0)
    x = torch.randn(16, 1, 8, 8, dtype=torch.float64)
    relu = module.double()
    for name, child in list(relu.named_modules()):
        if isinstance(child, (torch.nn.Tanh, torch.nn.GELU)):
            setattr(relu, name, torch.nn.ReLU())
    assert {a.kind for a in hidden_activations(graph)} - {"relu"} and all(a.relu_rate == 1 for a in
                                                                         hidden_activations(graph))
    with torch.no_grad():
        h = graph.nodes[1](x) if isinstance(module, TanhLeNet) else graph.nodes[2](graph.nodes[1](x))
    assert (h >= 0).all()  # adapted: the chip's ReLU


def test_half_adapted_activations_blend_linearly():
    graph = convert(ActivationNet("Tanh").eval(), (1, 8, 8), SOURCE).double()
    activation = hidden_activations(graph)[0]
    z = torch.linspace(-3, 3, 61, dtype=torch.float64)
    scale = torch.tensor(1.0, dtype=torch.float64)
    set_relu(graph, 0.25)
    assert torch.allclose(activation(z, scale), 0.75 * torch.tanh(z) + 0.25 * torch.relu(z), rtol=0, atol=1e-15)


def test_an_activation_no_adaptation_replaces_is_refused_alone_by_its_class_and_line():
    """A MobileNetV3 block: Hardswish in the stem is the one root cause; the layers after it are not blamed. Its line
    is where forward() calls the Sequential that holds it."""
    assert refusal(HardswishBlock()) == (
        f"{SOURCE}:{line_of('self.fc(torch.flatten(self.pointwise(')}: nn.Hardswish (stem.2): this operation has no "
        "crossbar or compute-op equivalent: compute it outside the model or use an operation the chip runs "
        "(mappers/README.md lists them)")


def test_an_activation_of_the_input_is_refused_alone():
    assert refusal(SignedInputNet()) == (
        f"{SOURCE}:{line_of('self.fc(torch.flatten(torch.tanh(x), 1))')}: torch.tanh: an activation must directly "
        "follow a Linear/Conv2d (or its BatchNorm): chip neurons apply it to their weighted sum")
