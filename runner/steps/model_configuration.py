"""model_configuration: fix the model recipe (builder, config, input shape, classes)."""

from runner.engine.step import PipelineStep, StepResult


class ModelConfigurationStep(PipelineStep):
    type = "model_configuration"
    promises = ("recipe",)
    sections = ("model", "data")

    def run(self, ctx) -> StepResult:
        model, data = ctx.spec.section("model"), ctx.data
        ctx.put("recipe", {"builder": model["builder"], "config": model["config"],
                           "input_shape": list(data.input_shape), "n_classes": data.n_classes})
        ctx.log(f"{model['builder']} for inputs {tuple(data.input_shape)} and {data.n_classes} classes")
        return StepResult()
