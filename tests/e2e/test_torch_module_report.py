"""A torch module's run reports its layers by the module's own names, and each step's metric with its split."""

import json
from pathlib import Path

from runner.api import open_pipeline
from runner.report_md import write_report
from runner.run_directory import RunDirectory

MODULE = Path(__file__).resolve().parents[2] / "spec" / "models" / "small_cnn.py"
ON_DIGITS = """\
seed: 0
data:
  provider: digits
  validation: 300
model:
  builder: torch
  config:
    file: {file}
    class: {cls}
"""
"""A spec's start: the torch module `cls` of `file` on digits."""
SPEC = "name: torch_names\n" + ON_DIGITS.format(file=MODULE, cls="SmallCNN") + """\
    arguments:
      channels: 4
      hidden: 16
platform:
  cores:
    - axons: 256
      neurons: 128
      count: 64
spiking:
  mode: ttfs
  steps: 16
training:
  epochs: 2
  lr: 0.01
  tolerance: 0.5
steps:
  - model_configuration
  - torch_mapping
  - pretraining
  - activation_analysis
  - normalization_fusion
  - soft_core_mapping
  - hard_core_mapping
  - simulation:
      max_samples: 100
"""


def test_a_torch_modules_report_names_its_layers_as_the_module_does(tmp_path):
    (tmp_path / "spec.yaml").write_text(SPEC)
    open_pipeline(str(tmp_path / "spec.yaml"), workdir=str(tmp_path / "run"), quiet=True).run()
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    sim = report["simulation"]
    assert list(sim["spikes_per_sample"]) == list(sim["synaptic_ops_per_sample"]) == ["conv1", "conv2", "fc1", "fc2"]
    assert list(sim["departure"]) == ["conv1", "conv2", "pool", "fc1"]
    assert [(s["name"], s["split"]) for s in report["steps"]] == [
        ("model_configuration", None), ("torch_mapping", None), ("pretraining", "validation"),
        ("activation_analysis", "validation"), ("normalization_fusion", "validation"),
        ("soft_core_mapping", "validation"), ("hard_core_mapping", None), ("simulation", "test")]
    text = write_report(RunDirectory(tmp_path / "run", spec=str(tmp_path / "spec.yaml"))).read_text()
    rows = text.split("| --- | ---: | ---: | ---: | ---: |\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [row.split(" | ")[0][2:] for row in rows] == ["conv1", "conv2", "pool", "fc1", "fc2"]
    measured_on = {row.split(" | ")[0][2:]: row.split(" | ")[3] for row in text.splitlines() if row.count(" | ") == 5}
    assert (measured_on["pretraining"], measured_on["hard_core_mapping"], measured_on["simulation"]) == (
        "validation", "-", "test")
