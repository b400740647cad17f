"""The error approximate axon tiling causes, layer by layer: each layer's signed split alone
against exact partial sums everywhere, as agreement of predictions on validation samples."""

import dataclasses

import numpy as np

from mappers.hardware.lowering import chip_program
from mappers.ir.graph import layer_of
from mappers.ir.soft_mapping import map_soft_cores
from runner.steps.chip_run import flat_inputs, spiking_options
import simulator

SAMPLES = 500


def tiled_layers(ir) -> list[str]:
    """Layer names (without position) that were axon-tiled, in graph order."""
    return list(dict.fromkeys(layer_of(core.layer) for core in ir.cores if "/partial" in core.layer))


def tiling_error_per_layer(ctx, model, budget, ir) -> dict[str, float]:
    """{layer: fraction of samples whose class changes when only that layer's tiling is approximate}."""
    layers = tiled_layers(ir)
    if not layers or budget.partial_sum:
        return {}
    spiking, x = ctx.spec.spiking, flat_inputs(ctx.data.val_x[:SAMPLES])
    run = lambda graph: simulator.simulate(chip_program(graph, spiking.mode, spiking.steps), x,
                                           **spiking_options(ctx.spec)).predictions
    exact = run(map_soft_cores(model, dataclasses.replace(budget, exact_layers=frozenset(layers))))
    errors = {}
    for layer in layers:
        others = frozenset(layers) - {layer}
        approximate = run(map_soft_cores(model, dataclasses.replace(budget, exact_layers=others)))
        errors[layer] = round(float(np.mean(approximate != exact)), 6)
    return errors
