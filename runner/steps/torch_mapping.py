"""torch_mapping: trace the user's torch module into our mapper graph, trained weights carried over."""

from pathlib import Path

import torch

from mappers.torch_fx.trace import Unrepresentable
from mappers.zoo import Recipe, build_model
from runner.engine.step import PipelineStep, StepResult
from runner.errors import UserError


def resolved_config(spec) -> dict:
    """The torch builder's config with a relative module file resolved against the spec's folder."""
    config = spec.section("model")["config"]
    location, _, name = config["module"].rpartition(":")
    if location.endswith(".py") and not Path(location).is_absolute():
        config["module"] = f"{(Path(spec.path).parent / location).resolve()}:{name}"
    return config


def build_user_model(spec, recipe: dict):
    try:
        return build_model(Recipe("torch", recipe["config"], tuple(recipe["input_shape"]), recipe["n_classes"]))
    except Unrepresentable as error:
        raise UserError(f"{spec.model.config['module']} cannot be mapped to the chip:\n  " +
                        "\n  ".join(error.problems)) from error


class TorchMappingStep(PipelineStep):
    type = "torch_mapping"
    requires = ("recipe",)
    promises = ("model",)
    sections = ("spiking",)

    @classmethod
    def validate(cls, spec) -> list[str]:
        if spec.model.builder != "torch":
            return [f"torch_mapping converts `model: builder: torch` models; builder '{spec.model.builder}' "
                    "is built by model_building"]
        try:
            from mappers.torch_fx.user_module import load_class
            from mappers.torch_fx.convert import convert
            config = resolved_config(spec)
            cls_, source = load_class(config["module"])
            module = cls_(**dict(config.get("arguments") or {}))
            convert(module, (1, 1, 1), source)
        except Unrepresentable as error:
            return [f"{spec.model.config['module']} cannot be mapped to the chip:\n    " + "\n    ".join(error.problems)]
        return []

    def run(self, ctx) -> StepResult:
        from runner.steps.model_building import INPUT_LEVELS
        torch.manual_seed(ctx.spec.seed)
        model = build_user_model(ctx.spec, ctx.get("recipe"))
        spiking = ctx.spec.spiking
        model.input_node.levels.fill_(INPUT_LEVELS[spiking.mode](spiking.steps))
        ctx.put("model", model)
        ctx.log(f"{len(model.nodes)} mapper nodes, {sum(1 for _ in model.perceptrons())} perceptrons")
        return StepResult()
