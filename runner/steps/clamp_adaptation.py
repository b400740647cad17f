"""clamp_adaptation: clamp every activation to `[0, activation_scale]`, progressively."""

from runner.engine.step import PipelineStep, StepResult
from runner.steps.reads import TUNING
from runner.steps.tuned import adapt_model, hidden_activations


def set_clamp(model, rate: float) -> None:
    for activation in hidden_activations(model):
        activation.clamp_rate.fill_(rate)


class ClampAdaptationStep(PipelineStep):
    type = "clamp_adaptation"
    metric_split = "validation"
    updates = ("model",)
    reads = TUNING
    trains = True

    def run(self, ctx) -> StepResult:
        model = ctx.get("model")
        metric = adapt_model(ctx, model, set_clamp)
        ctx.put("model", model)
        return StepResult(metric=metric)
