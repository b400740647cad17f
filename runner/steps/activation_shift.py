"""activation_shift: a half-level shift that turns the chip's floor staircase into rounding.

Rate coding bakes it into the bias; TTFS keeps it inside the quantizer and soft-core
mapping adds `shift / activation_scale` to the deployed bias. Residual additions have no bias:
theirs stays in the quantizer in every mode (their compute op adds it).
"""

import torch

from runner.engine.step import PipelineStep, StepResult
from runner.steps.reads import LEVELS
from runner.steps.tuned import activation_levels
from runner.tuning.trainer import accuracy


class ActivationShiftStep(PipelineStep):
    type = "activation_shift"
    metric_split = "validation"
    updates = ("model",)
    modes = ("rate", "ttfs_quantized")
    reads = LEVELS + ("data",)

    def run(self, ctx) -> StepResult:
        model, mode = ctx.get("model"), ctx.spec.spiking.mode
        levels = activation_levels(ctx.spec)
        for _, p in model.activations():
            if not hasattr(p, "activation_scale"):
                continue  # average pools: the mean of values on the grid, floored like the chip's op
            shift = p.activation_scale / (2 * levels)
            if mode == "rate" and hasattr(p, "layer"):
                target = p.norm.bias if p.norm is not None else p.layer.bias
                with torch.no_grad():
                    target.add_(shift)
            else:
                p.activation.shift.copy_(shift)
        where = "baked into the bias" if mode == "rate" else "kept in the quantizer"
        ctx.log(f"half-level shift for {levels} levels, {where}")
        ctx.put("model", model)
        return StepResult(metric=accuracy(model, ctx.data.val_x, ctx.data.val_y))
