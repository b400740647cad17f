"""model_building: build the untrained mapper graph from the recipe."""

import torch

from runner.engine.step import PipelineStep, StepResult
from runner.errors import UserError
from runner.models import ForeignRecipe, build_for_spec

INPUT_LEVELS = {"ttfs": lambda steps: 0, "ttfs_quantized": lambda steps: steps, "rate": lambda steps: steps}


class ModelBuildingStep(PipelineStep):
    type = "model_building"
    requires = ("recipe",)
    promises = ("model",)
    reads = ("model", "spiking.mode", "spiking.steps", "seed")

    @classmethod
    def validate(cls, spec) -> list[str]:
        if spec.model.builder == "torch":
            return ["a `builder: torch` model is converted by the torch_mapping step: list it instead"]
        if spec.model.builder == "nir":
            return ["a `builder: nir` network is imported by the nir_import step: list it instead"]
        return []

    def build(self, ctx, recipe: dict):
        """The untrained model of `recipe`, by the spec's own builder."""
        try:
            return build_for_spec(ctx.spec, recipe)
        except ForeignRecipe as error:
            raise UserError(f"the recipe checkpoint does not belong to {ctx.spec.path}: {error}; delete "
                            f"{ctx.run_dir / 'steps'} and rerun") from error

    def put(self, ctx, model) -> None:
        """Store the built model (the artifacts this step promises)."""
        ctx.put("model", model)

    def run(self, ctx) -> StepResult:
        torch.manual_seed(ctx.spec.seed)
        model = self.build(ctx, ctx.get("recipe"))
        spiking = ctx.spec.spiking
        model.input_node.levels.fill_(INPUT_LEVELS[spiking.mode](spiking.steps))
        self.put(ctx, model.eval())
        for note in getattr(model, "notes", ()):
            ctx.log(note)
        parameters = sum(p.numel() for p in model.parameters())
        ctx.log(f"{parameters:,} parameters in {sum(1 for _ in model.perceptrons())} perceptrons, "
                f"{len(model.nodes)} mapper nodes")
        return StepResult()
