"""The execution the IR promises: each compute op runs after exactly the cores that feed it, reading what
they made; a core or op reading a value not made before it is refused."""

import numpy as np
import pytest
import torch
from torch import nn

from mappers.graph.mappers import ConcatMapper, GlobalAvgPoolMapper, InputMapper, MaxPoolMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph
from mappers.graph.scales import compute_per_source_scales
from mappers.ir.graph import IRGraph, NeuralCore
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.nn.perceptron import Perceptron


def conv(channels, out):
    return Perceptron(nn.Conv2d(channels, out, 1), batch_norm=False, is_output=False)


def skip_graph():
    """x -> A -> pool1 -> B -> pool2 -> C(concat(pool2, pool1 pooled again)) -> average readout."""
    torch.manual_seed(0)
    nodes = [InputMapper(),
             PerceptronMapper(0, conv(2, 3)),       # 1: A, 64 cores (one per position of 8 x 8)
             MaxPoolMapper(1, 2),                   # 2: pool1, after A
             PerceptronMapper(2, conv(3, 3)),       # 3: B, 16 cores (4 x 4)
             MaxPoolMapper(3, 2),                   # 4: pool2, after B
             MaxPoolMapper(2, 2),                   # 5: pool1 pooled again, also after B (a skip path)
             ConcatMapper((4, 5)),                  # 6
             PerceptronMapper(6, conv(6, 4)),       # 7: C, 4 cores (2 x 2)
             GlobalAvgPoolMapper(7, 4)]             # 8: one readout core per channel
    return MapperGraph((2, 8, 8), nodes)


def windows(values: np.ndarray) -> np.ndarray:
    """(channels x out positions, 4): the 2x2 windows of `values` (channels, H, W), row-major within each."""
    c, h, w = values.shape
    return values.reshape(c, h // 2, 2, w // 2, 2).transpose(0, 1, 3, 2, 4).reshape(-1, 4)


def test_ops_run_after_the_cores_that_feed_them_and_read_exactly_their_values():
    graph = skip_graph()
    compute_per_source_scales(graph)
    ir = map_soft_cores(graph, CoreBudget(((64, 64),)))
    assert [c.neurons for c in ir.cores] == [3] * 64 + [3] * 16 + [4] * 4 + [1] * 4
    assert [(op.kind, op.layer, op.position) for op in ir.ops] == [("max", "node2", 64), ("max", "node4", 80),
                                                                   ("max", "node5", 80)]
    assert ir.stages() == 2
    assert ir.layers() == ["node1", "node2", "node3", "node4", "node5", "node7", "node8"]
    a = (np.asarray(ir.core_values[:64])[None, :] + np.arange(3)[:, None]).reshape(3, 8, 8)
    b = (np.asarray(ir.core_values[64:80])[None, :] + np.arange(3)[:, None]).reshape(3, 4, 4)
    pool1 = ir.op_values[0] + np.arange(48).reshape(3, 4, 4)
    np.testing.assert_array_equal(ir.ops[0].sources, windows(a))
    np.testing.assert_array_equal(ir.ops[1].sources, windows(b))
    np.testing.assert_array_equal(ir.ops[2].sources, windows(pool1))
    np.testing.assert_array_equal(ir.cores[64].sources, [*pool1[:, 0, 0], 1])  # B reads pool1 and the bias axon
    concat = np.concatenate([ir.op_values[1] + np.arange(12), ir.op_values[2] + np.arange(12)]).reshape(6, 2, 2)
    np.testing.assert_array_equal(ir.cores[80].sources, [*concat[:, 0, 0], 1])


@pytest.mark.parametrize("source", [4, 5])
def test_a_core_reading_a_value_not_made_before_it_is_refused(source):
    ir = IRGraph(2)
    with pytest.raises(ValueError, match="core late reads a value that is not computed before it"):
        ir.add_core(NeuralCore("late", np.ones((2, 1)), np.ones(1), np.array([2, source])))
    assert ir.cores == [] and ir.next_value() == 4
