"""activation_adaptation: a converted module's other activations (GELU, Tanh, ...) become the chip's ReLU,
progressively, with brief retraining."""

from collections import Counter

from runner.engine.step import PipelineStep, StepResult
from runner.steps.reads import TUNING
from runner.steps.tuned import adapt_model, hidden_activations
from runner.tuning.trainer import accuracy

LATER = ("activation_analysis", "clamp_adaptation", "activation_shift", "activation_quantization")


def set_relu(model, rate: float) -> None:
    for activation in hidden_activations(model):
        if activation.kind != "relu":
            activation.relu_rate.fill_(rate)


class ActivationAdaptationStep(PipelineStep):
    type = "activation_adaptation"
    metric_split = "validation"
    updates = ("model",)
    reads = TUNING
    trains = True

    @classmethod
    def validate(cls, spec) -> list[str]:
        types = [entry.type for entry in spec.steps]
        early = [t for t in types[:types.index(cls.type)] if t in LATER]
        return [f"activation_adaptation must come before {early[0]}: the chip's ReLU is what that step clamps, "
                "shifts and quantizes"] if early else []

    def run(self, ctx) -> StepResult:
        model = ctx.get("model")
        kinds = Counter(a.kind for a in hidden_activations(model) if a.kind != "relu")
        if kinds:
            ctx.log("replacing by ReLU: " + ", ".join(f"{n} x {kind}" for kind, n in kinds.items()))
            metric = adapt_model(ctx, model, set_relu)
        else:
            ctx.log("every activation is already the chip's ReLU: nothing to adapt")
            metric = accuracy(model, ctx.data.val_x, ctx.data.val_y)
        ctx.put("model", model)
        return StepResult(metric=metric)
