"""The device: `--device` over the spec's `device:`, `auto` is CUDA when torch sees one, CUDA that is not there is
one message; the device is an input of the training steps only; the CPU path runs and says so."""

import json

import pytest
import torch

from runner.api import open_pipeline
from runner.cli import main
from runner.device import resolve_device
from runner.engine.fingerprint import changes
from runner.spec import load_spec
from tests.engine.conftest import SMALL


@pytest.mark.parametrize("seen, requested, spec_device, expected", [
    (True, None, "auto", "cuda"), (False, None, "auto", "cpu"), (True, "cpu", "cuda", "cpu"),
    (True, None, "cuda", "cuda"), (False, "auto", "cuda", "cpu"),
])
def test_resolution(small_spec, monkeypatch, seen, requested, spec_device, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: seen)
    spec = load_spec(small_spec(SMALL.replace("seed: 3", f"seed: 3\ndevice: {spec_device}")))
    assert resolve_device(requested, spec) == expected


@pytest.mark.parametrize("flags, device_line, message", [
    (["--device", "cuda"], "", "--device cuda: CUDA is not available"),
    ([], "device: cuda", "small.yaml:3: device: cuda: CUDA is not available"),
])
def test_cuda_that_torch_does_not_see_is_one_message(small_spec, tmp_path, monkeypatch, capsys, flags, device_line,
                                                     message):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    spec = small_spec(SMALL.replace("seed: 3", f"seed: 3\n{device_line}"))
    assert main([str(spec), "--workdir", str(tmp_path / "run"), *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and "install the CUDA build of the same torch version" in err
    assert "Traceback" not in err and not (tmp_path / "run").exists()


def test_the_device_is_an_input_of_the_training_steps_only(small_spec):
    spec = str(small_spec())
    cpu, cuda = (open_pipeline(spec, validate=False, quiet=True, device=d) for d in ("cpu", "cuda"))
    differ = {name for name in cpu.fingerprints if cpu.fingerprints[name] != cuda.fingerprints[name]}
    first_training = [name for name, step in cpu.chain].index("pretraining")
    assert differ == {name for name, _ in cpu.chain[first_training:]}  # pretraining and what reads its model
    assert cpu.inputs["pretraining"]["device"] == "cpu" and cpu.inputs["model_building"]["device"] is None
    assert changes(cpu.inputs["pretraining"], cuda.inputs["pretraining"]) == ["the device changed (cpu -> cuda)"]


def test_the_cpu_path_trains_on_the_cpu_and_records_it(small_spec, tmp_path):
    assert main([str(small_spec()), "--device", "cpu", "--until", "pretraining", "--workdir", str(tmp_path / "run"),
                 "--quiet", "--threads", "1"]) == 0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    pretraining = next(row for row in report["steps"] if row["name"] == "pretraining")
    assert report["device"] == "cpu" and pretraining["metric"] > 0.5
