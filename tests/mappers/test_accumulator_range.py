"""Axon tiling without partial-sum cores: accumulator weights (each chunk's sum of |w|) must fit the bit range."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from mappers.graph.mappers import InputMapper, PerceptronMapper
from mappers.graph.representation import MapperGraph
from mappers.graph.scales import compute_per_source_scales
from mappers.ir.soft_mapping import CoreBudget, MappingError, map_soft_cores
from mappers.nn.effective import effective_parameters
from mappers.nn.perceptron import Perceptron
from runner.api import open_pipeline
from runner.engine.pipeline import StepFailed
from runner.run_directory import RunDirectory
from runner.steps.weight_quantization import bake_quantized

ADVICE = ("enable platform.partial_sum_cores, or use a core type of at least {axons} axons "
          "(a larger platform.weight_bits scales the weights with the range and does not help)")
SPEC = """\
name: accumulator_range
seed: 0
data:
  provider: synthetic
  samples: 300
  features: 12
  classes: 3
model:
  builder: mlp
  config:
    hidden:
      - 6
platform:
  cores:
    - axons: 8
      neurons: 16
      count: 40
  weight_bits: 8
  allow_axon_tiling: true
  partial_sum_cores: {partial}
spiking:
  mode: ttfs
  steps: 8
training:
  epochs: 2
  tolerance: 0.1
steps:
  - model_configuration
  - model_building
  - pretraining
  - weight_quantization:
      tuner_epochs: 1
      max_cycles: 1
  - soft_core_mapping
"""


def layer_of(columns: list[list[float]]) -> MapperGraph:
    """One 16-input linear readout whose effective weights are `columns` (one list of 16 per output), 8-bit."""
    p = Perceptron(nn.Linear(16, len(columns)), batch_norm=False, is_output=True)
    with torch.no_grad():
        p.layer.weight.copy_(torch.tensor(columns))
        p.layer.bias.zero_()
    graph = MapperGraph((16,), [InputMapper(), PerceptronMapper(0, p)]).double()
    compute_per_source_scales(graph)
    bake_quantized(graph, 8, 0)
    return graph


def test_chunk_sums_beyond_the_range_are_refused_with_the_range_found():
    graph = layer_of([[0.5] * 16])  # theta 254: every integer weight is 127, each chunk of 8 sums to 1016
    assert int(graph.nodes[1].perceptron.parameter_scale) == 254
    with pytest.raises(MappingError) as info:
        map_soft_cores(graph, CoreBudget(((8, 16),), axon_tiling=True))
    assert str(info.value) == (
        "layer node1 (17 axons) is axon-tiled onto cores of 8 axons without partial-sum cores: its accumulating "
        "core gets weights in [-1016, 1016] (each partial core's sum of |w|), outside the 8-bit weight range "
        "[-128, 127]; " + ADVICE.format(axons=17))


def test_chunk_sums_within_the_range_give_exactly_those_accumulator_weights():
    graph = layer_of([[0.5] + [0.0] * 7 + [0.2] + [0.0] * 7])  # integer weights 127 and round(50.8) = 51
    ir = map_soft_cores(graph, CoreBudget(((8, 16),), axon_tiling=True))
    assert [c.layer for c in ir.cores] == ["node1[0:1]/partial0", "node1[0:1]/partial1", "node1[0:1]/sum"]
    assert [c.thresholds.tolist() for c in ir.cores] == [[127, 127], [51, 51], [254]]
    assert ir.cores[2].weights.tolist() == [[127], [-127], [51], [-51], [0]]


def test_partial_sum_cores_take_the_layer_whatever_its_sums():
    graph = layer_of([[0.5] * 16])
    ir = map_soft_cores(graph, CoreBudget(((8, 16),), axon_tiling=True, partial_sum=True))
    assert [c.partial for c in ir.cores] == [True, True, False]
    assert ir.cores[2].weights.tolist() == [[1], [1], [0]]


def test_a_layout_estimate_refuses_the_signed_split_only_for_weights_to_be_quantized():
    graph = MapperGraph((16,), [InputMapper(), PerceptronMapper(0, Perceptron(nn.Linear(16, 2), batch_norm=False,
                                                                                 is_output=True))])
    compute_per_source_scales(graph)
    with pytest.raises(MappingError) as info:
        map_soft_cores(graph, CoreBudget(((8, 16),), axon_tiling=True, weight_bits=8))
    assert str(info.value) == (
        "layer node1 (17 axons) is axon-tiled onto cores of 8 axons without partial-sum cores: its accumulating "
        "core would weigh each partial core by the sum of |w| over its chunk, up to 8 x 128 = 1024, while the 8-bit "
        "weights are scaled so the largest reaches 127 on its own: any dense trained layer leaves [-128, 127]; "
        + ADVICE.format(axons=17))
    assert len(map_soft_cores(graph, CoreBudget(((8, 16),), axon_tiling=True)).cores) == 6
    assert len(map_soft_cores(graph, CoreBudget(((8, 16),), axon_tiling=True, partial_sum=True,
                                                weight_bits=8)).cores) == 3


def check(spec):
    return subprocess.run([sys.executable, "-m", "runner.cli", str(spec), "--check"], capture_output=True,
                          text=True, timeout=300)


def test_check_refuses_the_signed_split_of_an_integer_program(tmp_path):
    spec = tmp_path / "range.yaml"
    spec.write_text(SPEC.format(partial="false"))
    result = check(spec)
    assert (result.returncode, result.stdout) == (2, f"{spec}: spec is sound (5 steps)\n")
    assert result.stderr == (
        f"error: the model cannot be mapped onto the platform of {spec}: layer fc1 (13 axons) is axon-tiled onto "
        "cores of 8 axons without partial-sum cores: its accumulating core would weigh each partial core by the "
        "sum of |w| over its chunk, up to 8 x 128 = 1024, while the 8-bit weights are scaled so the largest reaches "
        "127 on its own: any dense trained layer leaves [-128, 127]; " + ADVICE.format(axons=13) + "\n")
    spec.write_text(SPEC.format(partial="true"))
    result = check(spec)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[1] == (f"{spec}: 7 soft cores on 6 hard cores (per type [6]; "
                                             "lower bound 6); the chip has 40 of 8x16")


def accumulator_weights_of(model, layer: str, axons: int) -> int:
    """The largest sum of |integer weight| over one output's chunk of `axons` inputs in `layer` (the oracle)."""
    p = dict(model.perceptrons())[layer]
    w_eff, _ = effective_parameters(p)
    w_q = np.abs(torch.round(w_eff * int(p.parameter_scale)).long().numpy())
    return int(max(w_q[j:j + axons].sum(axis=0).max() for j in range(0, len(w_q), axons)))


def test_soft_core_mapping_refuses_the_signed_split_and_takes_partial_sums(tmp_path):
    spec, run_dir = tmp_path / "range.yaml", tmp_path / "run"
    spec.write_text(SPEC.format(partial="false"))
    with pytest.raises(StepFailed) as info:
        open_pipeline(str(spec), workdir=str(run_dir), quiet=True).run()
    top = accumulator_weights_of(RunDirectory(run_dir, spec=str(spec)).latest("model"), "fc1", 8)
    assert top > 127
    assert (info.value.exit_code, info.value.message) == (2, (
        "step 'soft_core_mapping' failed: layer fc1 (13 axons) is axon-tiled onto cores of 8 axons without "
        f"partial-sum cores: its accumulating core gets weights in [-{top}, {top}] (each partial core's sum of |w|), "
        "outside the 8-bit weight range [-128, 127]; " + ADVICE.format(axons=13)))
    spec.write_text(SPEC.format(partial="true"))
    report = open_pipeline(str(spec), workdir=str(run_dir), quiet=True).run()
    steps = {s["name"]: (s["status"], s["reused"]) for s in report["steps"]}
    assert steps["weight_quantization"] == ("done", True) and steps["soft_core_mapping"] == ("done", False)
    assert len(RunDirectory(run_dir, spec=str(spec)).latest("ir").cores) == 7
