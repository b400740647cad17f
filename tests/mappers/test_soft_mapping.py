"""Soft-core mapping of an MLP: the IR computes exactly what the model computes."""

import numpy as np
import pytest
import torch

from mappers.graph.scales import compute_per_source_scales
from mappers.ir.graph import ALWAYS_ON, FIRST_INPUT
from mappers.ir.soft_mapping import CoreBudget, MappingError, map_soft_cores
from mappers.nn.effective import fuse_normalization
from mappers.zoo import Recipe, build_model
from mappers.graph.probe import pre_activations


def randomized_mlp(hidden, seed=0, inputs=20, classes=5):
    torch.manual_seed(seed)
    model = build_model(Recipe("mlp", {"hidden": hidden, "batch_norm": True}, (inputs,), classes))
    for _, p in model.perceptrons():
        if p.norm is not None:
            p.norm.running_mean.uniform_(-0.5, 0.5)
            p.norm.running_var.uniform_(0.5, 2.0)
            p.norm.weight.data.uniform_(0.5, 1.5)
            p.norm.bias.data.uniform_(-0.2, 0.2)
    return model.eval()


def set_scales_to_max(model, x):
    """Activation scales no activation exceeds, so the chip's clamp never bites."""
    for name, values in pre_activations(model, x).items():
        p = dict(model.perceptrons())[name]
        p.activation_scale.fill_(float(values.abs().max()) * 1.01)


def evaluate_ir(ir, x):
    """Plain numpy continuous-TTFS evaluation of IR cores (y = clamp(v/theta, 0, 1); output and
    partial-sum cores pass v/theta on unclamped)."""
    values = np.zeros((len(x), FIRST_INPUT + ir.n_inputs + sum(c.neurons for c in ir.cores)))
    values[:, ALWAYS_ON] = 1.0
    values[:, FIRST_INPUT:FIRST_INPUT + ir.n_inputs] = x
    start = FIRST_INPUT + ir.n_inputs
    for core in ir.cores:
        v = values[:, core.sources] @ core.weights / core.thresholds
        values[:, start:start + core.neurons] = v if core.is_output or core.partial else np.clip(v, 0, 1)
        start += core.neurons
    return values[:, ir.outputs]


@pytest.mark.parametrize("fused", [False, True])
def test_ir_matches_model_logits(fused):
    model = randomized_mlp((30, 17)).double()
    x = torch.rand(64, 20, dtype=torch.float64)
    set_scales_to_max(model, x)
    if fused:
        for _, p in model.perceptrons():
            if p.norm is not None:
                fuse_normalization(p)
    compute_per_source_scales(model)
    ir = map_soft_cores(model, CoreBudget(((64, 8),)))
    output_scale = float(list(model.perceptrons())[-1][1].activation_scale)
    with torch.no_grad():
        logits = model(x).double().numpy()
    np.testing.assert_allclose(evaluate_ir(ir, x.numpy()) * output_scale, logits, rtol=1e-9, atol=1e-9)


def test_neuron_tiling_splits_outputs_into_cores_that_fit():
    model = randomized_mlp((30, 17))
    ir = map_soft_cores(model, CoreBudget(((64, 8),)))
    assert [c.neurons for c in ir.cores] == [8, 8, 8, 6, 8, 8, 1, 5]
    assert all(c.axons <= 64 for c in ir.cores)
    assert ir.cores[-1].is_output and not ir.cores[0].is_output


def test_fan_in_larger_than_any_core_is_a_clear_error():
    model = randomized_mlp((30,), inputs=70)
    with pytest.raises(MappingError, match=r"needs 71 axons .* largest core has 64"):
        map_soft_cores(model, CoreBudget(((64, 64),)))


@pytest.mark.parametrize("partial_sum", [False, True])
def test_axon_tiled_layer_equals_untiled_in_continuous_ttfs(partial_sum):
    model = randomized_mlp((30, 17), inputs=150).double()
    x = torch.rand(32, 150, dtype=torch.float64)
    set_scales_to_max(model, x)
    compute_per_source_scales(model)
    untiled = map_soft_cores(model, CoreBudget(((256, 64),)))
    tiled = map_soft_cores(model, CoreBudget(((64, 64),), axon_tiling=True, partial_sum=partial_sum))
    assert max(c.axons for c in tiled.cores) <= 64 < max(c.axons for c in untiled.cores)
    assert any(c.partial for c in tiled.cores) == partial_sum
    np.testing.assert_allclose(evaluate_ir(tiled, x.numpy()), evaluate_ir(untiled, x.numpy()), rtol=1e-9, atol=1e-12)


def test_axon_tiling_disabled_keeps_the_clear_error():
    model = randomized_mlp((30,), inputs=150)
    with pytest.raises(MappingError, match="allow_axon_tiling: true"):
        map_soft_cores(model, CoreBudget(((64, 64),)))
