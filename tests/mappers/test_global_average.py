"""A global average pool, reached through torch.fx: the model computes what the chip computes, in both TTFS modes.

As the readout (only a flatten after it) its cores are exact output cores and the model's exact mean is the
chip's score; before a classifier its cores are spiking cores that floor the mean of levels, and so must the model.
"""

import numpy as np
import pytest
import torch
from torch import nn

from mappers.graph.mappers import GlobalAvgPoolMapper
from mappers.graph.probe import pre_activations
from mappers.graph.scales import compute_per_source_scales
from mappers.hardware.lowering import chip_program
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.nn.staircase import LATTICE_EPS
from mappers.torch_fx.convert import convert
from runner.steps.weight_quantization import bake_quantized
from simulator import simulate

STEPS = 8


def readout_net() -> nn.Module:
    """Conv, a 1x1 classifier conv with its ReLU, the global average, a flatten: the average is the readout."""
    return nn.Sequential(nn.Conv2d(2, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 3, 1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten())


def classifier_net() -> nn.Module:
    """Conv, the global average, a flatten and a linear classifier (the torchvision ResNet's end)."""
    return nn.Sequential(nn.Conv2d(2, 6, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(6, 3))


def deployed(net: nn.Module, x: torch.Tensor, quantized: bool):
    """(graph, chip program): scales from the activations seen on `x`, then (if `quantized`) S levels with the
    bottom bin and 8-bit weights, as the pipeline's steps set them."""
    torch.manual_seed(0)
    graph = convert(net, (2, 6, 6)).double()
    owners = dict(graph.perceptrons())
    with torch.no_grad():
        for name, values in pre_activations(graph, x).items():
            p = owners[name]
            magnitudes = values.abs() if p.is_output else values.clamp(min=0)
            p.activation_scale.fill_(float(magnitudes.max()) * (1.0 if p.is_output else 0.9) + 1e-3)
    for _, owner in graph.activations():
        a = owner.activation
        a.clamp_rate.fill_(1.0)
        if quantized:
            a.levels.fill_(STEPS), a.bottom_bin.fill_(True), a.quantize_rate.fill_(1.0)
            a.lattice_eps.fill_(LATTICE_EPS)
            if hasattr(owner, "activation_scale"):
                a.shift.fill_(float(owner.activation_scale) / (2 * STEPS))
    if quantized:
        graph.input_node.levels.fill_(STEPS)
    compute_per_source_scales(graph)
    if quantized:
        bake_quantized(graph, 8, STEPS)
    ir = map_soft_cores(graph, CoreBudget(((64, 32),)))
    return graph, chip_program(ir, "ttfs_quantized" if quantized else "ttfs", STEPS)


@pytest.mark.parametrize("quantized", [True, False])
@pytest.mark.parametrize("net,readout", [(readout_net, True), (classifier_net, False)])
def test_chip_scores_are_the_models(net, readout, quantized):
    x = torch.rand(400, 2, 6, 6, dtype=torch.float64)
    graph, program = deployed(net(), x, quantized)
    average = next(node for node in graph.nodes if isinstance(node, GlobalAvgPoolMapper))
    assert average.readout == readout
    with torch.no_grad():
        model = graph(x).numpy()
    chip = simulate(program, x.reshape(len(x), -1).numpy())
    # the class scores are at the output layer's scale, or, for the average readout, at the classifier conv's
    scale = float(graph.nodes[graph.readout_index - readout].perceptron.activation_scale)
    np.testing.assert_allclose(chip.scores * scale, model, rtol=1e-9, atol=1e-12)
    assert np.array_equal(chip.predictions, model.argmax(1))
