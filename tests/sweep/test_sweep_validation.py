"""Sweep files and their variants are validated before anything runs: every error at once, with file:line."""

import re
import shutil
from pathlib import Path

import pytest

from runner.api import open_pipeline
from runner.cli import main
from runner.errors import UserError
from runner.spec import load_spec
from runner.sweep.sweep_file import Override, load_sweep
from runner.sweep.variants import prepare, spec_path
from tests.sweep.conftest import BASE, GRID

SPEC_DIR = Path(__file__).parents[2] / "spec"


def test_a_grid_makes_every_combination_named_by_its_values(write_sweep):
    sweep = load_sweep(write_sweep())
    assert [v.name for v in sweep.variants] == ["weight_bits-6.neurons-16", "weight_bits-6.neurons-32",
                                                "weight_bits-8.neurons-16", "weight_bits-8.neurons-32"]
    assert sweep.keys == ("platform.weight_bits", "platform.cores.0.neurons")
    assert [(o.key, o.value, o.line) for o in sweep.variants[1].overrides] == [
        ("platform.weight_bits", 6, 5), ("platform.cores.0.neurons", 32, 9)]
    assert sweep.folder == Path("runs/tiny_sweep")
    common = load_sweep(write_sweep(GRID + "set:\n  training.tolerance: 0.5\n"))
    assert [v.name for v in common.variants] == [v.name for v in sweep.variants] and common.keys == sweep.keys
    assert all(v.overrides[0] == Override("training.tolerance", 0.5, 11) for v in common.variants)


def test_every_error_of_the_sweep_file_at_once(write_sweep):
    path = write_sweep("""\
        name: bad sweep
        spec: base.yaml
        colour: blue
        grid:
          platform.weight_bits:
          name:
            - other
          platfrom.cores:
            - 1
          steps.pretraining:
            - 3
        variants:
          - name: extra
        """)
    with pytest.raises(UserError) as info:
        load_sweep(path)
    lines = info.value.message.splitlines()
    assert lines[0] == "7 error(s) in the sweep file:"
    assert lines[1:] == [
        f"{path}:1: name: 'bad sweep' is not valid: expected up to 100 letters, digits, '_', '-' or '.' (not only "
        "dots)",
        f"{path}:3: colour: unknown key; known: grid, name, set, spec, variants, workdir",
        f"{path}:5: grid.platform.weight_bits: expected a block list (- item per line), got nothing",
        f"{path}:6: grid.name: name is the sweep's to set (each variant's name and folder): sweep another key",
        f"{path}:8: grid.platfrom.cores: unknown spec section 'platfrom'; did you mean 'platform'?",
        f"{path}:10: grid.steps.pretraining: a step parameter is steps.STEP.PARAMETER (STEP is the step's name or "
        "its `as:` name)",
        f"{path}:13: variants[0].set: missing required key",
    ]


def test_an_override_with_no_place_in_the_base_is_refused_at_its_line(write_sweep, tmp_path):
    path = write_sweep("""\
        name: s
        spec: base.yaml
        grid:
          steps.pretrainig.epochs:
            - 2
          platform.cores.3.axons:
            - 64
        """)
    with pytest.raises(UserError) as info:
        prepare(load_sweep(path, workdir=str(tmp_path / "out")), threads=1)
    assert info.value.message.splitlines() == [
        "1 error(s) in the sweep file:",
        f"{path}:5: steps.pretrainig.epochs: the base spec has no step named 'pretrainig'; did you mean "
        "'pretraining'?"]
    path = write_sweep("name: s\nspec: base.yaml\ngrid:\n  platform.cores.3.axons:\n    - 64\n")
    with pytest.raises(UserError, match=re.escape(f"{path}:5: platform.cores.3.axons: platform.cores is a list of 1 "
                                                  "item(s): '3' is not an index into it (0 to 0)")):
        prepare(load_sweep(path, workdir=str(tmp_path / "out")), threads=1)


def test_an_invalid_variant_is_named_before_anything_runs(write_sweep, tmp_path):
    """A spiking.mode sweep over a rate-coded base: core_flow_tuning runs only in rate coding."""
    base = BASE.replace("mode: ttfs_quantized", "mode: rate").replace("  - hard_core_mapping",
                                                                      "  - core_flow_tuning\n  - hard_core_mapping")
    path = write_sweep("name: modes\nspec: base.yaml\ngrid:\n  spiking.mode:\n    - rate\n    - ttfs_quantized\n"
                       "  platform.weight_bits:\n    - 8\n    - 40\n", base)
    with pytest.raises(UserError) as info:
        prepare(load_sweep(path, workdir=str(tmp_path / "out")), threads=1)
    message = info.value.message
    assert message.startswith("3 of 4 variant(s) are not valid specs (nothing ran):\n")
    assert f"{path}:5: variant 'mode-rate.weight_bits-40' (spiking.mode: rate (line 5), platform.weight_bits: 40 " \
           "(line 9)) is not a valid spec:" in message
    specs = re.escape(str(tmp_path / "out" / "specs"))
    assert re.search(rf"\n  {specs}/mode-ttfs_quantized\.weight_bits-8\.yaml:\d+: steps\.core_flow_tuning: .*rate",
                     message)
    assert re.search(rf"\n  {specs}/mode-rate\.weight_bits-40\.yaml:\d+: platform\.weight_bits: 40 is out of range",
                     message)
    assert "variant 'mode-rate.weight_bits-8'" not in message
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["specs"]  # no run directory: nothing ran


def test_a_variant_spec_is_the_base_with_its_overrides(tmp_path):
    """Its name, its run directory as workdir, its step parameter set, and a model file found from its folder."""
    shutil.copytree(SPEC_DIR / "models", tmp_path / "models")
    shutil.copy(SPEC_DIR / "torch_custom_digits.yaml", tmp_path / "custom.yaml")
    path = tmp_path / "sweeps" / "epochs.yaml"
    path.parent.mkdir()
    path.write_text("name: epochs\nspec: ../custom.yaml\nvariants:\n  - name: short\n    set:\n"
                    "      steps.pretraining.epochs: 2\n  - name: longer\n    set:\n"
                    "      steps.pretraining.epochs: 3\n")
    sweep = load_sweep(path, workdir=str(tmp_path / "out"))
    prepare(sweep, threads=1)
    spec = load_spec(spec_path(sweep, sweep.variants[0]))
    base = load_spec(tmp_path / "custom.yaml")
    assert (spec.name, spec.workdir) == ("short", str(tmp_path / "out" / "short"))
    assert spec.training_for(next(e for e in spec.steps if e.name == "pretraining")).epochs == 2
    assert spec.resolve(spec.model.config["file"]).resolve() == base.resolve(base.model.config["file"]).resolve()
    short, longer = (open_pipeline(str(spec_path(sweep, v)), validate=False).fingerprints for v in sweep.variants)
    assert list(short) == [entry.name for entry in base.steps]
    assert [n for n in short if short[n] == longer[n]] == ["model_configuration", "torch_mapping"]


def test_the_command_line_says_what_is_wrong_and_exits_2(write_sweep, capsys):
    path = write_sweep("name: s\nspec: missing.yaml\ngrid:\n  seed:\n    - 1\n")
    assert main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"error: 1 error(s) in the sweep file:\n{path}:2: spec: {path.parent / 'missing.yaml'}: no such " \
                  "spec file; name it relative to this file\n"
    assert main(["sweep", str(path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "choose one" in capsys.readouterr().err


def test_a_step_is_found_by_its_as_name(write_sweep, tmp_path):
    base = BASE.replace("  - weight_quantization:\n", "  - weight_quantization:\n      as: narrow_weights\n")
    path = write_sweep("name: s\nspec: base.yaml\nvariants:\n  - name: longer\n    set:\n"
                       "      steps.narrow_weights.tuner_epochs: 3\n      steps.pretraining.lr: 0.02\n", base)
    sweep = load_sweep(path, workdir=str(tmp_path / "out"))
    prepare(sweep, threads=1)
    steps = {entry.name: entry for entry in load_spec(spec_path(sweep, sweep.variants[0])).steps}
    assert steps["narrow_weights"].params["tuner_epochs"] == 3 and steps["pretraining"].params["lr"] == 0.02
