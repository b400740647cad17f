"""Where the chip departs from the model first: per layer, the share of neuron outputs that differ
from the model's (beyond half a level) and the share that saturate (fire at the first step, or
every cycle), on a few test samples run through the torch reference."""

import numpy as np
import torch

from mappers.graph.mappers import PerceptronMapper
from mappers.graph.scales import scale_maps
from mappers.ir.soft_mapping import map_with_values
from simulator.options import RateOptions
from simulator.reference import ReferenceChip

SAMPLES = {"ttfs": 200, "ttfs_quantized": 200, "rate": 40}


def node_outputs(model, x: torch.Tensor) -> list[torch.Tensor]:
    """Every node's output on `x`, flattened per sample."""
    captured, hooks = {}, []
    for i, node in enumerate(model.nodes):
        hooks.append(node.register_forward_hook(lambda module, args, out, i=i: captured.__setitem__(i, out)))
    try:
        with torch.no_grad():
            model.eval()(x.to(next(model.parameters()).dtype))
    finally:
        for hook in hooks:
            hook.remove()
    return [captured[i].reshape(len(x), -1).double() for i in range(len(model.nodes))]


def departure_per_layer(model, budget, program, x: torch.Tensor, spiking, seed: int) -> dict[str, dict]:
    """{layer: {"differs": share of outputs unlike the model's, "saturated": share at the top level}}."""
    x = x[:SAMPLES[program.mode]]
    ir, values = map_with_values(model, budget)
    if ir.next_value() != program.n_values:
        return {}
    scales = scale_maps(model)
    chip = ReferenceChip(program)
    flat = torch.from_numpy(x.reshape(len(x), -1).double().numpy())
    if program.mode == "rate":
        options = RateOptions(spiking.encoding, spiking.firing, spiking.thresholding, seed)
        space = chip.rate(flat, options, 0)[-1].double() / program.steps
    else:
        space = chip.closed_form(flat)[-1].double() / (program.steps if program.mode == "ttfs_quantized" else 1)
    tolerance = 1e-6 if program.mode == "ttfs" else 0.5 / program.steps
    model_outputs = node_outputs(model, x)
    result = {}
    for i, node in enumerate(model.nodes):
        if not isinstance(node, PerceptronMapper) or node.perceptron.is_output:
            continue
        on_chip = space[:, torch.from_numpy(values[i].reshape(-1))]
        expected = model_outputs[i] / torch.from_numpy(np.asarray(scales[i], np.float64).reshape(-1))
        result[f"node{i}"] = {"differs": round(float(((on_chip - expected).abs() > tolerance).double().mean()), 6),
                              "saturated": round(float((on_chip >= 1 - 1e-9).double().mean()), 6)}
    return result


def first_departure(per_layer: dict[str, dict]) -> str | None:
    """The first layer (graph order) whose outputs differ from the model's anywhere."""
    return next((layer for layer, figures in per_layer.items() if figures["differs"] > 0), None)
