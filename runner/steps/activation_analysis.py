"""activation_analysis: every perceptron's activation scale from validation activations."""

import torch

from runner.engine.step import PipelineStep, StepResult
from runner.tuning.trainer import accuracy

QUANTILE_SAMPLES = 1_000_000


def record_pre_activations(model, x: torch.Tensor) -> dict:
    """Pre-activation outputs of every perceptron on `x` (eval mode)."""
    captured, hooks = {}, []
    for name, p in model.perceptrons():
        hooks.append(p.register_forward_hook(
            lambda module, args, out, name=name: captured.__setitem__(name, module.pre_activation(args[0]))))
    model.eval()
    with torch.no_grad():
        model(x)
    for hook in hooks:
        hook.remove()
    return captured


class ActivationAnalysisStep(PipelineStep):
    type = "activation_analysis"
    updates = ("model",)
    sections = ("data",)

    def run(self, ctx) -> StepResult:
        model, data = ctx.get("model"), ctx.data
        x = data.val_x[: ctx.params["max_samples"]]
        quantile = ctx.params["quantile"]
        generator = torch.Generator().manual_seed(ctx.spec.seed)
        for name, values in record_pre_activations(model, x).items():
            p = dict(model.perceptrons())[name]
            magnitudes = (values.abs() if p.is_output else values.clamp(min=0)).flatten().double()
            if magnitudes.numel() > QUANTILE_SAMPLES:
                picks = torch.randint(magnitudes.numel(), (QUANTILE_SAMPLES,), generator=generator)
                magnitudes = magnitudes[picks]
            scale = float(torch.quantile(magnitudes, quantile))
            p.activation_scale.fill_(scale if scale > 0 else 1.0)
            ctx.log(f"{name}: activation scale {scale:.4f} ({quantile} quantile)")
        ctx.put("model", model)
        return StepResult(metric=accuracy(model, data.val_x, data.val_y))
