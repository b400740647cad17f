"""The main job's shape end to end on digits: convolutions, max-pools and fire modules' concatenations, trained
weights, axon tiling over partial-sum cores, packed hard cores. In both TTFS modes the chip's class scores are
the model's on every test sample, and so is every hidden layer's and every max-pool's output, with the max-pools
on the host or on neural cores (`platform.max_pool: cores`, no host round-trip)."""

import functools
import json
import shutil

import numpy as np
import pytest
import torch

from mappers.hardware.hard_program import hard_program
from runner.api import data_for, open_pipeline
from runner.check import chip_fit, platform_budget
from runner.report_md import write_report
from runner.run_directory import RunDirectory
from runner.spec import load_spec
from runner.steps.departure import compared_nodes, departure_per_layer, first_departure
from simulator.hard_reference import HardCoreReference
from simulator.program import MAX, PARTIAL

SPEC = """\
name: conv_pool_concat_{mode}
seed: 0
data:
  provider: digits
  validation: 300
model:
  builder: squeezenet
  config:
    stem: 8
    stem_pool: true
    fires:
      - squeeze: 4
        expand: 8
        pool: true
      - squeeze: 6
        expand: 8
        pool: false
    batch_norm: true
platform:
  cores:
    - axons: 48
      neurons: 32
      count: 2000
  weight_bits: 8
  allow_axon_tiling: true
  partial_sum_cores: true
spiking:
  mode: {mode}
  steps: 16
training:
  optimizer: adam
  lr: 0.01
  epochs: 12
  batch_size: 64
  tolerance: 0.9
steps:
  - model_configuration
  - model_building
  - pretraining
  - activation_analysis
  - clamp_adaptation:
      tuner_epochs: 1
      max_cycles: 1
{quantization}  - normalization_fusion
  - soft_core_mapping
  - hard_core_mapping
  - simulation:
      reference_samples: 1000
"""
QUANTIZATION = """\
  - activation_shift
  - activation_quantization:
      tuner_epochs: 1
      max_cycles: 1
  - weight_quantization:
      tuner_epochs: 1
      max_cycles: 1
  - quantization_verification
"""

NEURAL = ["stem", "fire2.squeeze", "fire2.expand1x1", "fire2.expand3x3", "fire3.squeeze", "fire3.expand1x1",
          "fire3.expand3x3", "classifier", "average"]
"""The builder's names of the layers that make cores, in graph order."""
COMPARED = ["stem", "stem_pool", "fire2.squeeze", "fire2.expand1x1", "fire2.expand3x3", "fire2.pool", "fire3.squeeze",
            "fire3.expand1x1", "fire3.expand3x3", "classifier"]
"""The hidden layers and compute ops the departure figures compare, in graph order."""


@functools.cache
def deployed(mode: str, folder):
    """(spec, report's simulation figures, run directory) of the spec in `mode`, run once per mode."""
    path = folder / f"{mode}.yaml"
    path.write_text(SPEC.format(mode=mode, quantization=QUANTIZATION if mode == "ttfs_quantized" else ""))
    report = open_pipeline(str(path), workdir=str(folder / mode), quiet=True).run()
    assert all(step["status"] == "done" for step in report["steps"])
    return load_spec(path), report["simulation"], RunDirectory(folder / mode, spec=str(path))


@functools.cache
def on_cores(mode: str, folder):
    """`deployed(mode)` again with `max_pool: cores`, in a copy of its run directory: only soft-core mapping and
    what follows it run again."""
    deployed(mode, folder)
    shutil.copytree(folder / mode, folder / f"{mode}_cores")
    path = folder / f"{mode}_cores.yaml"
    text = SPEC.format(mode=mode, quantization=QUANTIZATION if mode == "ttfs_quantized" else "")
    path.write_text(text.replace("  partial_sum_cores: true\n", "  partial_sum_cores: true\n  max_pool: cores\n"))
    report = open_pipeline(str(path), workdir=str(folder / f"{mode}_cores"), quiet=True).run()
    return load_spec(path), report, RunDirectory(folder / f"{mode}_cores", spec=str(path))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("conv_pool_concat")


@pytest.mark.parametrize("mode", ["ttfs_quantized", "ttfs"])
def test_chip_is_the_model_on_every_sample(mode, folder):
    spec, sim, run = deployed(mode, folder)
    mapping = run.latest("hard_mapping")
    assert sim["accuracy"] > 0.8 and sim["host_round_trips"] == 2
    assert any(core.partial for core in mapping.ir.cores) and mapping.hard_cores > 1
    assert sim["model_agreement"] == 1.0 and sim["agreement"] == 1.0
    assert sim["hard_agreement"] == 1.0 and sim["hard_identical"] == 1 and sim["reference_samples"] == 360
    assert sim["first_departure"] is None
    x = data_for(spec).test_x
    model = run.latest("model")
    chip = run.simulate(x.reshape(len(x), -1).numpy())
    readout_scale = float(model.nodes[model.readout_index - 1].perceptron.activation_scale)
    with torch.no_grad():  # in float64, as the chip computes (a float32 model rounds at 1e-7)
        scores = model.double().eval()(x.double()).numpy()
    np.testing.assert_allclose(chip.scores * readout_scale, scores, rtol=1e-9, atol=1e-12)
    departure = departure_per_layer(model, platform_budget(spec.platform)[0],
                                    HardCoreReference(hard_program(mapping, mode, 16)), x, spec.spiking, 0)
    assert list(departure) == [model.names[i] for i in compared_nodes(model)] == COMPARED
    assert all(layer["differs"] == 0 for layer in departure.values())


def test_departure_points_at_a_max_pool_that_reads_the_wrong_values(folder):
    """Each output of the first max-pool takes the window of the output before it: the pool departs, first."""
    spec, _, run = deployed("ttfs_quantized", folder)
    mapping, model = run.latest("hard_mapping"), run.latest("model")
    program = hard_program(mapping, "ttfs_quantized", 16)
    o = int(np.flatnonzero(program.op_kind == MAX)[0])
    rows = program.op_rows(o).reshape(-1, program.op_width[o])
    rows[:] = np.roll(rows, 1, axis=0)
    x = data_for(spec).test_x[:40]
    departure = departure_per_layer(model, platform_budget(spec.platform)[0], HardCoreReference(program), x,
                                    spec.spiking, 0)
    assert first_departure(departure) == "stem_pool" and departure["stem_pool"]["differs"] > 0.05
    assert PARTIAL in program.kind


from runner.check import chip_fit, platform_budget
from runner.report_md import write_report
