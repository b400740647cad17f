"""Shared wiring of the adaptation steps: spec parameters in, the adapted model's metric out."""

from runner.tuning.adaptation import adapt
from runner.tuning.trainer import accuracy, train


def adapt_model(ctx, model, apply) -> float:
    """Progressively apply `apply(model, t)` with the step's tuner settings, on the step's device; returns validation
    accuracy. The model leaves where it came from."""
    data, settings, params = ctx.data, ctx.training, ctx.params
    came_from = next(model.parameters()).device
    model.to(ctx.device)
    result = adapt(
        model, apply=apply,
        evaluate=lambda m: accuracy(m, data.val_x, data.val_y),
        recover=lambda m: train(m, data, settings, epochs=params["tuner_epochs"], seed=ctx.spec.seed,
                                lr=params.get("lr") or settings.lr),
        max_cycles=params["max_cycles"], tolerance=settings.tolerance, log=ctx.log)
    model.to(came_from)
    return result.metrics[-1]


def hidden_activations(model):
    """Every activation the chip quantizes: hidden perceptrons, residual additions, average pools."""
    return [owner.activation for _, owner in model.activations()]


def activation_levels(spec) -> int:
    """Activation levels: S or T (`spiking.steps`), or activation_quantization's `levels` in rate mode."""
    return spec.step_param("activation_quantization", "levels") or spec.spiking.steps
