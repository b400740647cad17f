"""What a step reads is what its fingerprint hashes: each kind of change makes exactly the steps that read
it (and the steps after them that read their outputs) stale, and says why."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runner.api import open_pipeline
from runner.cli import main
from tests.engine.conftest import SMALL

ROOT = Path(__file__).resolve().parents[2]
RATE = SMALL.replace("  mode: ttfs\n", "  mode: rate\n").replace("  - normalization_fusion\n", (
    "  - clamp_adaptation\n  - activation_shift\n  - activation_quantization:\n      levels: 8\n"
    "  - normalization_fusion\n"))


def prints(spec, threads: int = 2) -> dict[str, str]:
    return open_pipeline(str(spec), quiet=True, validate=False, threads=threads).fingerprints


def stale_after(spec, edit, **options) -> list[str]:
    """The steps whose fingerprint `edit()` changes, in pipeline order."""
    before = prints(spec, **options)
    edit()
    after = prints(spec, **options)
    return [name for name in before if before[name] != after[name]]


def names(spec) -> list[str]:
    return list(prints(spec))


def test_editing_the_torch_module_or_a_file_it_imports_makes_torch_mapping_and_later_stale(small_spec, tmp_path):
    (tmp_path / "blocks.py").write_text("import torch\nWIDTH = 16\n")
    (tmp_path / "net.py").write_text("import torch\nfrom blocks import WIDTH\n\nclass Net(torch.nn.Module):\n"
                                     "    def __init__(self):\n        super().__init__()\n"
                                     "        self.a = torch.nn.Linear(12, WIDTH)\n"
                                     "        self.b = torch.nn.Linear(WIDTH, 3)\n"
                                     "    def forward(self, x):\n        return self.b(torch.relu(self.a(x)))\n")
    (tmp_path / "unrelated.py").write_text("X = 1\n")
    spec = small_spec(SMALL.replace("  builder: mlp\n  config:\n    hidden:\n      - 24",
                                    "  builder: torch\n  config:\n    file: net.py\n    class: Net")
                      .replace("  - model_building", "  - torch_mapping"))
    later = names(spec)[1:]
    assert stale_after(spec, lambda: (tmp_path / "unrelated.py").write_text("X = 2\n")) == []
    assert stale_after(spec, lambda: (tmp_path / "blocks.py").write_text("import torch\nWIDTH = 20\n")) == later
    assert stale_after(spec, lambda: (tmp_path / "net.py").write_text(
        (tmp_path / "net.py").read_text() + "# edited\n")) == later


def test_editing_the_weights_file_makes_weight_preloading_and_later_stale(small_spec, tmp_path):
    (tmp_path / "w.npz").write_bytes(b"one")
    spec = small_spec(SMALL.replace("  - pretraining", "  - weight_preloading:\n      path: w.npz"))
    steps = names(spec)
    assert stale_after(spec, lambda: (tmp_path / "w.npz").write_bytes(b"two")) == steps[steps.index(
        "weight_preloading"):]


def edited(spec, old: str, new: str):
    return lambda: spec.write_text(spec.read_text().replace(old, new))


def test_the_levels_of_activation_quantization_re_run_activation_shift(small_spec):
    spec = small_spec(RATE)
    steps = names(spec)
    assert stale_after(spec, edited(spec, "levels: 8", "levels: 6")) == steps[steps.index("activation_shift"):]


@pytest.mark.parametrize("old, new, first", [
    ("  mode: rate\n", "  mode: rate\n  thresholding: <=\n", "soft_core_mapping"),
    ("  tolerance: 0.5", "  tolerance: 0.6", "clamp_adaptation"),
    ("      batch_size: 50", "      batch_size: 40", "simulation"),
    ("  epochs: 3", "  epochs: 4", "pretraining"),
    ("      count: 16", "      count: 17", "soft_core_mapping"),  # its budget reads the core types
    ("      count: 16", "      count: 16\n  threshold: per_core", "hard_core_mapping"),
    ("      count: 16", "      count: 16\n  max_pool: cores", "soft_core_mapping"),
])
def test_a_key_makes_nothing_before_its_first_reader_stale(small_spec, old, new, first):
    spec = small_spec(RATE)
    steps = names(spec)
    stale = stale_after(spec, edited(spec, old, new))
    assert stale[0] == first and set(stale) <= set(steps[steps.index(first):])


@pytest.mark.parametrize("old, new", [
    ("  tolerance: 0.5", "  tolerance: 0.5\n  label_smoothing: 0.1"),
    ("  tolerance: 0.5", "  tolerance: 0.5\n  augmentation:\n    flip: true"),
    ("  tolerance: 0.5", "  tolerance: 0.5\n  augmentation:\n    shift: 1"),
])
def test_every_training_option_re_runs_pretraining_and_the_tuning_steps(small_spec, old, new):
    spec = small_spec(RATE.replace("  provider: synthetic\n  samples: 400\n  features: 12\n  classes: 3\n",
                                   "  provider: digits\n"))
    steps = names(spec)
    stale = stale_after(spec, edited(spec, old, new))
    assert stale == steps[steps.index("pretraining"):] and "clamp_adaptation" in stale


def test_the_thread_count_is_part_of_the_training_steps_only(small_spec):
    spec = small_spec()
    one, two = prints(spec, threads=1), prints(spec, threads=2)
    assert [name for name in one if one[name] != two[name]][0] == "pretraining"
    assert one["model_building"] == two["model_building"]


def fingerprints_in_copy(copy: Path, spec: Path) -> dict:
    code = f"from runner.api import open_pipeline; import json; print(json.dumps(open_pipeline({str(spec)!r}, " \
           "validate=False).fingerprints))"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(copy)}, cwd=copy,
                         capture_output=True, text=True, timeout=300, check=True).stdout
    return json.loads(out)


@pytest.mark.parametrize("module, first", [("simulator/kernels/ttfs.py", "soft_core_mapping"),
                                           ("runner/tuning/trainer.py", "pretraining"),
                                           ("runner/steps/hard_core_mapping.py", "hard_core_mapping")])
def test_changing_one_project_module_makes_exactly_the_steps_that_run_it_stale(small_spec, tmp_path, module, first):
    copy = tmp_path / "project"
    for package in ("runner", "mappers", "simulator"):
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    spec = small_spec()
    before = fingerprints_in_copy(copy, spec)
    with open(copy / module, "a") as f:
        f.write("\n# an edit\n")
    after = fingerprints_in_copy(copy, spec)
    stale = [name for name in before if before[name] != after[name]]
    assert stale == list(before)[list(before).index(first):]


def test_list_and_the_log_say_why_a_step_is_stale(small_spec, tmp_path, capsys):
    spec = small_spec()
    assert main([str(spec), "--workdir", str(tmp_path / "run"), "--quiet", "--threads", "1"]) == 0
    spec.write_text(spec.read_text().replace("      count: 16", "      count: 16\n  threshold: per_core"))
    capsys.readouterr()
    assert main([str(spec), "--workdir", str(tmp_path / "run"), "--list", "--threads", "1"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert rows["soft_core_mapping"].split()[1] == "done"
    assert 'platform.threshold changed ("per_neuron" -> "per_core")' in rows["hard_core_mapping"]
    assert "upstream step 'hard_core_mapping' changed" in rows["simulation"]
    assert main([str(spec), "--workdir", str(tmp_path / "run"), "--quiet", "--threads", "1"]) == 0
    log = (tmp_path / "run" / "run.log").read_text()
    assert '[hard_core_mapping] runs: platform.threshold changed ("per_neuron" -> "per_core")' in log
    assert "[soft_core_mapping] reused checkpoint" in log
