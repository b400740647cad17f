"""soft_core_mapping: lower the model to IR cores that fit the platform's core types."""

import dataclasses

from mappers.graph.scales import compute_per_source_scales
from mappers.hardware.lowering import chip_program
from mappers.ir.soft_mapping import MappingError, map_soft_cores
from runner.check import platform_budget
from runner.engine.step import PipelineStep, StepResult
from runner.steps.reads import CORE_BUDGET, SPIKING_OPTIONS
from runner.errors import UserError
from runner.steps.chip_run import chip_accuracy
from runner.steps.tiling_error import tiling_error_per_layer


class SoftCoreMappingStep(PipelineStep):
    type = "soft_core_mapping"
    metric_split = "validation"
    updates = ("model",)
    promises = ("ir",)
    reads = CORE_BUDGET + SPIKING_OPTIONS + ("spiking.mode", "spiking.steps", "data")

    def run(self, ctx) -> StepResult:
        model = ctx.get("model")
        compute_per_source_scales(model)
        spiking = ctx.spec.spiking
        budget = dataclasses.replace(platform_budget(ctx.spec.platform)[0],
                                     rate_steps=spiking.steps if spiking.mode == "rate" else 0)
        try:
            ir = map_soft_cores(model, budget)
        except MappingError as error:
            raise UserError(str(error)) from error
        axons = sum(c.axons for c in ir.cores)
        ctx.log(f"{len(ir.cores)} soft cores, {axons:,} axons, {sum(c.neurons for c in ir.cores):,} neurons")
        ctx.put("model", model)
        ctx.put("ir", ir)
        figures = {"soft_cores": len(ir.cores), "host_round_trips": ir.stages()}
        if ctx.spec.spiking.mode != "ttfs":
            errors = tiling_error_per_layer(ctx, model, budget, ir)
            for layer, changed in errors.items():
                ctx.log(f"{layer}: approximate axon tiling changes {changed:.2%} of validation predictions")
            if errors:
                figures["axon_tiling_error"] = errors
        program = chip_program(ir, ctx.spec.spiking.mode, ctx.spec.spiking.steps)
        metric = chip_accuracy(ctx, program, ctx.data.val_x, ctx.data.val_y)
        return StepResult(metric=metric, figures=figures)
