"""torch_mapping: trace the user's torch module into our mapper graph, trained weights carried over."""

from pathlib import Path

from mappers.torch_fx.trace import Unrepresentable
from mappers.zoo import Recipe, build_model
from runner.data import input_shape
from runner.errors import UserError
from runner.steps.model_building import ModelBuildingStep


def resolved_config(spec) -> dict:
    """The torch builder's config with a relative module file resolved against the spec's folder."""
    config = spec.section("model")["config"]
    location, _, name = config["module"].rpartition(":")
    if location.endswith(".py") and not Path(location).is_absolute():
        config["module"] = f"{(Path(spec.path).parent / location).resolve()}:{name}"
    return config


def unrepresentable(spec, error: Unrepresentable) -> str:
    return f"{spec.model.config['module']} cannot be mapped to the chip:\n    " + "\n    ".join(error.problems)


class TorchMappingStep(ModelBuildingStep):
    type = "torch_mapping"

    @classmethod
    def validate(cls, spec) -> list[str]:
        if spec.model.builder != "torch":
            return [f"torch_mapping converts `model: builder: torch` models; builder '{spec.model.builder}' "
                    "is built by model_building"]
        from mappers.torch_fx.convert import convert
        from mappers.torch_fx.user_module import load_class
        try:
            config = resolved_config(spec)
            user_class, source = load_class(config["module"])
            data = spec.section("data")
            convert(user_class(**dict(config.get("arguments") or {})), input_shape(**data), source)
        except Unrepresentable as error:
            return [unrepresentable(spec, error)]
        return []

    def build(self, ctx, recipe: Recipe):
        try:
            return build_model(recipe)
        except Unrepresentable as error:
            raise UserError(unrepresentable(ctx.spec, error)) from error
