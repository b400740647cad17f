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
CHUNK = 20
"""Samples per pass: every node's outputs are held at once, so a pass stays a small part of a batch."""


def node_outputs(model, x: torch.Tensor) -> dict[int, torch.Tensor]:
    """Every perceptron node's output on `x`, flattened per sample."""
    captured, hooks = {}, []
    for i, node in enumerate(model.nodes):
        if not isinstance(node, PerceptronMapper):
            continue
        hooks.append(node.register_forward_hook(lambda module, args, out, i=i: captured.__setitem__(i, out)))
    try:
        with torch.no_grad():
            model.eval()(x.to(next(model.parameters()).dtype))
    finally:
        for hook in hooks:
            hook.remove()
    return {i: out.reshape(len(x), -1).double() for i, out in captured.items()}


def departure_per_layer(model, budget, program, x: torch.Tensor, spiking, seed: int) -> dict[str, dict]:
    """{layer: {"differs": share of outputs unlike the model's, "saturated": share at the top level}}."""
    ir, values = map_with_values(model, budget)
    if ir.next_value() != program.n_values:
        return {}
    scales, chip = scale_maps(model), ReferenceChip(program)
    options = RateOptions(spiking.encoding, spiking.firing, spiking.thresholding, seed)
    top = 1 if program.mode == "ttfs" else program.steps
    tolerance = 1e-6 if program.mode == "ttfs" else 0.5 / program.steps
    layers = [i for i, node in enumerate(model.nodes) if isinstance(node, PerceptronMapper) and not node.perceptron.is_output]
    differs, saturated = np.zeros(len(layers)), np.zeros(len(layers))
    x = x[:SAMPLES[program.mode]]
    for start in range(0, len(x), CHUNK):
        part = x[start:start + CHUNK]
        flat = torch.from_numpy(part.reshape(len(part), -1).double().numpy())
        run = chip.rate(flat, options, start) if program.mode == "rate" else chip.closed_form(flat)
        space, outputs = run[-1].double() / top, node_outputs(model, part)
        for k, i in enumerate(layers):
            on_chip = space[:, torch.from_numpy(values[i].reshape(-1))]
            expected = outputs[i] / torch.from_numpy(np.asarray(scales[i], np.float64).reshape(-1))
            differs[k] += float(((on_chip - expected).abs() > tolerance).double().sum()) / on_chip.shape[1]
            saturated[k] += float((on_chip >= 1 - 1e-9).double().sum()) / on_chip.shape[1]
    return {f"node{i}": {"differs": round(differs[k] / len(x), 6), "saturated": round(saturated[k] / len(x), 6)}
            for k, i in enumerate(layers)}


def first_departure(per_layer: dict[str, dict]) -> str | None:
    """The first layer (graph order) whose outputs differ from the model's anywhere."""
    return next((layer for layer, figures in per_layer.items() if figures["differs"] > 0), None)
