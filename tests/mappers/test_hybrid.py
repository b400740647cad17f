"""Hybrid mapping: stage order around compute ops and the state buffer on a skip path."""

import numpy as np
import torch
from torch import nn

from mappers.graph.mappers import ConcatMapper, GlobalAvgPoolMapper, InputMapper, MaxPoolMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph
from mappers.graph.scales import compute_per_source_scales
from mappers.ir.hybrid import hybrid_stages
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.nn.perceptron import Perceptron


def conv(channels, out):
    return Perceptron(nn.Conv2d(channels, out, 1), batch_norm=False, is_output=False)


def skip_graph():
    """x -> A -> pool1 -> B -> pool2 -> C(concat(pool2, pool1 pooled again)) -> average readout."""
    torch.manual_seed(0)
    nodes = [InputMapper(),
             PerceptronMapper(0, conv(2, 3)),       # 1: A (stage 0)
             MaxPoolMapper(1, 2),                   # 2: op after stage 0
             PerceptronMapper(2, conv(3, 3)),       # 3: B (stage 1)
             MaxPoolMapper(3, 2),                   # 4: op after stage 1
             MaxPoolMapper(2, 2),                   # 5: pool1 pooled again (also after stage 1)
             ConcatMapper((4, 5)),                  # 6
             PerceptronMapper(6, conv(6, 4)),       # 7: C (stage 2)
             GlobalAvgPoolMapper((7,))]             # 8: readout cores (stage 2)
    return MapperGraph((2, 8, 8), nodes)


def test_stage_order_and_state_buffer_on_a_skip_path():
    graph = skip_graph()
    compute_per_source_scales(graph)
    ir = map_soft_cores(graph, CoreBudget(((64, 64),)))
    stages = hybrid_stages(ir)
    assert len(stages) == 3 and ir.stages() == 2
    assert [len(s.ops) for s in stages] == [1, 2, 0]
    assert stages[0].first_core == 0 and stages[-1].end_core == len(ir.cores)
    first_op = stages[0].ops[0]
    start = ir.op_values[first_op]
    pool1_values = set(range(start, start + ir.ops[first_op].outputs))
    # pool1's outputs are read by B in stage 1 and by the second pooling after stage 1: buffered into stage 1.
    assert pool1_values <= set(stages[1].carried.tolist())
    # the concat in stage 2 reads only values the ops after stage 1 made: nothing of stage 0 reaches stage 2.
    assert not pool1_values & set(stages[2].carried.tolist())


def test_every_stage_reads_only_values_made_earlier():
    graph = skip_graph()
    compute_per_source_scales(graph)
    ir = map_soft_cores(graph, CoreBudget(((64, 64),)))
    for stage in hybrid_stages(ir):
        for core in ir.cores[stage.first_core:stage.end_core]:
            assert np.all(core.sources < ir.next_value())
