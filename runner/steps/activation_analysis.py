"""activation_analysis: every perceptron's activation scale from validation activations."""

import torch

from mappers.graph.probe import pre_activations
from runner.engine.step import PipelineStep, StepResult
from runner.tuning.trainer import accuracy

QUANTILE_SAMPLES = 1_000_000


class ActivationAnalysisStep(PipelineStep):
    type = "activation_analysis"
    metric_split = "validation"
    updates = ("model",)
    reads = ("data", "seed")

    def run(self, ctx) -> StepResult:
        model, data = ctx.get("model"), ctx.data
        x = data.val_x[: ctx.params["max_samples"]]
        quantile = ctx.params["quantile"]
        generator = torch.Generator().manual_seed(ctx.spec.seed)
        owners = {**dict(model.perceptrons()), **dict(model.activations())}
        for name, values in pre_activations(model, x).items():
            p = owners[name]
            is_output = getattr(p, "is_output", False)
            magnitudes = (values.abs() if is_output else values.clamp(min=0)).flatten().double()
            if magnitudes.numel() > QUANTILE_SAMPLES:
                picks = torch.randint(magnitudes.numel(), (QUANTILE_SAMPLES,), generator=generator)
                magnitudes = magnitudes[picks]
            scale = float(torch.quantile(magnitudes, quantile))
            p.activation_scale.fill_(scale if scale > 0 else 1.0)
            ctx.log(f"{name}: activation scale {scale:.4f} ({quantile} quantile)")
        ctx.put("model", model)
        return StepResult(metric=accuracy(model, data.val_x, data.val_y))
