"""A checkpoint is input, never instructions: tampered recipes, manifests, links and artifacts end in a
re-run or one message (exit 2), and no code a checkpoint names is ever imported."""

import hashlib
import json
import shutil

import numpy as np
import pytest

from runner.api import open_pipeline
from runner.cli import main
from runner.errors import UserError
from runner.run_directory import RunDirectory
from tests.engine.conftest import SMALL

HOSTILE = """\
import pathlib
pathlib.Path(__file__).with_name("PWNED").write_text("ran")
import torch
class Evil(torch.nn.Module):
    def forward(self, x):
        return x
"""


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """One finished run of the small spec (copied by each test that changes it)."""
    folder = tmp_path_factory.mktemp("finished")
    spec = folder / "small.yaml"
    spec.write_text(SMALL)
    open_pipeline(str(spec), workdir=str(folder / "run"), quiet=True).run()
    return spec, folder / "run"


@pytest.fixture
def run_copy(finished, tmp_path):
    spec, run = finished
    shutil.copy(spec, tmp_path / "small.yaml")
    shutil.copytree(run, tmp_path / "run")
    return tmp_path / "small.yaml", tmp_path / "run"


def rehash(folder, step):
    """Rewrite a step's manifest hashes after tampering, as an attacker who knows the format would."""
    path = folder / "steps" / step / "manifest.json"
    manifest = json.loads(path.read_text())
    for artifact in manifest["artifacts"].values():
        for name in artifact["files"]:
            artifact["files"][name] = hashlib.sha256((path.parent / name).read_bytes()).hexdigest()
    path.write_text(json.dumps(manifest))


def cli(*args):
    return main([str(a) for a in args])


def hostile_recipe(run, step, key):
    (run / "evil.py").write_text(HOSTILE)
    path = run / "steps" / step / f"{key}.json"
    header = json.loads(path.read_text())
    header.update(builder="torch", config={"file": str(run / "evil.py"), "class": "Evil", "arguments": {}})
    path.write_text(json.dumps(header))
    rehash(run, step)


def test_a_model_checkpoint_naming_a_module_is_corrupt_and_never_imported(run_copy, capsys):
    spec, run = run_copy
    hostile_recipe(run, "soft_core_mapping", "model")
    for args in (("--report",), ("--export", "json", run.parent / "out"), ("--list",)):
        assert cli(spec, "--workdir", run, *args) == 0
    with pytest.raises(UserError, match="this model was built from a torch module, which only its spec may name"):
        RunDirectory(run).latest("model")
    with pytest.raises(UserError, match="built by builder 'torch', the spec says 'mlp'"):
        RunDirectory(run, spec=spec).latest("model")
    assert cli(spec, "--workdir", run, "--from", "simulation") == 2
    assert "--from simulation: the checkpoint of step 'soft_core_mapping' is corrupt" in capsys.readouterr().err
    assert cli(spec, "--workdir", run, "--quiet") == 0
    assert "[soft_core_mapping] runs: model does not load" in (run / "run.log").read_text()
    assert not (run / "PWNED").exists()


@pytest.mark.parametrize("edit", [{"builder": "torch", "config": "evil"}, {"config": {"hidden": [7]}},
                                  {"n_classes": 5}])
def test_a_recipe_that_is_not_the_specs_is_made_again_never_followed(run_copy, capsys, edit):
    spec, run = run_copy
    path = run / "steps" / "model_configuration" / "recipe.json"
    recipe = json.loads(path.read_text())
    if edit.get("config") == "evil":
        (run / "evil.py").write_text(HOSTILE)
        edit = {**edit, "config": {"file": str(run / "evil.py"), "class": "Evil", "arguments": {}}}
    path.write_text(json.dumps({**recipe, **edit}))
    rehash(run, "model_configuration")
    assert cli(spec, "--workdir", run, "--from", "model_building", "--quiet") == 2
    assert ("--from model_building: the checkpoint of step 'model_configuration' is corrupt: recipe.json is not the "
            "recipe the spec gives") in capsys.readouterr().err
    assert cli(spec, "--workdir", run, "--quiet") == 0
    assert "[model_configuration] runs: recipe.json is not the recipe the spec gives" in (run / "run.log").read_text()
    assert json.loads(path.read_text()) == recipe and not (run / "PWNED").exists()


@pytest.mark.parametrize("manifest", [
    [], {"fingerprint": 7}, "text",
    {"fingerprint": "x", "metric": None, "seconds": 1, "artifacts": {"model": {"codec": "model",
     "files": {"../../outside.json": "0" * 64, "model.npz": "0" * 64}}}},
    {"fingerprint": "x", "metric": None, "seconds": 1, "artifacts": {"model": {"codec": "pickle", "files": {}}}},
    {"fingerprint": "x", "metric": float("nan"), "seconds": 1, "artifacts": {}},
])
def test_a_manifest_of_the_wrong_shape_makes_its_step_rerun(run_copy, manifest):
    spec, run = run_copy
    (run / "steps" / "pretraining" / "manifest.json").write_text(json.dumps(manifest))
    rows = {r["name"]: r["status"] for r in open_pipeline(str(spec), workdir=str(run), quiet=True).status()}
    assert rows["pretraining"] == "stale" and rows["model_building"] == "done"
    assert cli(spec, "--workdir", run, "--quiet") == 0
    assert "[pretraining] running" in (run / "run.log").read_text()


def test_an_artifact_that_is_a_link_is_corrupt_and_its_target_untouched(run_copy, tmp_path):
    spec, run = run_copy
    outside = tmp_path / "outside.npz"
    model = run / "steps" / "pretraining" / "model.npz"
    shutil.move(model, outside)
    model.symlink_to(outside)
    before = outside.read_bytes()
    checkpoint = open_pipeline(str(spec), workdir=str(run), quiet=True).store.inspect("pretraining", None)
    assert checkpoint.status == "corrupt" and "not a regular file" in checkpoint.detail
    assert cli(spec, "--workdir", run, "--quiet") == 0
    assert outside.read_bytes() == before and not model.is_symlink()


def test_report_and_run_log_links_are_never_written_through(run_copy, tmp_path, capsys):
    spec, run = run_copy
    target = tmp_path / "precious.txt"
    target.write_text("keep")
    (run / "report.md").unlink(missing_ok=True)
    (run / "report.md").symlink_to(target)
    assert cli(spec, "--workdir", run, "--report") == 0
    assert target.read_text() == "keep" and not (run / "report.md").is_symlink()
    (run / "run.log").unlink()
    (run / "run.log").symlink_to(target)
    assert cli(spec, "--workdir", run, "--quiet") == 2
    assert "run.log is a symbolic link" in capsys.readouterr().err and target.read_text() == "keep"


def test_readers_verify_sha256_and_name_the_step_to_rerun(run_copy, capsys):
    spec, run = run_copy
    npz = run / "steps" / "hard_core_mapping" / "hard_mapping.npz"
    data = bytearray(npz.read_bytes())
    data[len(data) // 2] ^= 0xFF
    npz.write_bytes(bytes(data))
    for args in (("--export", "json", run.parent / "out"), ("--export", "nir", run.parent / "x.nir"), ("--report",)):
        assert cli(spec, "--workdir", run, *args) == 2
        assert "the checkpoint of step 'hard_core_mapping' is corrupt: hard_mapping.npz does not match its " \
               "recorded sha256; rerun `runner" in capsys.readouterr().err
    assert not (run.parent / "out").exists()
    with pytest.raises(UserError, match="'hard_core_mapping' is corrupt"):
        RunDirectory(run).simulate(np.zeros((1, 12)))
    npz.unlink()
    with pytest.raises(UserError, match="'hard_core_mapping' is corrupt: hard_mapping.npz is missing"):
        RunDirectory(run).latest("hard_mapping")


def test_a_stale_checkpoint_is_not_exported_as_if_it_were_current(run_copy, capsys):
    spec, run = run_copy
    spec.write_text(SMALL.replace("count: 16", "count: 17"))
    assert cli(spec, "--workdir", run, "--export", "json", run.parent / "out") == 2
    assert "'hard_core_mapping' is stale (the spec changed since it was written)" in capsys.readouterr().err


def test_an_artifact_whose_shapes_do_not_fit_the_model_makes_its_step_rerun(run_copy):
    spec, run = run_copy
    npz = run / "steps" / "pretraining" / "model.npz"
    with np.load(npz) as arrays:
        tensors = {k: arrays[k] for k in arrays.files}
    first = next(k for k, v in tensors.items() if v.ndim == 2)
    tensors[first] = np.zeros((3, 3), tensors[first].dtype)
    np.savez(npz, **tensors)
    rehash(run, "pretraining")
    assert cli(spec, "--workdir", run, "--quiet") == 0
    log = (run / "run.log").read_text()
    assert "[pretraining] runs: model does not load (RuntimeError" in log and "size mismatch" in log


def test_a_manifest_or_report_nested_too_deeply_is_corrupt_not_a_crash(run_copy, capsys):
    spec, run = run_copy
    (run / "steps" / "hard_core_mapping" / "manifest.json").write_text("[" * 100000 + "]" * 100000)
    assert cli(spec, "--workdir", run, "--list") == 0
    assert cli(spec, "--workdir", run, "--export", "json", run.parent / "out") == 2
    assert "'hard_core_mapping' is corrupt: manifest.json does not read as JSON (nested too deeply)" in \
        capsys.readouterr().err
    assert cli(spec, "--workdir", run, "--quiet") == 0
    (run / "report.json").write_text("{" * 100000)
    with pytest.raises(UserError, match="not a run directory"):
        RunDirectory(run)


@pytest.mark.parametrize("figures", [{"accuracy": "high"}, {"departure": [1, 2]}, {"spikes_per_sample": "x"}])
def test_simulation_figures_of_the_wrong_kind_make_it_rerun(run_copy, figures):
    spec, run = run_copy
    path = run / "steps" / "simulation" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["figures"].update(figures)
    path.write_text(json.dumps(manifest))
    assert cli(spec, "--workdir", run, "--quiet") == 0
    assert "[simulation] runs: manifest.json: figure" in (run / "run.log").read_text()
    report = json.loads((run / "report.json").read_text())
    report["simulation"].update(figures)
    (run / "report.json").write_text(json.dumps(report))
    with pytest.raises(UserError, match="report.json: the simulation section's figure"):
        RunDirectory(run)


def test_a_manifest_that_is_a_link_or_names_another_step_is_corrupt(run_copy, tmp_path):
    spec, run = run_copy
    manifest = run / "steps" / "pretraining" / "manifest.json"
    outside = tmp_path / "manifest.json"
    shutil.move(manifest, outside)
    manifest.symlink_to(outside)
    store = open_pipeline(str(spec), workdir=str(run), quiet=True).store
    assert "symbolic link" in store.inspect("pretraining", None).detail
    manifest.unlink()
    record = json.loads(outside.read_text())
    manifest.write_text(json.dumps({**record, "step": "../simulation"}))
    assert store.inspect("pretraining", None).detail == \
        "manifest.json: it names step '../simulation', not 'pretraining'"


def test_an_export_into_the_run_directory_is_refused(run_copy, capsys):
    spec, run = run_copy
    assert cli(spec, "--workdir", run, "--export", "json", run / "steps" / "hard_core_mapping") == 2
    assert "inside the run directory" in capsys.readouterr().err
    assert sorted(p.name for p in (run / "steps" / "hard_core_mapping").iterdir()) == [
        "hard_mapping.json", "hard_mapping.npz", "manifest.json"]
