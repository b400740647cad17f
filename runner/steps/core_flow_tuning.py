"""core_flow_tuning (rate): scale each core's thresholds so its spike rate matches the ideal flow.

The ideal flow is the same cores computed without spikes (continuous values clamp(v/theta));
rate coding lags or leads it where early spikes arrive before later inhibition. Each cycle
multiplies every core's thresholds by its chip-to-ideal activity ratio; the thresholds that
give the best agreement with the model on the tuning samples are kept. T never changes, nor do the
thresholds of output, partial-sum and max-pool tree cores (the tree's are part of its construction).
"""

import copy
import dataclasses

import numpy as np

import simulator
from mappers.hardware.lowering import chip_program
from mappers.ir.max_pool import is_max_pool_core
from runner.engine.step import PipelineStep, StepResult
from runner.steps.reads import SPIKING_OPTIONS
from runner.steps.chip_run import flat_inputs, spiking_options
from runner.tuning.trainer import predict


def with_thresholds(ir, thresholds: list[np.ndarray]):
    """A copy of `ir` whose cores have the given thresholds."""
    tuned = copy.copy(ir)
    tuned.cores = [dataclasses.replace(core, thresholds=theta) for core, theta in zip(ir.cores, thresholds)]
    return tuned


class CoreFlowTuningStep(PipelineStep):
    type = "core_flow_tuning"
    requires = ("model",)
    updates = ("ir",)
    modes = ("rate",)
    reads = SPIKING_OPTIONS + ("spiking.steps", "data")

    def run(self, ctx) -> StepResult:
        ir, spiking = ctx.get("ir"), ctx.spec.spiking
        x = ctx.data.val_x[: ctx.params["samples"]]
        inputs, options = flat_inputs(x), spiking_options(ctx.spec)
        model_predictions = predict(ctx.get("model"), x).numpy()
        ideal = simulator.simulate(chip_program(ir, "ttfs", spiking.steps), inputs).core_activity
        integer = ir.integer

        def evaluate(thresholds):
            out = simulator.simulate(chip_program(with_thresholds(ir, thresholds), "rate", spiking.steps),
                                     inputs, **options)
            return float(np.mean(out.predictions == model_predictions)), out.core_activity

        thresholds = [core.thresholds.copy() for core in ir.cores]
        fixed = [core.is_output or core.partial or is_max_pool_core(core) for core in ir.cores]
        before, activity = evaluate(thresholds)
        best, best_thresholds = before, thresholds
        bar = ctx.progress(ctx.params["max_cycles"], "core-flow cycles")
        for cycle in range(ctx.params["max_cycles"]):
            ratio = np.where(ideal > 0, activity / np.maximum(ideal, 1e-12), 1.0)
            ratio = np.clip(ratio, 0.5, 2.0)
            thresholds = [theta if kept else _scaled(theta, r, integer)
                          for theta, r, kept in zip(thresholds, ratio, fixed)]
            agreement, activity = evaluate(thresholds)
            ctx.log(f"cycle {cycle + 1}: model agreement {agreement:.4f}")
            bar.update()
            if agreement > best:
                best, best_thresholds = agreement, thresholds
        bar.close()
        ctx.log(f"model agreement on {len(x)} tuning samples: {before:.4f} before, {best:.4f} after")
        ctx.put("ir", with_thresholds(ir, best_thresholds))
        return StepResult(figures={"agreement_before": before, "agreement_after": best})


def _scaled(theta: np.ndarray, ratio: float, integer: bool) -> np.ndarray:
    scaled = theta * ratio
    return np.maximum(np.round(scaled), 1).astype(theta.dtype) if integer else scaled
