"""pretraining: train the float model; its result is also kept as `float_model`."""

import copy

from runner.engine.step import PipelineStep, StepResult
from runner.steps.reads import TRAINING
from runner.tuning.trainer import train


class PretrainingStep(PipelineStep):
    type = "pretraining"
    metric_split = "validation"
    updates = ("model",)
    promises = ("float_model",)
    reads = TRAINING + ("training.epochs", "data", "seed")
    trains = True

    def run(self, ctx) -> StepResult:
        model, settings = ctx.get("model"), ctx.training
        val = train(model, ctx.data, settings, epochs=settings.epochs, seed=ctx.spec.seed,
                    progress=ctx.progress, log=ctx.log, device=ctx.device)
        ctx.put("model", model)
        ctx.put("float_model", copy.deepcopy(model))
        return StepResult(metric=val)
