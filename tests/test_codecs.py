"""Codecs round-trip every artifact type exactly, without pickle."""

import numpy as np
import torch

from mappers.graph.scales import compute_per_source_scales
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.zoo import Recipe, build_model
from runner.engine.codecs import codec_kind, make_codecs
from runner.models import build_without_spec
from tests.mappers.test_hybrid import skip_graph


def roundtrip(value, tmp_path):
    codec = make_codecs(build_without_spec)[codec_kind(value)]
    files = codec.save(value, tmp_path, "artifact")
    assert files and all((tmp_path / f).is_file() for f in files)
    return codec.load(tmp_path, "artifact")


def test_ir_with_compute_ops_roundtrips(tmp_path):
    graph = skip_graph()
    compute_per_source_scales(graph)
    ir = map_soft_cores(graph, CoreBudget(((64, 64),)))
    back = roundtrip(ir, tmp_path)
    assert [c.layer for c in back.cores] == [c.layer for c in ir.cores]
    assert back.core_values == ir.core_values and back.op_values == ir.op_values
    assert [op.position for op in back.ops] == [op.position for op in ir.ops]
    for a, b in zip(ir.cores, back.cores):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.sources, b.sources)
    np.testing.assert_array_equal(ir.outputs, back.outputs)


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
