"""Integer deployment: shift compensation, per-source scales through a concatenation, verification."""

import numpy as np
import pytest
import torch
from torch import nn

from mappers.graph.mappers import ConcatMapper, FlattenMapper, InputMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph
from mappers.graph.scales import compute_per_source_scales
from mappers.hardware.lowering import chip_program
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.nn.perceptron import Perceptron
from runner.errors import UserError
from runner.steps.quantization_verification import verify_perceptrons
from runner.steps.weight_quantization import bake_quantized
from simulator import simulate
from tests.mappers.test_soft_mapping import evaluate_ir, randomized_mlp, set_scales_to_max

STEPS = 8


def quantized_mlp(seed):
    """A random MLP with TTFS staircase activations (S levels, half-level shift) and 8-bit weights."""
    model = randomized_mlp((20, 12), seed=seed, inputs=10, classes=4)
    set_scales_to_max(model, torch.rand(256, 10))
    for _, p in model.perceptrons():
        if p.activation is not None:
            p.activation.levels.fill_(STEPS)
            p.activation.bottom_bin.fill_(True)
            p.activation.clamp_rate.fill_(1.0)
            p.activation.quantize_rate.fill_(1.0)
            p.activation.shift.fill_(float(p.activation_scale) / (2 * STEPS))
    model.input_node.levels.fill_(STEPS)
    for _, p in model.perceptrons():
        if p.norm is not None:
            from mappers.nn.effective import fuse_normalization
            fuse_normalization(p)
    compute_per_source_scales(model)
    bake_quantized(model, 8, STEPS)
    return model


@pytest.mark.parametrize("seed", range(4))
def test_shift_compensation_makes_the_chip_equal_the_quantized_model(seed):
    model = quantized_mlp(seed)
    ir = map_soft_cores(model, CoreBudget(((64, 64),)))
    assert ir.integer
    x = torch.rand(500, 10, dtype=torch.float64)
    with torch.no_grad():
        logits = model(x).numpy()
    out = simulate(chip_program(ir, "ttfs_quantized", STEPS), x.numpy())
    output_scale = float(list(model.perceptrons())[-1][1].activation_scale)
    np.testing.assert_allclose(out.scores * output_scale, logits, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(out.predictions, logits.argmax(1))


def test_without_shift_compensation_the_chip_departs():
    model = quantized_mlp(0)
    for _, p in model.perceptrons():
        if p.activation is not None:
            p.activation.shift.zero_()
    x = torch.rand(500, 10, dtype=torch.float64)
    out = simulate(chip_program(map_soft_cores(model, CoreBudget(((64, 64),))), "ttfs_quantized", STEPS), x.numpy())
    reference_model = quantized_mlp(0)
    with torch.no_grad():
        logits = reference_model(x).numpy()
    output_scale = float(list(model.perceptrons())[-1][1].activation_scale)
    assert not np.allclose(out.scores * output_scale, logits)


def test_verification_names_an_unquantized_weight_and_bias():
    model = quantized_mlp(1)
    name, p = list(model.perceptrons())[1]
    with torch.no_grad():
        p.layer.weight[3, 2] += (0.123 * float(p.activation_scale) / float(p.per_input_scales[2])
                                 / float(p.parameter_scale))
    with pytest.raises(UserError, match=rf"{name} weight #\d+ x theta \d+ = -?\d+\.\d+ \(not an integer"):
        verify_perceptrons(model, 8)
    model = quantized_mlp(1)
    with torch.no_grad():
        list(model.perceptrons())[0][1].layer.bias[0] += 1e-3
    with pytest.raises(UserError, match="bias #0"):
        verify_perceptrons(model, 8)
    verify_perceptrons(quantized_mlp(2), 8)


def test_per_source_scales_through_a_concatenation():
    torch.manual_seed(0)
    a = Perceptron(nn.Linear(6, 3), batch_norm=False, is_output=False)
    b = Perceptron(nn.Linear(6, 5), batch_norm=False, is_output=False)
    head = Perceptron(nn.Linear(8, 2), batch_norm=False, is_output=True)
    graph = MapperGraph((6,), [InputMapper(), PerceptronMapper(0, a), PerceptronMapper(0, b),
                               ConcatMapper((1, 2)), FlattenMapper((3,)), PerceptronMapper(4, head)]).double().eval()
    a.activation_scale.fill_(50.0)
    b.activation_scale.fill_(70.0)
    compute_per_source_scales(graph)
    assert head.per_input_scales.tolist() == [50.0] * 3 + [70.0] * 5
    x = torch.rand(32, 6, dtype=torch.float64)
    with torch.no_grad():
        logits = graph(x).numpy()
    ir = map_soft_cores(graph, CoreBudget(((16, 16),)))
    np.testing.assert_allclose(evaluate_ir(ir, x.numpy()) * float(head.activation_scale), logits, rtol=1e-12)


@pytest.mark.parametrize("mode", ["ttfs_quantized", "rate", "ttfs"])
def test_partial_sum_axon_tiling_is_exact_in_every_mode(mode):
    model = quantized_mlp(3)
    untiled = map_soft_cores(model, CoreBudget(((64, 64),)))
    tiled = map_soft_cores(model, CoreBudget(((8, 64),), axon_tiling=True, partial_sum=True))
    assert max(c.axons for c in tiled.cores) <= 8 and any(c.partial for c in tiled.cores)
    x = np.random.default_rng(0).uniform(0, 1, (300, 10))
    a = simulate(chip_program(untiled, mode, STEPS), x)
    b = simulate(chip_program(tiled, mode, STEPS), x)
    if mode == "ttfs":
        np.testing.assert_allclose(a.scores, b.scores, rtol=1e-12, atol=1e-12)
    else:
        np.testing.assert_array_equal(a.scores, b.scores)
