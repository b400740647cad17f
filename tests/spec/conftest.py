"""Write spec files from dedented text."""

import textwrap

import pytest

VALID = """\
name: demo
seed: 1
# the data
data:
  provider: synthetic
  samples: 300
model:
  builder: mlp
  config:
    hidden:
      - 16
platform:
  cores:
    - axons: 64
      neurons: 32
      count: 8
spiking:
  mode: ttfs
  steps: 8
training:
  epochs: 2
steps:
  - model_configuration
  - model_building
  - pretraining:
      epochs: 3
  - activation_analysis
  - soft_core_mapping
  - hard_core_mapping
  - simulation
"""


@pytest.fixture
def write_spec(tmp_path):
    def write(text: str, name: str = "spec.yaml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path
    return write
