"""The patterns of real networks (issue 16): each converts to a mapper graph whose float64 forward is the module's."""

import inspect

import numpy as np
import pytest
import torch
from torch import nn

from mappers.graph.mappers import (AvgPoolMapper, FlattenMapper, GlobalAvgPoolMapper, MaxPoolMapper, PerceptronMapper,
                                   ResidualMapper)

from mappers.graph.scales import compute_per_source_scales
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.torch_fx.convert import convert
from tests.mappers import torch_models
from tests.mappers.test_torch_fx import randomized
from mappers.torch_fx.trace import Unrepresentable
from runner.steps.weight_quantization import bake_quantized, prepare
from tests.mappers.torch_models import (AdaptivePoolNet, CeilAveragePoolNet, CeilPoolNet, FlattenIdiomsNet,
                                       GroupedResidualNet, LinearBottleneck, MobileNetBlock, NoBiasNet, SoftmaxNet,
                                       TinyResNet, TutorialLeNet)

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


def refusal(module, shape=(1, 8, 8)) -> str:
    """The one problem `module`'s conversion reports."""
    with pytest.raises(Unrepresentable) as info:
        convert(module, shape, SOURCE)
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0]


def line_of(text: str) -> int:
    """The line of torch_models.py that contains `text`."""
    return next(i for i, line in enumerate(open(SOURCE).read().splitlines(), 1) if text in line)


@pytest.mark.parametrize("idiom", ["view_size", "view_shape", "view_batch_of_size", "view_minus_one", "reshape_shape",
                                   "reshape_tuple", "flatten_keyword"])
def test_flatten_idioms_and_a_keyword_average_pool_convert(idiom):
    graph = assert_converts_exactly(FlattenIdiomsNet(idiom))
    assert [type(node) for node in graph.nodes[2:4]] == [AvgPoolMapper, FlattenMapper]
    assert (graph.nodes[2].kernel, graph.nodes[2].stride) == (2, 2)


@pytest.mark.parametrize("idiom,call", [("view_wrong_width", "Tensor.view"),
                                        ("view_constant_batch", "Tensor.reshape")])
def test_a_view_that_does_not_keep_the_batch_is_refused_with_its_line(idiom, call):
    line = line_of(f'"{idiom}"')
    assert refusal(FlattenIdiomsNet(idiom)) == (
        f"{SOURCE}:{line}: {call}: only flattening every axis but the "
        "batch maps to cores: torch.flatten(x, 1), x.view(x.size(0), -1) or x.view(-1, 96)")


@pytest.mark.parametrize("ending,name", [("log_softmax", "F.log_softmax"), ("softmax", "F.softmax"),
                                         ("method", "Tensor.log_softmax"), ("torch_softmax", "torch.softmax"),
                                         ("LogSoftmax", "nn.LogSoftmax"), ("Softmax", "nn.Softmax")])
def test_a_final_softmax_is_dropped_with_one_note(ending, name):
    module = randomized(SoftmaxNet(ending))
    graph = convert(module, (1, 8, 8), SOURCE).double()
    module.double()
    x = torch.rand(32, 1, 8, 8, dtype=torch.float64)
    with torch.no_grad():
        scores, expected = graph(x), module(x)
    again = scores.log_softmax(1) if "og" in name else scores.softmax(1)
    assert torch.allclose(again, expected, rtol=1e-12, atol=1e-12) and graph.names[-1] == "fc2"
    assert torch.equal(scores.argmax(1), expected.argmax(1))
    line = line_of("self.ending(self.fc2(x))" if name.startswith("nn.") else f'"{ending}": ')  # a module: where called
    assert graph.notes == [f"{SOURCE}:{line}: the final {name} is dropped: the chip predicts the class of the "
                           "largest score, which it does not change"]


@pytest.mark.parametrize("ending,node", [("over_the_batch", "F.log_softmax"), ("before_the_classifier", "F.softmax")])
def test_a_softmax_elsewhere_is_refused_alone(ending, node):
    line = line_of('"over_the_batch": ' if ending == "over_the_batch" else '"softmax": ')
    assert refusal(SoftmaxNet(ending)) == (
        f"{SOURCE}:{line}: {node}: {node} maps only as the last operation, over the "
        "classes (dim=1), where it is dropped: the prediction is the same")


@pytest.mark.parametrize("pool,features", [
    ({"kernel_size": 2}, 64), ({"kernel_size": 2, "stride": 1, "dilation": 2}, 64),
    ({"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, 144),
    ({"kernel_size": 2, "stride": 3, "ceil_mode": True}, 64), ({"kernel_size": 2, "stride": 1, "dilation": 3}, 16)])
def test_max_pools_with_ceil_mode_or_dilation_convert_exactly(pool, features):
    graph = assert_converts_exactly(CeilPoolNet(features, **pool))
    assert (graph.nodes[2].ceil_mode, graph.nodes[2].kernel, graph.nodes[2].stride) == (True, 3, 2)
    assert graph.nodes[4].dilation == pool.get("dilation", 1)


@pytest.mark.parametrize("pool", [{"kernel_size": 3, "stride": 2, "ceil_mode": True},
                                  {"kernel_size": 2, "stride": 1, "dilation": 2}])
def test_a_pools_windows_are_torchs_windows(pool):
    """Every output of the pool's windows (values 1.. so padding, 0, never wins) is torch's max over the window."""
    elements = np.random.default_rng(0).random((2, 7, 9)) + 1
    windows = MaxPoolMapper(0, pool["kernel_size"], pool["stride"], 0, pool.get("dilation", 1),
                            pool.get("ceil_mode", False)).windows(elements, 0.0)
    expected = nn.functional.max_pool2d(torch.from_numpy(elements)[None], **pool)[0].numpy()
    assert windows.shape[:3] == expected.shape and np.array_equal(windows.max(-1), expected)
    assert windows.shape[-1] == pool["kernel_size"] ** 2


def test_an_average_pool_in_ceil_mode_converts_where_it_adds_no_window_and_is_refused_where_it_does():
    assert_converts_exactly(CeilAveragePoolNet(2))
    assert refusal(CeilAveragePoolNet(3)) == (
        f"{SOURCE}:{line_of('self.pool(torch.relu(self.conv(x)))')}: nn.AvgPool2d (pool): ceil_mode=True "
        "adds partial windows at the bottom and right edges here, which the chip's average pools do not have: pool "
        "without ceil_mode")



@pytest.mark.parametrize("block", ["basic", "bottleneck"])
def test_torchvision_residual_blocks_fold_their_skip_into_the_last_layer(block):
    graph = assert_converts_exactly(TinyResNet(block))
    residuals = [(name, node) for name, node in zip(graph.names, graph.nodes) if isinstance(node, ResidualMapper)]
    last = "conv2" if block == "basic" else "conv3"
    assert [name for name, _ in residuals] == [f"layer1.{last}", f"layer2.{last}"]
    identity, downsample = residuals[0][1].skip, residuals[1][1].skip
    assert torch.equal(identity.layer.weight[:, :, 0, 0], torch.eye(8, dtype=torch.float64))
    assert [name for name, _ in identity.named_parameters()] == [] and downsample.layer.stride == (2, 2)
    assert graph.source_names[f"nodes.{graph.names.index(f'layer2.{last}')}.skip.norm"] == "layer2.downsample.1"


def test_a_residual_layer_and_its_skip_quantize_on_one_grid_with_one_bias_in_range():
    """Biases that are each the largest parameter: their sum, the neurons' one bias, still fits 8 bits."""
    graph = convert(randomized(TinyResNet("basic")), (1, 8, 8), SOURCE)
    node = graph.nodes[graph.names.index("layer2.conv2")]
    with torch.no_grad():
        node.perceptron.norm.bias.fill_(3.0), node.skip.norm.bias.fill_(3.0)
    prepare(graph)
    bake_quantized(graph, 8, 16)
    assert int(node.perceptron.parameter_scale) == int(node.skip.parameter_scale)
    assert not node.skip.layer.bias.any()
    cores = map_soft_cores(graph, CoreBudget(((256, 128),))).cores
    assert max(int(np.abs(core.weights).max()) for core in cores) == 127


def test_depthwise_and_grouped_convolutions_convert_and_read_only_their_groups_channels():
    graph = assert_converts_exactly(MobileNetBlock())
    compute_per_source_scales(graph)
    cores = map_soft_cores(graph, CoreBudget(((256, 128),))).cores
    depthwise = [core for core in cores if core.layer.startswith("depthwise.0@")]
    grouped = [core for core in cores if core.layer.startswith("grouped@")]
    assert len(depthwise) == 8 * 16 and {core.weights.shape for core in depthwise} == {(10, 1)}
    assert len(grouped) == 2 * 16 and {core.weights.shape for core in grouped} == {(8 * 9 + 1, 4)}
    assert depthwise[0].layer == "depthwise.0@0g0[0:1]"


def test_a_grouped_convolution_ending_a_residual_block_is_refused_alone():
    assert refusal(GroupedResidualNet()) == (
        f"{SOURCE}:{line_of('torch.relu(self.conv(x) + x)')}: +: a grouped convolution "
        "does not end a residual block on the chip: make the block's last convolution (and its downsample) groups=1")


def test_a_loop_over_the_sizes_traces_on_the_spec_input_shape():
    graph = assert_converts_exactly(TutorialLeNet())
    assert [type(node) for node in graph.nodes[3:6]] == [PerceptronMapper, MaxPoolMapper, FlattenMapper]


@pytest.mark.parametrize("size,pool", [(8, None), (4, AvgPoolMapper), (2, AvgPoolMapper), (1, GlobalAvgPoolMapper)])
def test_an_adaptive_average_pool_is_the_pool_it_is_on_the_input(size, pool):
    graph = assert_converts_exactly(AdaptivePoolNet(size))
    assert [type(node) for node in graph.nodes[2:3]] == [pool or FlattenMapper]


def test_an_adaptive_pool_with_unequal_windows_is_refused_alone():
    assert refusal(AdaptivePoolNet(3)) == (
        f"{SOURCE}:{line_of('pooled = self.pool(torch.relu(self.conv(x)))')}: nn.AdaptiveAvgPool2d (pool): an "
        "adaptive pool from (8, 8) to (3, 3) has windows of unequal sizes, "
        "which no chip pool has: choose an output size that divides the input's sides by one factor, or 1")


def test_a_linear_bottleneck_is_refused_once_at_its_layer():
    """The projection's output reaches the next layer without an activation: that layer alone, at its line."""
    assert refusal(LinearBottleneck()) == (
        f"{SOURCE}:{line_of('x = x + self.conv(x)')}: nn.Conv2d (conv.3): its output is read without an "
        "activation, but chip neurons are ReLUs of weighted sums: end it with a ReLU (or an activation "
        "activation_adaptation replaces), unless it is the network's output")
