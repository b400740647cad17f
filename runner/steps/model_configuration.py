"""model_configuration: fix the model recipe (builder, config, input shape, classes)."""

from runner.engine.step import PipelineStep, StepResult
from runner.models import resolved_config


class ModelConfigurationStep(PipelineStep):
    type = "model_configuration"
    promises = ("recipe",)
    reads = ("model", "data")

    def run(self, ctx) -> StepResult:
        builder, data = ctx.spec.model.builder, ctx.data
        ctx.put("recipe", {"builder": builder, "config": resolved_config(ctx.spec),
                           "input_shape": list(data.input_shape), "n_classes": data.n_classes})
        ctx.log(f"{builder} for inputs {tuple(data.input_shape)} and {data.n_classes} classes")
        return StepResult()
