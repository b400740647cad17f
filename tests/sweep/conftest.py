"""A tiny digits MLP as the base spec, and sweep files over it."""

import textwrap

import pytest

BASE = """\
name: tiny
seed: 1
data:
  provider: digits
  validation: 300
model:
  builder: mlp
  config:
    hidden:
      - 32
platform:
  cores:
    - axons: 128
      neurons: 32
      count: 8
  weight_bits: 8
spiking:
  mode: ttfs_quantized
  steps: 8
training:
  lr: 0.01
  epochs: 6
  tolerance: 0.5
steps:
  - model_configuration
  - model_building
  - pretraining
  - activation_analysis
  - activation_shift
  - activation_quantization:
      tuner_epochs: 1
      max_cycles: 1
  - weight_quantization:
      tuner_epochs: 1
      max_cycles: 1
  - normalization_fusion
  - soft_core_mapping
  - hard_core_mapping
  - simulation
"""

GRID = """\
name: tiny_sweep
spec: base.yaml
grid:
  platform.weight_bits:
    - 6
    - 8
  platform.cores.0.neurons:
    - 16
    - 32
"""


def write_files(folder, sweep: str = GRID, base: str = BASE):
    """Write the base spec and a sweep file beside it in `folder`; returns the sweep file's path."""
    (folder / "base.yaml").write_text(textwrap.dedent(base))
    path = folder / "sweep.yaml"
    path.write_text(textwrap.dedent(sweep))
    return path


@pytest.fixture
def write_sweep(tmp_path):
    """write_files in the test's own folder."""
    return lambda sweep=GRID, base=BASE: write_files(tmp_path, sweep, base)
