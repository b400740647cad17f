"""model_configuration: fix the model recipe (builder, config, input shape, classes)."""

from runner.engine.step import PipelineStep, StepResult
from runner.steps.torch_mapping import resolved_config


class ModelConfigurationStep(PipelineStep):
    type = "model_configuration"
    promises = ("recipe",)
    sections = ("model", "data")

    def run(self, ctx) -> StepResult:
        model, data = ctx.spec.section("model"), ctx.data
        config = resolved_config(ctx.spec) if model["builder"] == "torch" else model["config"]
        ctx.put("recipe", {"builder": model["builder"], "config": config,
                           "input_shape": list(data.input_shape), "n_classes": data.n_classes})
        ctx.log(f"{model['builder']} for inputs {tuple(data.input_shape)} and {data.n_classes} classes")
        return StepResult()
