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
    steps = spiking.steps
    for before, after in zip(original.ir.cores, imported.ir.cores, strict=True):
        assert np.array_equal(before.weights, after.weights)
        assert np.array_equal(before.thresholds * (steps if before.is_output else 1), after.thresholds)
    x = np.random.default_rng(2).random((50, original.ir.n_inputs))
    want, got = chip_scores(original, spiking, x), chip_scores(imported, spiking, x)
    assert np.array_equal(want.predictions, got.predictions)
    np.testing.assert_allclose(got.scores * steps, want.scores, rtol=1e-12, atol=0)
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
