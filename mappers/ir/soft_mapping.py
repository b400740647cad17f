"""Soft-core mapping: lower a mapper graph to IR cores, tiled to fit the platform's cores."""

import numpy as np
import torch

from mappers.graph.representation import MapperGraph
from mappers.graph.mappers import GlobalAvgPoolMapper, MaxPoolMapper, PerceptronMapper
from mappers.ir.graph import ALWAYS_ON, FIRST_INPUT, OFF, ComputeOp, IRGraph, NeuralCore
from mappers.ir.im2col import receptive_fields
from mappers.nn.effective import effective_parameters
from mappers.nn.perceptron import Perceptron


class MappingError(ValueError):
    """The network cannot be lowered onto the platform as configured."""


def neuron_tile(layer: str, axons: int, core_shapes: list[tuple[int, int]]) -> int:
    """Neurons per tile: the widest core type that holds all `axons` of the layer."""
    fitting = [n for a, n in core_shapes if a >= axons]
    if not fitting:
        largest = max(a for a, _ in core_shapes)
        raise MappingError(
            f"layer {layer} needs {axons} axons (fan-in + bias) but the largest core has {largest}; "
            "use cores with more axons, a narrower layer, or platform.allow_axon_tiling: true "
            "(axon tiling is not available yet)"
        )
    return max(fitting)


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


def map_perceptron(ir: IRGraph, name: str, p: Perceptron, inputs: np.ndarray,
                   core_shapes: list[tuple[int, int]]) -> np.ndarray:
    """Add the cores of one perceptron (per output position, neuron-tiled, bias on an always-on axon)."""
    weights, threshold = core_parameters(p)
    fields, spatial = receptive_field_sources(p, inputs)
    tile = neuron_tile(name, weights.shape[0], core_shapes)
    outputs = np.empty((len(fields), weights.shape[1]), np.int64)
    for position, field in enumerate(fields):
        sources = np.append(field, ALWAYS_ON).astype(np.int64)
        where = f"@{position}" if spatial else ""
        for start in range(0, weights.shape[1], tile):
            block = weights[:, start:start + tile]
            core = NeuralCore(f"{name}{where}[{start}:{start + block.shape[1]}]", block,
                              np.full(block.shape[1], threshold), sources, is_output=p.is_output)
            outputs[position, start:start + block.shape[1]] = ir.add_core(core)
    return outputs.T.reshape((weights.shape[1],) + spatial)


def map_max_pool(ir: IRGraph, name: str, node: MaxPoolMapper, inputs: np.ndarray) -> np.ndarray:
    """One ComputeOp: each output takes the max over its window (padding reads an off axon, 0)."""
    windows = node.windows(inputs, OFF)
    values = ir.add_op(ComputeOp("max", name, windows.reshape(-1, windows.shape[-1]).astype(np.int64)))
    return values.reshape(windows.shape[:3])


def map_global_average(ir: IRGraph, name: str, inputs: np.ndarray, integer: bool, readout: bool) -> np.ndarray:
    """One core per channel averaging its positions: weights 1 and threshold H*W (exact)."""
    channels, taps = inputs.shape[0], inputs[0].size
    weights = np.ones((taps, 1), np.int64) if integer else np.full((taps, 1), 1.0 / taps)
    threshold = np.array([taps if integer else 1.0])
    return np.concatenate([ir.add_core(NeuralCore(f"{name}[{c}]", weights, threshold,
                                                  inputs[c].reshape(-1).astype(np.int64), is_output=readout))
                           for c in range(channels)])


def map_soft_cores(graph: MapperGraph, core_shapes: list[tuple[int, int]]) -> IRGraph:
    """Lower `graph` to an IRGraph for cores of the given (axons, neurons) shapes."""
    n_inputs = int(np.prod(graph.input_shape))
    ir = IRGraph(n_inputs)
    inputs = FIRST_INPUT + np.arange(n_inputs, dtype=np.int64).reshape(graph.input_shape)
    quantized = {int(p.weight_bits) > 0 for _, p in graph.perceptrons()}
    if len(quantized) > 1:
        raise MappingError("some perceptrons have integer weights and some float: quantize all or none")
    last = f"node{len(graph.nodes) - 1}"

    def visit(name: str, node, elements: np.ndarray) -> np.ndarray:
        if isinstance(node, PerceptronMapper):
            return map_perceptron(ir, name, node.perceptron, elements, core_shapes)
        if isinstance(node, MaxPoolMapper):
            return map_max_pool(ir, name, node, elements)
        if isinstance(node, GlobalAvgPoolMapper):
            return map_global_average(ir, name, elements, quantized == {True}, readout=name == last)
        raise MappingError(f"{name}: {type(node).__name__} cannot be mapped to cores")

    ir.outputs = graph.propagate(inputs, visit)[-1].reshape(-1)
    return ir
