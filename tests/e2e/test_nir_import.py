"""A NIR file deployed by `nir_import`: our own export comes back as the same chip."""

import dataclasses
import json
from pathlib import Path

import nir
import numpy as np
import pytest

import simulator
from mappers.hardware.hard_program import hard_program
from mappers.hardware.mapping import map_hard_cores
from runner.api import open_pipeline
from runner.check import platform_budget
from runner.errors import UserError
from runner.nir_export import nir_graph
from runner.nir_reference import nir_scores
from runner.run_directory import RunDirectory
from simulator.blocks import block_program
from tests.simulator.spec_programs import random_integer_ir, spec_ir

SPEC = """\
name: nir_round_trip
seed: 0
data:
  provider: digits
  validation: 300
model:
  builder: nir
  config:
    file: chip.nir
platform:
  cores:
    - axons: 256
      neurons: 128
      count: 8
  weight_bits: 8
spiking:
  mode: rate
  steps: 32
  firing: {firing}
  thresholding: "{thresholding}"
training:
  tolerance: 0.01
steps:
  - model_configuration
  - nir_import
  - activation_quantization:
      tuner_epochs: 0
      max_cycles: 1
  - weight_quantization:
      tuner_epochs: 0
      max_cycles: 1
  - soft_core_mapping
  - hard_core_mapping
  - simulation
  - nir_simulation
"""


def exported_chip(folder, **spiking):
    """(spiking settings, IR) of the MLP quickstart's chip with random integer weights and one threshold per
    layer, written to `folder`/chip.nir."""
    spec, ir = spec_ir("quickstart_mlp_rate")
    ir = random_integer_ir(ir, 0, spec.spiking.steps)
    ir = dataclasses.replace(ir, cores=[dataclasses.replace(c, thresholds=np.full(c.neurons, int(np.median(
        c.thresholds)))) for c in ir.cores])
    settings = dataclasses.replace(spec.spiking, **spiking)
    mapping = map_hard_cores(ir, platform_budget(spec.platform)[1], spec.platform.threshold)
    nir.write(folder / "chip.nir", nir_graph(mapping, settings))
    return settings, mapping


def chip_scores(mapping, spiking, x):
    hard = hard_program(mapping, "rate", spiking.steps)
    return simulator.simulate(block_program(hard), x, firing=spiking.firing, thresholding=spiking.thresholding)


@pytest.mark.parametrize("firing, thresholding", [("default", "<"), ("default", "<="), ("novena", "<")])
def test_our_export_imports_as_the_same_chip(firing, thresholding, tmp_path):
    spiking, original = exported_chip(tmp_path, firing=firing, thresholding=thresholding)
    (tmp_path / "spec.yaml").write_text(SPEC.format(firing=firing, thresholding=thresholding))
    open_pipeline(str(tmp_path / "spec.yaml"), workdir=str(tmp_path / "run"), quiet=True).run()
    imported = RunDirectory(tmp_path / "run", spec=str(tmp_path / "spec.yaml")).latest("hard_mapping")
    for before, after in zip(original.ir.cores, imported.ir.cores, strict=True):
        assert np.array_equal(before.weights, after.weights)
        assert np.array_equal(before.thresholds, after.thresholds)
    x = np.random.default_rng(2).random((50, original.ir.n_inputs))
    want, got = chip_scores(original, spiking, x), chip_scores(imported, spiking, x)
    assert np.array_equal(want.predictions, got.predictions)
    np.testing.assert_array_equal(got.scores, want.scores)
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["nir_simulation"]["agreement"] == 1.0


def test_a_reset_rule_the_spec_does_not_run_is_refused_before_anything_runs(tmp_path):
    exported_chip(tmp_path, firing="novena")
    (tmp_path / "spec.yaml").write_text(SPEC.format(firing="default", thresholding="<"))
    with pytest.raises(UserError, match="reset to zero.*set spiking.firing"):
        open_pipeline(str(tmp_path / "spec.yaml"), workdir=str(tmp_path / "run"), quiet=True)


def test_the_snntorch_network_of_the_import_spec_deploys(tmp_path):
    spec = Path(__file__).resolve().parents[2] / "spec" / "nir_import_digits.yaml"
    open_pipeline(str(spec), workdir=str(tmp_path / "run"), quiet=True).run()
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["simulation"]["accuracy"] >= 0.95
    assert report["nir_simulation"]["samples"] == 360
    assert report["nir_simulation"]["agreement"] >= 0.98  # 8-bit integers against snnTorch's float weights


def integer_conv_net(folder):
    """An integer conv network on the 8x8 digits: Conv2d 3x3 -> IF -> SumPool2d 2 -> Flatten -> Affine."""
    rng = np.random.default_rng(3)
    conv = nir.Conv2d((8, 8), rng.integers(-40, 60, (4, 1, 3, 3)).astype(float), 1, 1, 1, 1,
                      rng.integers(-5, 10, 4).astype(float))
    theta = np.full((4, 8, 8), 70.0)  # one integer threshold: the chip keeps these integers exactly
    nodes = {"input": nir.Input({"input": np.array([1, 8, 8])}), "conv": conv,
             "spiking": nir.IF(np.ones((4, 8, 8)), theta, np.zeros((4, 8, 8))),
             "pool": nir.SumPool2d(np.array([2, 2]), np.array([2, 2]), np.array([0, 0])),
             "flatten": nir.Flatten({"input": np.array([4, 4, 4])}, 0, -1),
             "readout": nir.Affine(rng.integers(-20, 20, (10, 64)).astype(float),
                                   rng.integers(-9, 9, 10).astype(float)),
             "output": nir.Output({"output": np.array([10])})}
    names = list(nodes)
    nir.write(folder / "chip.nir", nir.NIRGraph(nodes=nodes, edges=list(zip(names, names[1:]))))


def test_an_integer_conv_network_runs_on_the_chip_as_under_nirs_definitions(tmp_path):
    integer_conv_net(tmp_path)
    spec = SPEC.format(firing="novena", thresholding="<").replace("count: 8", "count: 64").replace(
        "weight_bits: 8", "weight_bits: 8\n  allow_axon_tiling: true\n  partial_sum_cores: true")
    (tmp_path / "spec.yaml").write_text(spec)
    open_pipeline(str(tmp_path / "spec.yaml"), workdir=str(tmp_path / "run"), quiet=True).run()
    run = RunDirectory(tmp_path / "run", spec=str(tmp_path / "spec.yaml"))
    x = np.random.default_rng(4).random((60, 64))
    chip = run.simulate(x)
    theirs = nir_scores(nir.read(tmp_path / "chip.nir"), x, 32, "uniform", 32, accumulate=True)
    np.testing.assert_allclose(chip.scores * 32, theirs, rtol=1e-12, atol=1e-9)  # its readout's threshold is 1
    assert json.loads((tmp_path / "run" / "report.json").read_text())["nir_simulation"]["agreement"] == 1.0
