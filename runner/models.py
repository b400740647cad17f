"""Models are built by the spec's own builder: a stored recipe may carry configuration, never code."""

from mappers.graph.representation import MapperGraph
from mappers.zoo import Recipe, build_model
from runner.errors import UserError


class ForeignRecipe(ValueError):
    """A stored recipe that names another builder, module file or class than the spec it is read for."""


def resolved_config(spec) -> dict:
    """The spec's builder config; for `builder: torch` or `nir`, its `file` made absolute against the spec's
    folder."""
    config = spec.section("model")["config"]
    if spec.model.builder in ("torch", "nir"):
        config["file"] = str(spec.resolve(config["file"]).resolve())
    return config


def _build(recipe: dict, config: dict) -> MapperGraph:
    return build_model(Recipe(recipe["builder"], dict(config), tuple(recipe["input_shape"]), recipe["n_classes"]))


def build_for_spec(spec, recipe: dict) -> MapperGraph:
    """Build `recipe` (builder, config, input_shape, n_classes) with the spec's builder and, for
    `builder: torch`, the spec's own module file and class, whatever the recipe names."""
    builder, config = recipe["builder"], recipe["config"]
    if builder != spec.model.builder:
        raise ForeignRecipe(f"it was built by builder '{builder}', the spec says '{spec.model.builder}'")
    if builder == "nir":
        own = resolved_config(spec)
        if config != own:
            raise ForeignRecipe(f"it was imported from {config.get('file')}, the spec names {own['file']}")
        config = own
    if builder == "torch":
        own = resolved_config(spec)
        if config != own:
            raise ForeignRecipe(f"it names the torch module {config.get('file')}:{config.get('class')} with "
                                f"{config.get('arguments')}, the spec {own['file']}:{own['class']} with "
                                f"{own['arguments']}")
        config = own
    return _build(recipe, config)


def build_without_spec(recipe: dict) -> MapperGraph:
    """Build a recipe of one of our own builders; a torch module is only ever the one a spec names."""
    if recipe["builder"] == "torch":
        raise UserError("this model was built from a torch module, which only its spec may name (a checkpoint "
                        "never names code to run): open the run directory with its spec, RunDirectory(path, spec=...)")
    return _build(recipe, recipe["config"])
