"""Where the chip departs from the model first: per layer and per compute op, the share of outputs that
differ from the model's (beyond half a level) and the share that saturate (fire at the first step, or
every cycle), on the first test samples and every sample the chip and the model disagree on."""

import numpy as np
import torch

from mappers.graph.mappers import AddMapper, AvgPoolMapper, GlobalAvgPoolMapper, MaxPoolMapper, PerceptronMapper
from mappers.graph.scales import scale_maps
from mappers.ir.soft_mapping import map_with_values
from simulator.options import RateOptions

SAMPLES = {"ttfs": 200, "ttfs_quantized": 200, "rate": 40}
"""The first test samples always looked at (besides every one the chip and the model disagree on)."""
PRODUCERS = (PerceptronMapper, MaxPoolMapper, AvgPoolMapper, AddMapper, GlobalAvgPoolMapper)
"""Nodes that make new values on the chip: neural layers and compute ops."""
CHUNK = 20
"""Samples per pass: every node's outputs are held at once, so a pass stays a small part of a batch."""


def compared_nodes(model) -> list[int]:
    """The nodes whose outputs live in the chip's value space: hidden layers and compute ops, not the readout."""
    last = len(model.nodes) - 1
    return [i for i, node in enumerate(model.nodes) if isinstance(node, PRODUCERS) and i != last
            and not (isinstance(node, PerceptronMapper) and node.perceptron.is_output)]


def node_outputs(model, x: torch.Tensor, nodes: list[int]) -> dict[int, torch.Tensor]:
    """The outputs of `nodes` on `x`, flattened per sample."""
    captured, hooks = {}, []
    for i in nodes:
        node = model.nodes[i]
        hooks.append(node.register_forward_hook(lambda module, args, out, i=i: captured.__setitem__(i, out)))
    try:
        with torch.no_grad():
            model.eval()(x.to(next(model.parameters()).dtype))
    finally:
        for hook in hooks:
            hook.remove()
    return {i: out.reshape(len(x), -1).double() for i, out in captured.items()}


def looked_at(mode: str, chip_predictions: np.ndarray, model_predictions: np.ndarray) -> np.ndarray:
    """The samples the diagnostic looks at: the first few, and every one the chip and the model disagree on."""
    first = np.arange(min(SAMPLES[mode], len(chip_predictions)))
    return np.union1d(first, np.flatnonzero(chip_predictions != model_predictions))


def departure_per_layer(model, budget, chip, x: torch.Tensor, spiking, seed: int) -> dict[str, dict]:
    """{node: {"differs": share of outputs unlike the model's, "saturated": share at the top level}} on `x`, run
    through `chip` (a torch reference: `closed_form` and `rate` that return the value space)."""
    ir, values = map_with_values(model, budget)
    program = chip.p
    if ir.next_value() != program.n_values:
        return {}
    scales = scale_maps(model)
    options = RateOptions(spiking.encoding, spiking.firing, spiking.thresholding, seed, spiking.synaptic_delay)
    top = 1 if program.mode == "ttfs" else program.steps
    tolerance = 1e-6 if program.mode == "ttfs" else 0.5 / program.steps
    nodes = compared_nodes(model)
    differs, saturated = np.zeros(len(nodes)), np.zeros(len(nodes))
    for start in range(0, len(x), CHUNK):
        part = x[start:start + CHUNK]
        flat = part.reshape(len(part), -1).double().to(chip.device)
        with torch.no_grad():
            run = chip.rate(flat, options, start) if program.mode == "rate" else chip.closed_form(flat)
        space, outputs = run[-1].double().cpu() / top, node_outputs(model, part, nodes)
        for k, i in enumerate(nodes):
            on_chip = space[:, torch.from_numpy(values[i].reshape(-1))]
            expected = outputs[i] / torch.from_numpy(np.asarray(scales[i], np.float64).reshape(-1))
            differs[k] += float(((on_chip - expected).abs() > tolerance).double().sum()) / on_chip.shape[1]
            saturated[k] += float((on_chip >= 1 - 1e-9).double().sum()) / on_chip.shape[1]
    return {model.names[i]: {"differs": round(differs[k] / len(x), 6), "saturated": round(saturated[k] / len(x), 6)}
            for k, i in enumerate(nodes)}


def first_departure(per_layer: dict[str, dict]) -> str | None:
    """The first layer (graph order) whose outputs differ from the model's anywhere."""
    return next((layer for layer, figures in per_layer.items() if figures["differs"] > 0), None)
