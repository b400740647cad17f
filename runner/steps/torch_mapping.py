"""torch_mapping: trace the user's torch module into our mapper graph, trained weights carried over."""

from mappers.torch_fx.trace import Unrepresentable
from mappers.torch_fx.user_module import UnusableModule, build_torch
from runner.data import input_shape
from runner.errors import UserError
from runner.models import resolved_config
from runner.steps.model_building import ModelBuildingStep


def unrepresentable(spec, error: Unrepresentable) -> str:
    if isinstance(error, UnusableModule):
        return error.problems[0]
    return f"{spec.model.config['class']} cannot be mapped to the chip:\n    " + "\n    ".join(error.problems)


class TorchMappingStep(ModelBuildingStep):
    type = "torch_mapping"
    files = ("model_source",)

    @classmethod
    def validate(cls, spec) -> list[str]:
        if spec.model.builder != "torch":
            return [f"torch_mapping converts `model: builder: torch` models; builder '{spec.model.builder}' "
                    "is built by model_building"]
        try:
            graph = build_torch(resolved_config(spec), input_shape(**spec.section("data")))
        except Unrepresentable as error:
            return [unrepresentable(spec, error)]
        if any(entry.type == "activation_adaptation" for entry in spec.steps):
            return []
        return [f"{site} is not the chip's neuron (a ReLU of a weighted sum): add an `activation_adaptation` step "
                "after pretraining, which replaces it by the chip's ReLU with brief retraining, or use nn.ReLU"
                for site in graph.foreign_activations]

    def build(self, ctx, recipe):
        try:
            return super().build(ctx, recipe)
        except Unrepresentable as error:
            raise UserError(unrepresentable(ctx.spec, error)) from error
