"""activation_quantization: quantize activations to the chip's levels, progressively."""

from mappers.graph.mappers import AvgPoolMapper, GlobalAvgPoolMapper
from mappers.nn.staircase import LATTICE_EPS
from runner.engine.step import PipelineStep, StepResult
from runner.steps.reads import LEVELS, TUNING
from runner.steps.tuned import activation_levels, adapt_model, hidden_activations


class ActivationQuantizationStep(PipelineStep):
    type = "activation_quantization"
    metric_split = "validation"
    updates = ("model",)
    modes = ("rate", "ttfs_quantized")
    reads = LEVELS + TUNING
    trains = True

    def run(self, ctx) -> StepResult:
        model, mode = ctx.get("model"), ctx.spec.spiking.mode
        levels = activation_levels(ctx.spec)
        for activation in hidden_activations(model):
            activation.levels.fill_(levels)
            activation.bottom_bin.fill_(mode != "rate")
            activation.clamp_rate.fill_(1.0)
        for _, pool in model.activations():
            if isinstance(pool, (AvgPoolMapper, GlobalAvgPoolMapper)):
                pool.activation.lattice_eps.fill_(LATTICE_EPS)  # a mean of levels lies on a 1/taps lattice
        ctx.log(f"{levels} levels ({'TTFS staircase with bottom bin' if mode != 'rate' else 'rate staircase'})")

        def set_rate(m, rate: float) -> None:
            for activation in hidden_activations(m):
                activation.quantize_rate.fill_(rate)

        metric = adapt_model(ctx, model, set_rate)
        ctx.put("model", model)
        return StepResult(metric=metric)
