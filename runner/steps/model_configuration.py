"""model_configuration: fix the model recipe (builder, config, input shape, classes)."""

import json

from runner.data import data_shape
from runner.engine.step import PipelineStep, StepResult
from runner.models import resolved_config


def recipe_problem(recipe, spec, config=None) -> str | None:
    """Why `recipe` is not the spec's (with `config`, the one a search chose); None when it is."""
    shape, classes = data_shape(**spec.section("data"))
    expected = {"builder": spec.model.builder, "config": resolved_config(spec) if config is None else config,
                "input_shape": list(shape), "n_classes": classes}
    plain = lambda value: json.loads(json.dumps(value))  # a recipe in memory holds tuples where its file has lists
    if plain(recipe) != plain(expected):
        return "recipe.json is not the recipe the spec gives (builder, config, input shape, classes)"
    return None


class ModelConfigurationStep(PipelineStep):
    type = "model_configuration"
    promises = ("recipe",)
    reads = ("model", "data")

    @classmethod
    def output_problem(cls, key, value, spec):
        return recipe_problem(value, spec)

    def run(self, ctx) -> StepResult:
        builder, data = ctx.spec.model.builder, ctx.data
        ctx.put("recipe", {"builder": builder, "config": resolved_config(ctx.spec),
                           "input_shape": list(data.input_shape), "n_classes": data.n_classes})
        ctx.log(f"{builder} for inputs {tuple(data.input_shape)} and {data.n_classes} classes")
        return StepResult()
