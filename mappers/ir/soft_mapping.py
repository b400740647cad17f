"""Soft-core mapping: lower a mapper graph to IR cores, tiled to fit the platform's cores."""

import numpy as np

from mappers.graph.representation import MapperGraph
from mappers.ir.graph import ALWAYS_ON, FIRST_INPUT, IRGraph, NeuralCore
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


def map_perceptron(ir: IRGraph, name: str, p: Perceptron, inputs: np.ndarray,
                   core_shapes: list[tuple[int, int]]) -> np.ndarray:
    """Add the cores of one perceptron (neuron-tiled, bias on an always-on axon); return its outputs."""
    w_eff, b_eff = (t.numpy() for t in effective_parameters(p))
    weights = np.vstack([w_eff, b_eff[None, :]])
    sources = np.append(inputs.reshape(-1), ALWAYS_ON).astype(np.int64)
    tile = neuron_tile(name, weights.shape[0], core_shapes)
    outputs = []
    for start in range(0, weights.shape[1], tile):
        block = weights[:, start:start + tile]
        core = NeuralCore(f"{name}[{start}:{start + block.shape[1]}]", np.ascontiguousarray(block),
                          np.ones(block.shape[1]), sources, is_output=p.is_output)
        outputs.append(ir.add_core(core))
    return np.concatenate(outputs)


def map_soft_cores(graph: MapperGraph, core_shapes: list[tuple[int, int]]) -> IRGraph:
    """Lower `graph` to an IRGraph for cores of the given (axons, neurons) shapes."""
    n_inputs = int(np.prod(graph.input_shape))
    ir = IRGraph(n_inputs)
    inputs = FIRST_INPUT + np.arange(n_inputs, dtype=np.int64).reshape(graph.input_shape)
    maps = graph.propagate(inputs, lambda name, p, x: map_perceptron(ir, name, p, x, core_shapes))
    ir.outputs = maps[-1].reshape(-1)
    return ir
