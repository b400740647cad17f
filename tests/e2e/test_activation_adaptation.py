"""Networks whose activations are not ReLU (issue 16): a Tanh LeNet-5 and a GELU MLP deploy on digits, through
activation_adaptation, as chips within 2 points of their own float networks; without the step, refused."""

import subprocess
import sys

import pytest

from runner.api import open_pipeline
from tests.e2e.test_torch_module_report import ON_DIGITS
from tests.e2e.test_torch_patterns import SOURCE
from tests.mappers.test_torch_patterns import line_of

SPEC = "name: adapted\n" + ON_DIGITS + """\
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
  lr: 0.005
  epochs: 15
  batch_size: 64
  tolerance: 0.9
steps:
  - model_configuration
  - torch_mapping
  - pretraining
{adaptation}  - activation_analysis
  - clamp_adaptation:
      tuner_epochs: 2
      max_cycles: 2
  - activation_shift
  - activation_quantization:
      tuner_epochs: 2
      max_cycles: 2
  - weight_quantization:
      tuner_epochs: 1
      max_cycles: 1
  - quantization_verification
  - normalization_fusion
  - soft_core_mapping
  - core_quantization_verification
  - hard_core_mapping
  - simulation
"""
ADAPTATION = "  - activation_adaptation:\n      tuner_epochs: 3\n      max_cycles: 3\n"


@pytest.mark.parametrize("cls", ["TanhLeNet", "GeluMLP"])
def test_an_adapted_network_deploys_within_two_points_of_its_float_network(cls, tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.format(file=SOURCE, cls=cls, adaptation=ADAPTATION))
    report = open_pipeline(str(path), workdir=str(tmp_path / "run"), quiet=True).run()
    sim = report["simulation"]
    assert sim["model_agreement"] == 1.0 and sim["float_accuracy"] > 0.9
    assert sim["accuracy"] >= sim["float_accuracy"] - 0.02, sim


def test_without_the_step_each_call_site_is_refused_with_its_class_line_and_fix(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC.format(file=SOURCE, cls="TanhLeNet", adaptation=""))
    result = subprocess.run([sys.executable, "-m", "runner.cli", str(path), "--check"], capture_output=True, text=True)
    fix = (" is not the chip's neuron (a ReLU of a weighted sum): add an `activation_adaptation` step after "
           "pretraining, "
           "which replaces it by the chip's ReLU with brief retraining, or use nn.ReLU")
    sites = [(line_of("x = self.pool(self.tanh(self.conv1(x)))"), "nn.Tanh"),
             (line_of("x = self.pool(torch.tanh(self.conv2(x)))"), "torch.tanh"),
             (line_of("return self.fc3(self.tanh(self.fc2(self.tanh(self.fc1(x)))))"), "nn.Tanh")]
    assert result.returncode == 2 and "Traceback" not in result.stderr
    for line, operation in sites:
        assert f"{SOURCE}:{line}: {operation}{fix}" in result.stderr
    assert result.stderr.count("is not the chip's neuron") == 3


def test_the_step_must_come_before_the_activations_are_clamped(tmp_path):
    path = tmp_path / "spec.yaml"
    text = SPEC.format(file=SOURCE, cls="TanhLeNet", adaptation="").replace(
        "  - activation_shift\n", "  - activation_shift\n" + ADAPTATION)
    path.write_text(text)
    result = subprocess.run([sys.executable, "-m", "runner.cli", str(path), "--check"], capture_output=True, text=True)
    assert result.returncode == 2 and "activation_adaptation must come before activation_analysis" in result.stderr
