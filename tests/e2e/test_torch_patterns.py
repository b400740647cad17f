"""Each pattern of real networks (issue 16) as a tiny torch module deploys on digits as an integer quantized-TTFS
chip that predicts exactly what its quantized model predicts."""

import inspect

import pytest

from runner.api import open_pipeline
from tests.mappers import torch_models

SPEC = """\
name: torch_pattern
seed: 0
data:
  provider: digits
  validation: 300
model:
  builder: torch
  config:
    file: {file}
    class: {cls}
    arguments:{arguments}
platform:
  cores:
    - axons: 256
      neurons: 128
      count: 400
  weight_bits: 8
spiking:
  mode: ttfs_quantized
  steps: 16
training:
  optimizer: adam
  lr: 0.01
  epochs: 2
  batch_size: 64
  tolerance: 0.1
steps:
  - model_configuration
  - torch_mapping
  - pretraining
  - activation_analysis
  - clamp_adaptation:
      tuner_epochs: 0
      max_cycles: 1
  - activation_shift
  - activation_quantization:
      tuner_epochs: 0
      max_cycles: 1
  - weight_quantization:
      tuner_epochs: 0
      max_cycles: 1
  - quantization_verification
  - normalization_fusion
  - soft_core_mapping
  - core_quantization_verification
  - hard_core_mapping
  - simulation:
      max_samples: 100
"""


def deployed(cls: str, arguments: dict, tmp_path) -> dict:
    """The simulation figures of `cls` (a module of tests/mappers/torch_models.py) built with `arguments`, run
    through the whole pipeline."""
    path = tmp_path / "spec.yaml"
    lines = "".join(f"\n      {key}: {value}" for key, value in arguments.items())
    path.write_text(SPEC.format(file=inspect.getsourcefile(torch_models), cls=cls, arguments=lines))
    report = open_pipeline(str(path), workdir=str(tmp_path / "run"), quiet=True).run()
    assert all(step["status"] == "done" for step in report["steps"])
    return report["simulation"]


@pytest.mark.parametrize("cls,arguments", [("NoBiasNet", {}), ("FlattenIdiomsNet", {"idiom": "view_minus_one"})])
def test_the_chip_predicts_what_the_quantized_module_predicts(cls, arguments, tmp_path):
    sim = deployed(cls, arguments, tmp_path)
    assert sim["model_agreement"] == 1.0 and sim["accuracy"] > 0.5
