"""Soft-core mapping: lower a mapper graph to IR cores, tiled to fit the platform's cores."""

from dataclasses import dataclass

import numpy as np
import torch

from mappers.graph.representation import MapperGraph
from mappers.graph.mappers import (AddMapper, AvgPoolMapper, GlobalAvgPoolMapper, MaxPoolMapper, PerceptronMapper,
                                   ResidualMapper)
from mappers.graph.scales import scale_maps
from mappers.ir.graph import ALWAYS_ON, FIRST_INPUT, OFF, ComputeOp, IRGraph, MappingError, NeuralCore
from mappers.ir.axon_tiling import check_accumulator_range, map_axon_tiled
from mappers.ir.max_pool import map_max_pool_on_cores
from mappers.ir.im2col import receptive_fields
from mappers.nn.effective import effective_parameters
from mappers.nn.perceptron import Perceptron


@dataclass(frozen=True)
class CoreBudget:
    """What soft cores may look like: the core types' (axons, neurons) and the tiling the chip allows."""

    shapes: tuple[tuple[int, int], ...]
    axon_tiling: bool = False
    partial_sum: bool = False
    exact_layers: frozenset = frozenset()
    """Layers tiled with partial sums even where the chip has none (to measure the signed split's error)."""
    weight_bits: int = 0
    """The bits float weights will be quantized to (a layout-only estimate); a quantized perceptron has its own."""
    max_pool: str = "host"
    """Where max-pools run: `host` (a compute op) or `cores` (a tree of neural cores, `mappers.ir.max_pool`)."""
    rate_steps: int = 0
    """T of a rate-coded chip (0 in TTFS): the max-pool tree's weights and thresholds depend on it, not its size."""

    def neuron_tile(self, axons: int) -> int | None:
        """Neurons per tile: the widest core type holding all `axons`; None when none does."""
        fitting = [n for a, n in self.shapes if a >= axons]
        return max(fitting) if fitting else None

    def largest(self) -> tuple[int, int]:
        """The core type with the most axons (ties: most neurons): where tiled layers go."""
        return max(self.shapes)


def core_parameters(p: Perceptron) -> tuple[np.ndarray, int | float]:
    """Weights (fan-in + bias axon, neurons) and threshold: integers x theta once quantized, else threshold 1."""
    w_eff, b_eff = effective_parameters(p)
    weights = torch.vstack([w_eff, b_eff[None, :]])
    if int(p.weight_bits) == 0:
        return weights.numpy(), 1.0
    theta = int(p.parameter_scale)
    return torch.round(weights * theta).long().numpy(), theta


def receptive_field_sources(p: Perceptron, inputs: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """Per output position, the value indices its fan-in reads; and the per-position output shape."""
    if not p.is_conv:
        return inputs.reshape(1, -1), ()
    layer = p.layer
    fields, spatial = receptive_fields(inputs, layer.kernel_size, layer.stride, layer.padding, OFF)
    return fields, spatial


def map_perceptron(ir: IRGraph, name: str, p: Perceptron, inputs: np.ndarray, budget: CoreBudget) -> np.ndarray:
    """Add the cores of one perceptron (per output position, neuron-tiled, bias on an always-on axon); a grouped
    convolution's groups each have their own cores, reading only their own channels."""
    weights, threshold = core_parameters(p)
    if p.groups == 1:
        return map_layer(ir, name, p, weights, threshold, *receptive_field_sources(p, inputs), budget)
    fields, spatial = receptive_field_sources(p, inputs)
    fields = fields.reshape(len(fields), p.groups, -1)
    width = p.out_features // p.groups
    return np.concatenate([map_layer(ir, name, p, weights[:, g * width:(g + 1) * width], threshold, fields[:, g],
                                     spatial, budget, f"g{g}") for g in range(p.groups)])


def map_residual(ir: IRGraph, name: str, node: ResidualMapper, inputs: np.ndarray, skipped: np.ndarray,
                 budget: CoreBudget) -> np.ndarray:
    """A residual layer's cores: each neuron reads its perceptron's receptive field and its skip's, and the sum of
    both biases on the always-on axon (one threshold: both are integers of one scale once quantized)."""
    (weights, threshold), (skip_weights, _) = core_parameters(node.perceptron), core_parameters(node.skip)
    (fields, spatial), (skip_fields, _) = (receptive_field_sources(node.perceptron, inputs),
                                           receptive_field_sources(node.skip, skipped))
    combined = np.vstack([weights[:-1], skip_weights[:-1], weights[-1:] + skip_weights[-1:]])
    return map_layer(ir, name, node.perceptron, combined, threshold, np.hstack([fields, skip_fields]), spatial,
                     budget)


def map_layer(ir: IRGraph, name: str, p: Perceptron, weights: np.ndarray, threshold, fields: np.ndarray,
              spatial: tuple[int, ...], budget: CoreBudget, group: str = "") -> np.ndarray:
    """The cores of a layer of neurons of `p`'s kind: `weights` (fan-in + bias, neurons) read `fields` (per output
    position, the fan-in's value indices); neuron-tiled, or axon-tiled when allowed; `group` marks the position."""
    tile = budget.neuron_tile(weights.shape[0])
    if tile is None and not budget.axon_tiling:
        raise MappingError(
            f"layer {name} needs {weights.shape[0]} axons (fan-in + bias) but the largest core has "
            f"{budget.largest()[0]}; use cores with more axons, a narrower layer, or platform.allow_axon_tiling: true")
    axons, neurons = budget.largest()
    exact = budget.partial_sum or name in budget.exact_layers
    if tile is None and not exact:
        check_accumulator_range(name, weights, axons, int(p.weight_bits) or budget.weight_bits)
    outputs = np.empty((len(fields), weights.shape[1]), np.int64)
    for position, field in enumerate(fields):
        sources = np.append(field, ALWAYS_ON).astype(np.int64)
        where = f"@{position}{group}" if spatial else ""
        if tile is None:
            outputs[position] = map_axon_tiled(ir, f"{name}{where}", weights, threshold, sources, p.is_output,
                                               axons, neurons, exact)
            continue
        for start in range(0, weights.shape[1], tile):
            block = weights[:, start:start + tile]
            core = NeuralCore(f"{name}{where}[{start}:{start + block.shape[1]}]", block,
                              np.full(block.shape[1], threshold), sources, is_output=p.is_output)
            outputs[position, start:start + block.shape[1]] = ir.add_core(core)
    return outputs.T.reshape((weights.shape[1],) + spatial)


def map_max_pool(ir: IRGraph, name: str, node: MaxPoolMapper, inputs: np.ndarray, budget: CoreBudget,
                 integer: bool, readout: bool) -> np.ndarray:
    """Each output takes the max over its window (padding reads an off axon, 0): one ComputeOp, or tree cores."""
    windows = node.windows(inputs, OFF)
    rows = windows.reshape(-1, windows.shape[-1]).astype(np.int64)
    if budget.max_pool == "cores":
        values = map_max_pool_on_cores(ir, name, rows, budget.largest(), integer, readout, budget.rate_steps)
    else:
        values = ir.add_op(ComputeOp("max", name, rows))
    return values.reshape(windows.shape[:3])


def map_weighted_sum(ir: IRGraph, name: str, rows: np.ndarray, factors: np.ndarray, offset, eps: float) -> np.ndarray:
    """One ComputeOp: each output is its row's weighted sum plus `offset` (on the always-on axon), on the grid."""
    sources = np.hstack([rows, np.full((len(rows), 1), ALWAYS_ON)]).astype(np.int64)
    weights = np.hstack([factors, np.broadcast_to(np.asarray(offset, np.float64).reshape(-1, 1), (len(rows), 1))])
    return ir.add_op(ComputeOp("sum", name, sources, factors=weights, eps=eps))


def map_add(ir: IRGraph, name: str, node: AddMapper, a: np.ndarray, b: np.ndarray, scale_a, scale_b) -> np.ndarray:
    """y = staircase(s_a x_a + s_b x_b + shift) / s_y: the factors carry each source's scale."""
    s_y = float(node.activation_scale)
    rows = np.stack([a.reshape(-1), b.reshape(-1)], axis=1)
    factors = np.stack([scale_a.reshape(-1), scale_b.reshape(-1)], axis=1) / s_y
    values = map_weighted_sum(ir, name, rows, factors, float(node.activation.shift) / s_y,
                              float(node.activation.lattice_eps))
    return values.reshape(a.shape)


def map_average_pool(ir: IRGraph, name: str, node: AvgPoolMapper, inputs: np.ndarray) -> np.ndarray:
    """Each output is the mean of its window (same scale in and out), put back on the grid."""
    windows = node.windows(inputs, OFF)
    rows = windows.reshape(-1, windows.shape[-1])
    values = map_weighted_sum(ir, name, rows, np.full(rows.shape, 1.0 / rows.shape[1]), 0.0,
                              float(node.activation.lattice_eps))
    return values.reshape(windows.shape[:3])


def map_global_average(ir: IRGraph, name: str, inputs: np.ndarray, integer: bool, readout: bool) -> np.ndarray:
    """One core per channel averaging its positions: weights 1 and threshold H*W (exact)."""
    channels, taps = inputs.shape[0], inputs[0].size
    weights = np.ones((taps, 1), np.int64) if integer else np.full((taps, 1), 1.0 / taps)
    threshold = np.array([taps if integer else 1.0])
    return np.concatenate([ir.add_core(NeuralCore(f"{name}[{c}]", weights, threshold,
                                                  inputs[c].reshape(-1).astype(np.int64), is_output=readout))
                           for c in range(channels)])


def map_soft_cores(graph: MapperGraph, budget: CoreBudget) -> IRGraph:
    """Lower `graph` to an IRGraph of cores that fit `budget`."""
    return map_with_values(graph, budget)[0]


def map_with_values(graph: MapperGraph, budget: CoreBudget) -> tuple[IRGraph, list[np.ndarray]]:
    """The IRGraph of `graph`, and every node's output as value indices (in the node's output shape)."""
    n_inputs = int(np.prod(graph.input_shape))
    ir = IRGraph(n_inputs)
    inputs = FIRST_INPUT + np.arange(n_inputs, dtype=np.int64).reshape(graph.input_shape)
    quantized = {int(p.weight_bits) > 0 for _, p in graph.perceptrons()}
    if len(quantized) > 1:
        raise MappingError("some perceptrons have integer weights and some float: quantize all or none")
    scales = scale_maps(graph)

    def visit(name: str, node, elements: np.ndarray, *others: np.ndarray) -> np.ndarray:
        if isinstance(node, AddMapper):
            return map_add(ir, name, node, elements, others[0], *(scales[s] for s in node.sources))
        if isinstance(node, AvgPoolMapper):
            return map_average_pool(ir, name, node, elements)
        if isinstance(node, ResidualMapper):
            return map_residual(ir, name, node, elements, others[0], budget)
        if isinstance(node, PerceptronMapper):
            return map_perceptron(ir, name, node.perceptron, elements, budget)
        if isinstance(node, MaxPoolMapper):
            return map_max_pool(ir, name, node, elements, budget, quantized == {True},
                                readout=name == f"node{graph.readout_index}")
        if isinstance(node, GlobalAvgPoolMapper):
            return map_global_average(ir, name, elements, quantized == {True}, readout=node.readout)
        raise MappingError(f"{name}: {type(node).__name__} cannot be mapped to cores")

    values = graph.propagate(inputs, visit)
    ir.outputs = values[-1].reshape(-1)
    return ir, values
