"""Builders that produce mapper graphs from a (builder, config) recipe."""

from dataclasses import dataclass

from mappers.graph.representation import MapperGraph
from mappers.zoo.conv import build_conv
from mappers.zoo.mixer import build_mixer
from mappers.zoo.mlp import build_mlp
from mappers.zoo.nir import build_nir
from mappers.torch_fx.user_module import build_torch
from mappers.zoo.squeezenet import build_squeezenet

BUILDERS = {"mlp": build_mlp, "conv": build_conv, "squeezenet": build_squeezenet,
            "mixer": build_mixer, "torch": build_torch, "nir": build_nir}


@dataclass(frozen=True)
class Recipe:
    """Everything needed to rebuild a model's structure (its tensors are stored apart)."""

    builder: str
    config: dict
    input_shape: tuple[int, ...]
    n_classes: int


def build_model(recipe: Recipe) -> MapperGraph:
    """Build the untrained mapper graph of `recipe`; the graph remembers its recipe."""
    graph = BUILDERS[recipe.builder](dict(recipe.config), tuple(recipe.input_shape), recipe.n_classes)
    graph.recipe = recipe
    return graph
