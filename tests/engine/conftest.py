"""A small synthetic spec that runs the whole first slice in seconds."""

import textwrap

import pytest

SMALL = """\
name: small
seed: 3
data:
  provider: synthetic
  samples: 400
  features: 12
  classes: 3
model:
  builder: mlp
  config:
    hidden:
      - 24
platform:
  cores:
    - axons: 64
      neurons: 16
      count: 16
spiking:
  mode: ttfs
  steps: 8
training:
  epochs: 3
  lr: 0.01
  tolerance: 0.5
steps:
  - model_configuration
  - model_building
  - pretraining
  - activation_analysis
  - normalization_fusion
  - soft_core_mapping
  - hard_core_mapping
  - simulation:
      batch_size: 50
"""


@pytest.fixture
def small_spec(tmp_path):
    def write(text: str = SMALL):
        path = tmp_path / "small.yaml"
        path.write_text(textwrap.dedent(text))
        return path
    return write
