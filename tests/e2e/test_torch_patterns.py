"""Each pattern of real networks (issue 16) as a tiny torch module deploys on digits as an integer quantized-TTFS
chip that predicts exactly what its quantized model predicts."""

import inspect
import subprocess
import sys
from pathlib import Path

import pytest

from runner.api import open_pipeline
from tests.e2e.test_torch_module_report import ON_DIGITS
from tests.mappers import torch_models

SOURCE = inspect.getsourcefile(torch_models)
SPEC = "name: torch_pattern\n" + ON_DIGITS + """\
    arguments:{arguments}
platform:
  cores:
    - axons: 256
      neurons: 128
      count: 400
  weight_bits: 8{platform}
spiking:
  mode: ttfs_quantized
  steps: 16
training:
  optimizer: adam
  lr: 0.01
  epochs: 3
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


def written(cls: str, arguments: dict, tmp_path, platform: str = "") -> Path:
    """The spec of `cls` (a module of tests/mappers/torch_models.py) built with `arguments`, `platform` lines added."""
    path = tmp_path / "spec.yaml"
    lines = "".join(f"\n      {key}: {value}" for key, value in arguments.items())
    path.write_text(SPEC.format(file=SOURCE, cls=cls, arguments=lines, platform=platform))
    return path


def deployed(cls: str, arguments: dict, tmp_path, platform: str = "") -> dict:
    """The simulation figures of `cls` built with `arguments`, run through the whole pipeline."""
    path = written(cls, arguments, tmp_path, platform)
    report = open_pipeline(str(path), workdir=str(tmp_path / "run"), quiet=True).run()
    assert all(step["status"] == "done" for step in report["steps"])
    return report["simulation"]


@pytest.mark.parametrize("cls,arguments", [
    ("NoBiasNet", {}), ("FlattenIdiomsNet", {"idiom": "view_minus_one"}), ("SoftmaxNet", {"ending": "LogSoftmax"}),
    ("TinyResNet", {"block": "basic"}), ("TinyResNet", {"block": "bottleneck"}), ("MobileNetBlock", {}),
    ("TutorialLeNet", {})])
def test_the_chip_predicts_what_the_quantized_module_predicts(cls, arguments, tmp_path):
    sim = deployed(cls, arguments, tmp_path)
    assert sim["model_agreement"] == 1.0 and sim["accuracy"] > 0.3  # trained: 3 times chance at least


@pytest.mark.parametrize("where,pool,round_trips", [
    ("host", {"features": 144, "kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": "true"}, 2),
    ("cores", {"features": 64, "kernel_size": 2, "stride": 1, "dilation": 2}, 0)])
def test_max_pools_in_ceil_mode_and_dilated_deploy_exactly_on_the_host_and_on_cores(where, pool, round_trips,
                                                                                     tmp_path):
    """SqueezeNet 1.1's ceil-mode pool, then a ceil-mode pool with padding (on the host) or a dilated one (cores)."""
    sim = deployed("CeilPoolNet", pool, tmp_path, f"\n  max_pool: {where}")
    assert sim["model_agreement"] == 1.0 and sim["accuracy"] > 0.3 and sim["host_round_trips"] == round_trips


def test_check_says_in_one_line_that_the_final_log_softmax_is_dropped(tmp_path):
    spec = written("SoftmaxNet", {"ending": "log_softmax"}, tmp_path)
    result = subprocess.run([sys.executable, "-m", "runner.cli", str(spec), "--check"], capture_output=True, text=True)
    line = next(i for i, text in enumerate(open(SOURCE), 1) if '"log_softmax": ' in text)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines()[1] == (f"{spec}: {SOURCE}:{line}: the final F.log_softmax is dropped: the chip "
                                             "predicts the class of the largest score, which it does not change")
