"""normalization_fusion: fold every BatchNorm into its perceptron's weights."""

from mappers.nn.effective import fuse_normalization
from runner.engine.step import PipelineStep, StepResult
from runner.tuning.trainer import accuracy


class NormalizationFusionStep(PipelineStep):
    type = "normalization_fusion"
    metric_split = "validation"
    updates = ("model",)
    reads = ("data",)

    def run(self, ctx) -> StepResult:
        model = ctx.get("model")
        fused = 0
        for _, p in model.perceptrons():
            if p.norm is not None:
                fuse_normalization(p)
                fused += 1
        ctx.log(f"fused {fused} normalization layers")
        ctx.put("model", model)
        return StepResult(metric=accuracy(model, ctx.data.val_x, ctx.data.val_y))
