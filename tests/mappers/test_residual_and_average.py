"""Residual additions and average pools: compute ops whose chip result equals the quantized model exactly."""

import numpy as np
import pytest
import torch
from torch import nn

from mappers.graph.mappers import (AddMapper, AvgPoolMapper, GlobalAvgPoolMapper, InputMapper, PerceptronMapper)
from mappers.graph.representation import MapperGraph
from mappers.graph.scales import compute_per_source_scales
from mappers.hardware.lowering import chip_program
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.nn.perceptron import Perceptron
from mappers.nn.staircase import LATTICE_EPS
from runner.steps.weight_quantization import bake_quantized
from simulator import simulate

STEPS = 8


def conv(inputs, outputs, kernel):
    return Perceptron(nn.Conv2d(inputs, outputs, kernel, padding=kernel // 2), batch_norm=False, is_output=False)


def residual_graph(seed):
    """x -> A (3x3) -> B (1x1) -> A + B -> 2x2 average -> head (1x1) -> global average (readout)."""
    torch.manual_seed(seed)
    nodes = [InputMapper(), PerceptronMapper(0, conv(2, 4, 3)), PerceptronMapper(1, conv(4, 4, 1)),
             AddMapper((1, 2)), AvgPoolMapper(3, 2, None, channels=4), PerceptronMapper(4, conv(4, 3, 1)),
             GlobalAvgPoolMapper(5, 3)]
    return MapperGraph((2, 8, 8), nodes).eval()


def quantize(graph, x):
    with torch.no_grad():
        outputs = {}
        hooks = [n.register_forward_hook(lambda m, a, o, i=i: outputs.__setitem__(i, o)) for i, n in
                 enumerate(graph.nodes)]
        for i in (1, 2, 5):
            graph.nodes[i].perceptron.activation_scale.fill_(100.0)
        graph.nodes[3].activation_scale.fill_(100.0)
        graph(x)
        for h in hooks:
            h.remove()
        for i in (1, 2, 5):
            p = graph.nodes[i].perceptron
            p.activation_scale.fill_(float(p.layer(outputs[i - 1] if i != 1 else x).relu().max()) * 1.01)
        graph.nodes[3].activation_scale.fill_(float((outputs[1] + outputs[2]).max()) * 0.8)
    graph.input_node.levels.fill_(STEPS)
    for _, owner in graph.activations():
        a = owner.activation
        a.levels.fill_(STEPS), a.bottom_bin.fill_(True), a.clamp_rate.fill_(1.0), a.quantize_rate.fill_(1.0)
        if hasattr(owner, "activation_scale"):
            a.shift.fill_(float(owner.activation_scale) / (2 * STEPS))
    graph.nodes[4].activation.lattice_eps.fill_(LATTICE_EPS)
    compute_per_source_scales(graph)
    bake_quantized(graph, 8, STEPS)


@pytest.mark.parametrize("seed", range(3))
def test_chip_equals_the_quantized_model_through_an_addition_and_an_average(seed):
    graph = residual_graph(seed)
    x = torch.rand(300, 2, 8, 8, dtype=torch.float64)
    quantize(graph, x.float())
    ir = map_soft_cores(graph, CoreBudget(((64, 32),)))
    assert [op.kind for op in ir.ops] == ["sum", "sum"]
    with torch.no_grad():
        model = graph(x).numpy()
    chip = simulate(chip_program(ir, "ttfs_quantized", STEPS), x.reshape(300, -1).numpy())
    head_scale = float(graph.nodes[5].perceptron.activation_scale)
    np.testing.assert_allclose(chip.scores * head_scale, model, rtol=1e-9, atol=1e-12)
    assert np.array_equal(chip.predictions, model.argmax(1))


def test_continuous_ttfs_addition_and_average_are_exact():
    graph = residual_graph(7).double()
    x = torch.rand(100, 2, 8, 8, dtype=torch.float64)
    with torch.no_grad():
        for i in (1, 2, 5):
            graph.nodes[i].perceptron.activation_scale.fill_(50.0)
        graph.nodes[3].activation_scale.fill_(80.0)
        for _, owner in graph.activations():
            owner.activation.clamp_rate.fill_(1.0)
    compute_per_source_scales(graph)
    ir = map_soft_cores(graph, CoreBudget(((64, 32),)))
    with torch.no_grad():
        model = graph(x).numpy()
    chip = simulate(chip_program(ir, "ttfs", STEPS), x.reshape(100, -1).numpy())
    np.testing.assert_allclose(chip.scores * 50.0, model, rtol=1e-9, atol=1e-12)
