"""weight_quantization: integer weights and biases of `platform.weight_bits`, progressively.

BatchNorm is folded first (its statistics frozen from here on) and per-source input scales
computed, so the quantized values are the deployed effective parameters. The final model is
float64 with weights exactly `W_q / theta` in effective units.
"""

import torch

from mappers.graph.mappers import ResidualMapper
from mappers.graph.scales import compute_per_source_scales
from mappers.nn.effective import fuse_normalization
from mappers.nn.quantization import group_parameter_scale, quantized_layer_parameters
from mappers.nn.staircase import LATTICE_EPS
from runner.engine.step import PipelineStep, StepResult
from runner.steps.reads import TUNING
from runner.steps.tuned import adapt_model
from runner.tuning.trainer import accuracy


def prepare(model) -> None:
    """BatchNorms folded, a residual layer's two biases made one, per-source scales set: what quantization rounds."""
    for _, p in model.perceptrons():
        if p.norm is not None:
            fuse_normalization(p)
    for node in model.nodes:
        if isinstance(node, ResidualMapper):
            node.merge_biases()
    compute_per_source_scales(model)


def quantized_groups(model, bits: int):
    """(perceptron, its quantized layer weight and bias, the threshold it shares with its group) for each."""
    for group in model.perceptron_groups():
        theta = group_parameter_scale([p for _, p in group], bits)
        for _, p in group:
            yield (p, *quantized_layer_parameters(p, bits, theta), theta)


def blend_quantized(model, bits: int, rate: float) -> None:
    """Move every perceptron's weights `rate` of the way to their quantized values."""
    with torch.no_grad():
        for p, weight, bias, _ in list(quantized_groups(model, bits)):
            p.layer.weight.lerp_(weight.to(p.layer.weight.dtype), rate)
            p.layer.bias.lerp_(bias.to(p.layer.bias.dtype), rate)


def bake_quantized(model, bits: int, readout_levels: int) -> None:
    """Set the exact quantized weights in float64 and record bits and thresholds."""
    model.double()
    with torch.no_grad():
        for p, weight, bias, theta in list(quantized_groups(model, bits)):
            p.layer.weight.copy_(weight)
            p.layer.bias.copy_(bias)
            p.weight_bits.fill_(bits)
            p.parameter_scale.fill_(theta)
            if p.is_output and readout_levels:
                p.readout_lattice.fill_(readout_levels * theta)
        for _, owner in model.activations():
            owner.activation.lattice_eps.fill_(LATTICE_EPS)


class WeightQuantizationStep(PipelineStep):
    type = "weight_quantization"
    metric_split = "validation"
    updates = ("model",)
    reads = ("platform.weight_bits", "spiking.mode", "spiking.steps") + TUNING
    trains = True

    def run(self, ctx) -> StepResult:
        model, bits = ctx.get("model"), ctx.spec.platform.weight_bits
        prepare(model)
        adapt_model(ctx, model, lambda m, rate: blend_quantized(m, bits, rate))
        spiking = ctx.spec.spiking
        bake_quantized(model, bits, spiking.steps if spiking.mode == "ttfs_quantized" else 0)
        thetas = [int(p.parameter_scale) for _, p in model.perceptrons()]
        ctx.log(f"{bits}-bit weights; thresholds (parameter scales) per perceptron: {thetas}")
        ctx.put("model", model)
        return StepResult(metric=accuracy(model, ctx.data.val_x, ctx.data.val_y))
