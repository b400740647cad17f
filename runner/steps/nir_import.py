"""nir_import: a spiking network from a NIR file as our mapper graph, its trained weights carried over."""

import copy

from mappers.zoo.nir import NirUnsupported, build_nir, score_after
from runner.data import data_shape
from runner.errors import UserError
from runner.models import resolved_config
from runner.steps.model_building import ModelBuildingStep


def firing_problem(spec, graph) -> str | None:
    """Why the spec's chip does not run the imported neurons, if it does not: one reset rule (`novena` resets to
    zero, `default` subtracts) and one firing rule (`<=` fires at the threshold) for them all."""
    wanted = [("zero" if spec.spiking.firing == "novena" else "subtract", spec.spiking.thresholding == "<=")]
    if graph.nir_firing == wanted:
        return None
    said = "; ".join(f"{'reset to zero' if reset == 'zero' else 'subtract their threshold'} and fire "
                     f"{'at' if at else 'above'} it" for reset, at in graph.nir_firing)
    return (f"the neurons of {spec.model.config['file']} {said or 'are none'}; the chip runs one rule for all: set "
            "spiking.firing (novena resets to zero, default subtracts) and spiking.thresholding ('<=' fires at the "
            "threshold, '<' above it) to match")


class NirImportStep(ModelBuildingStep):
    type = "nir_import"
    modes = ("rate",)
    promises = ("model", "float_model")
    reads = ModelBuildingStep.reads + ("spiking.firing", "spiking.thresholding", "data")
    files = ("model_source",)

    @classmethod
    def validate(cls, spec) -> list[str]:
        if spec.model.builder != "nir":
            return [f"nir_import reads `model: builder: nir` files; builder '{spec.model.builder}' is built by "
                    "model_building"]
        shape, classes = data_shape(**spec.section("data"))
        try:
            graph = build_nir(resolved_config(spec), shape, classes)
        except NirUnsupported as error:
            return [str(error)]
        problem = firing_problem(spec, graph)
        return [problem] if problem else []

    def build(self, ctx, recipe):
        try:
            return super().build(ctx, recipe)
        except NirUnsupported as error:
            raise UserError(str(error)) from error

    def put(self, ctx, model) -> None:
        """The imported network is both the model and the float reference the chip is compared with."""
        problem = firing_problem(ctx.spec, model)
        if problem:
            raise UserError(problem)
        score_after(model, ctx.spec.spiking.steps)
        ctx.put("model", model)
        ctx.put("float_model", copy.deepcopy(model))
