"""Codecs round-trip every artifact type exactly, without pickle: every field of every core, op and placement."""

import dataclasses

import numpy as np
import pytest
import torch

from mappers.graph.scales import compute_per_source_scales
from mappers.hardware.mapping import HardCoreMapping, map_hard_cores
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.zoo import Recipe, build_model
from runner.engine.codecs import codec_kind, make_codecs
from runner.models import build_without_spec
from tests.mappers.test_execution_order import skip_graph
from tests.mappers.test_residual_and_average import quantize, residual_graph


def roundtrip(value, tmp_path):
    codec = make_codecs(build_without_spec)[codec_kind(value)]
    files = codec.save(value, tmp_path, "artifact")
    assert files and all((tmp_path / f).is_file() for f in files)
    return codec.load(tmp_path, "artifact")


def assert_same(back, value, where="value"):
    """`back` equals `value` field by field (dataclasses), item by item (lists), in dtype, shape and content."""
    assert type(back) is type(value), where
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            assert_same(getattr(back, f.name), getattr(value, f.name), f"{where}.{f.name}")
    elif isinstance(value, list):
        assert len(back) == len(value), where
        for i, (b, v) in enumerate(zip(back, value)):
            assert_same(b, v, f"{where}[{i}]")
    elif isinstance(value, np.ndarray):
        assert (back.dtype, back.shape) == (value.dtype, value.shape), where
        np.testing.assert_array_equal(back, value, err_msg=where)
    else:
        assert back == value, where


def float_ir_with_max_pools():
    graph = skip_graph()
    compute_per_source_scales(graph)
    return map_soft_cores(graph, CoreBudget(((64, 64),)))


def integer_ir_with_partial_sums_and_weighted_sums():
    """Residual graph, 8-bit: its 3x3 layer axon-tiled onto partial-sum cores, an addition and an average."""
    graph = residual_graph(0)
    quantize(graph, torch.rand(50, 2, 8, 8))
    return map_soft_cores(graph, CoreBudget(((16, 32),), axon_tiling=True, partial_sum=True))


def test_the_irs_exercise_every_field():
    floats, integers = float_ir_with_max_pools(), integer_ir_with_partial_sums_and_weighted_sums()
    assert (floats.integer, integers.integer) == (False, True)
    assert [op.kind for op in floats.ops] == ["max"] * 3 and [op.kind for op in integers.ops] == ["sum", "sum"]
    assert all(op.eps > 0 and op.factors.shape == op.sources.shape for op in integers.ops)
    assert {c.partial for c in integers.cores} == {True, False} and {c.is_output for c in integers.cores} == {True,
                                                                                                        False}
    assert len({int(t) for c in integers.cores for t in c.thresholds}) > 2


@pytest.mark.parametrize("make", [float_ir_with_max_pools, integer_ir_with_partial_sums_and_weighted_sums])
def test_ir_roundtrips_every_field_of_every_core_and_op(make, tmp_path):
    ir = make()
    assert_same(roundtrip(ir, tmp_path), ir)


def test_hard_core_mapping_roundtrips_every_placement_array_and_the_bound(tmp_path):
    ir = integer_ir_with_partial_sums_and_weighted_sums()
    mapping = map_hard_cores(ir, np.array([(16, 32, 200), (8, 8, 300)]), "per_neuron")
    assert isinstance(mapping, HardCoreMapping) and set(mapping.core_type.tolist()) == {0, 1}
    assert mapping.axon_offset.max() > 0 and mapping.neuron_offset.max() > 0
    assert_same(roundtrip(mapping, tmp_path), mapping)


def test_model_roundtrip_keeps_structure_and_precision(tmp_path):
    model = build_model(Recipe("mlp", {"hidden": [7], "batch_norm": True}, (5,), 3)).eval()
    model.nodes[2].perceptron.norm = None
    model.double()
    back = roundtrip(model, tmp_path)
    x = torch.rand(4, 5, dtype=torch.float64)
    assert back.nodes[2].perceptron.norm is None
    torch.testing.assert_close(back(x), model(x), rtol=0, atol=0)


def test_json_values_roundtrip(tmp_path):
    value = {"builder": "mlp", "input_shape": [1, 8, 8], "n": 3}
    assert roundtrip(value, tmp_path) == value
