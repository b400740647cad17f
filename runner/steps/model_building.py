"""model_building: build the untrained mapper graph from the recipe."""

import torch

from mappers.zoo import Recipe, build_model
from runner.engine.step import PipelineStep, StepResult

INPUT_LEVELS = {"ttfs": lambda steps: 0, "ttfs_quantized": lambda steps: steps, "rate": lambda steps: steps}


class ModelBuildingStep(PipelineStep):
    type = "model_building"
    requires = ("recipe",)
    promises = ("model",)
    sections = ("spiking",)

    @classmethod
    def validate(cls, spec) -> list[str]:
        if spec.model.builder == "torch":
            return ["a `builder: torch` model is converted by the torch_mapping step: list it instead"]
        return []

    def build(self, ctx, recipe: Recipe):
        return build_model(recipe)

    def run(self, ctx) -> StepResult:
        r = ctx.get("recipe")
        torch.manual_seed(ctx.spec.seed)
        model = self.build(ctx, Recipe(r["builder"], r["config"], tuple(r["input_shape"]), r["n_classes"]))
        spiking = ctx.spec.spiking
        model.input_node.levels.fill_(INPUT_LEVELS[spiking.mode](spiking.steps))
        ctx.put("model", model.eval())
        parameters = sum(p.numel() for p in model.parameters())
        ctx.log(f"{parameters:,} parameters in {sum(1 for _ in model.perceptrons())} perceptrons, "
                f"{len(model.nodes)} mapper nodes")
        return StepResult()
