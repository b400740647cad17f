"""Each pattern of real networks (issue 16) as a tiny torch module deploys on digits as an integer quantized-TTFS
chip that predicts exactly what its quantized model predicts."""

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from runner.api import open_pipeline
from tests.mappers import torch_models

SOURCE = inspect.getsourcefile(torch_models)
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


def written(cls: str, arguments: dict, tmp_path) -> Path:
    """The spec of `cls` (a module of tests/mappers/torch_models.py) built with `arguments`."""
    path = tmp_path / "spec.yaml"
    lines = "".join(f"\n      {key}: {value}" for key, value in arguments.items())
    path.write_text(SPEC.format(file=SOURCE, cls=cls, arguments=lines))
    return path


def deployed(cls: str, arguments: dict, tmp_path) -> dict:
    """The simulation figures of `cls` built with `arguments`, run through the whole pipeline."""
    path = written(cls, arguments, tmp_path)
    report = open_pipeline(str(path), workdir=str(tmp_path / "run"), quiet=True).run()
    assert all(step["status"] == "done" for step in report["steps"])
    return report["simulation"]


@pytest.mark.parametrize("cls,arguments", [
    ("NoBiasNet", {}), ("FlattenIdiomsNet", {"idiom": "view_minus_one"}), ("SoftmaxNet", {"ending": "LogSoftmax"})])
def test_the_chip_predicts_what_the_quantized_module_predicts(cls, arguments, tmp_path):
    sim = deployed(cls, arguments, tmp_path)
    assert sim["model_agreement"] == 1.0 and sim["accuracy"] > 0.5


def test_check_says_in_one_line_that_the_final_log_softmax_is_dropped(tmp_path):
    spec = written("SoftmaxNet", {"ending": "log_softmax"}, tmp_path)
    result = subprocess.run([sys.executable, "-m", "runner.cli", str(spec), "--check"], capture_output=True, text=True)
    line = next(i for i, text in enumerate(open(SOURCE), 1) if '"log_softmax": ' in text)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines()[1] == (f"{spec}: {SOURCE}:{line}: the final log_softmax is dropped: the chip "
                                             "predicts the class of the largest score, which it does not change")
