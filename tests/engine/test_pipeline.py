"""The engine's promises: reuse, --from, staleness, corruption, contracts and tolerance."""

import json

import numpy as np
import pytest

import simulator
from runner.api import open_pipeline
from runner.engine.pipeline import StepFailed
from runner.errors import UserError
from runner import run_directory
from runner.run_directory import RunDirectory
from simulator.blocks import block_program
from simulator.hard_program import message_fanout
from tests.engine.conftest import SMALL


def run(spec, workdir, **flags):
    pipeline = open_pipeline(str(spec), workdir=str(workdir), quiet=True)
    return pipeline, pipeline.run(**flags)


def statuses(spec, workdir):
    return {row["name"]: row["status"] for row in open_pipeline(str(spec), workdir=str(workdir), quiet=True).status()}


def test_full_run_then_from_gives_the_same_figures(small_spec, tmp_path):
    spec = small_spec()
    _, first = run(spec, tmp_path / "run")
    assert [s["status"] for s in first["steps"]] == ["done"] * 8
    assert first["simulation"]["agreement"] >= 0.999
    _, again = run(spec, tmp_path / "run", from_step="hard_core_mapping")
    reused = {s["name"]: s["reused"] for s in again["steps"]}
    assert reused["soft_core_mapping"] and not reused["hard_core_mapping"] and not reused["simulation"]
    splits = [None, None, "validation", "validation", "validation", "validation", None, "test"]
    assert [s["split"] for s in first["steps"]] == [s["split"] for s in again["steps"]] == splits
    figures = {k: v for k, v in again["simulation"].items() if k != "samples_per_second"}
    assert figures == {k: v for k, v in first["simulation"].items() if k != "samples_per_second"}
    assert set(statuses(spec, tmp_path / "run").values()) == {"done"}


def test_a_spec_edit_makes_exactly_the_dependent_steps_stale(small_spec, tmp_path):
    spec = small_spec()
    run(spec, tmp_path / "run")
    small_spec(SMALL.replace("      batch_size: 50", "      batch_size: 40"))
    assert [k for k, v in statuses(spec, tmp_path / "run").items() if v != "done"] == ["simulation"]
    small_spec(SMALL.replace("  epochs: 3", "  epochs: 4"))
    stale = [k for k, v in statuses(spec, tmp_path / "run").items() if v != "done"]
    assert stale == ["pretraining", "activation_analysis", "normalization_fusion", "soft_core_mapping",
                     "hard_core_mapping", "simulation"]
    small_spec(SMALL.replace("      count: 16", "      count: 17"))
    stale = [k for k, v in statuses(spec, tmp_path / "run").items() if v != "done"]
    assert stale == ["soft_core_mapping", "hard_core_mapping", "simulation"]


def test_a_corrupted_artifact_reruns_its_step_and_every_step_that_depends_on_it(small_spec, tmp_path):
    spec = small_spec()
    run(spec, tmp_path / "run")
    artifact = tmp_path / "run" / "steps" / "activation_analysis" / "model.npz"
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artifact.write_bytes(bytes(data))
    assert statuses(spec, tmp_path / "run")["activation_analysis"] == "stale"
    _, report = run(spec, tmp_path / "run")
    reused = {s["name"]: s["reused"] for s in report["steps"]}
    assert [name for name, again in reused.items() if again] == ["model_configuration", "model_building",
                                                                  "pretraining"]
    log = (tmp_path / "run" / "run.log").read_text()
    assert "[activation_analysis] runs: model.npz does not match its recorded sha256" in log
    assert "[normalization_fusion] runs: upstream step 'activation_analysis' ran again" in log


def test_from_refuses_when_an_earlier_checkpoint_is_missing(small_spec, tmp_path):
    spec = small_spec()
    with pytest.raises(UserError, match="--from simulation: the checkpoint of the earlier step 'model_configuration' "
                                        "is missing"):
        run(spec, tmp_path / "run", from_step="simulation")


def test_until_stops_after_the_named_step_and_keeps_the_record_of_the_later_ones(small_spec, tmp_path):
    spec = small_spec()
    _, report = run(spec, tmp_path / "run", until="pretraining")
    assert [s["status"] for s in report["steps"]] == ["done"] * 3 + ["pending"] * 5
    assert statuses(spec, tmp_path / "run")["activation_analysis"] == "pending"
    _, full = run(spec, tmp_path / "run")
    _, again = run(spec, tmp_path / "run", until="pretraining")
    assert [(s["status"], s["metric"]) for s in again["steps"]] == [(s["status"], s["metric"]) for s in full["steps"]]
    assert again["simulation"] == full["simulation"]
    mapping = RunDirectory(tmp_path / "run", spec=spec).latest("hard_mapping")
    assert mapping.hard_cores == full["simulation"]["hard_cores"]


def test_until_before_from_is_refused(small_spec, tmp_path):
    with pytest.raises(UserError, match="--until model_building comes before --from pretraining"):
        run(small_spec(), tmp_path / "run", from_step="pretraining", until="model_building")


def test_broken_contract_names_the_step_and_the_key(small_spec, tmp_path):
    spec = small_spec(SMALL.replace("  - model_building\n", ""))
    with pytest.raises(UserError) as info:
        open_pipeline(str(spec), workdir=str(tmp_path / "run"))
    assert "small.yaml:27: steps.pretraining: step 'pretraining' requires 'model', but no earlier step promises it" \
        in info.value.message


def test_step_not_applicable_to_the_mode_is_rejected(small_spec, tmp_path):
    spec = small_spec(SMALL.replace("  - normalization_fusion", "  - normalization_fusion\n  - activation_shift"))
    with pytest.raises(UserError,
                       match="step 'activation_shift' applies to spiking modes rate, ttfs_quantized, not 'ttfs'"):
        open_pipeline(str(spec), workdir=str(tmp_path / "run"))


def test_metric_below_tolerance_fails_the_run_and_keeps_earlier_checkpoints(small_spec, tmp_path):
    spec = small_spec(SMALL.replace("  tolerance: 0.5", "  tolerance: 1.0")
                      .replace("  classes: 3", "  classes: 3\n  noise: 0.5"))
    with pytest.raises(StepFailed) as info:
        run(spec, tmp_path / "run")
    message = info.value.message
    assert "dropped the metric to" in message and "below training.tolerance 1.0 x the previous" in message
    failed = message.split("'")[1]
    status = statuses(spec, tmp_path / "run")
    names = list(status)
    assert status[failed] == "failed"
    assert all(status[name] == "done" for name in names[:names.index(failed)])
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert report["steps"][-1]["name"] == failed and report["steps"][-1]["status"] == "failed"


def test_a_metric_without_its_split_fails_the_step(small_spec, tmp_path, monkeypatch):
    from runner.steps.pretraining import PretrainingStep
    monkeypatch.setattr(PretrainingStep, "metric_split", None)
    with pytest.raises(StepFailed, match="step 'pretraining' returned a metric but declares no metric_split"):
        run(small_spec(), tmp_path / "run", until="pretraining")
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    assert (report["steps"][-1]["name"], report["steps"][-1]["status"]) == ("pretraining", "failed")


def test_a_second_run_on_the_same_directory_is_refused(small_spec, tmp_path):
    import subprocess
    workdir = tmp_path / "run"
    workdir.mkdir()
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (workdir / ".lock").write_text(str(sleeper.pid))
        with pytest.raises(UserError, match=rf"is in use by another runner \(pid {sleeper.pid}\)"):
            run(small_spec(), workdir)
    finally:
        sleeper.kill()
        sleeper.wait()
    _, report = run(small_spec(), workdir)  # the owner is dead now: its stale lock is recovered
    assert report["steps"][-1]["status"] == "done" and not (workdir / ".lock").exists()


def test_a_run_opened_with_its_spec_simulates_with_the_specs_spiking_options(small_spec, tmp_path, monkeypatch):
    """A rate chip that resets to zero, fires at >= and delays each hop: RunDirectory.simulate runs what the
    simulation step ran, not the simulator's defaults, and builds the chip program once for every call."""
    spec = small_spec(SMALL.replace("  mode: ttfs\n", "  mode: rate\n  firing: novena\n  thresholding: \"<=\"\n"
                                                      "  synaptic_delay: 1\n"))
    run(spec, tmp_path / "run")
    chip = RunDirectory(tmp_path / "run", spec=spec)
    x = np.random.default_rng(0).random((50, 12))
    options = {"firing": "novena", "thresholding": "<=", "delay": 1, "encoding": "uniform", "seed": 3}
    expected = simulator.simulate(chip.chip(), x, fanout=message_fanout(chip.hard_chip()), **options)
    built = []
    monkeypatch.setattr(run_directory, "block_program", lambda hard: built.append(hard) or block_program(hard))
    assert np.array_equal(chip.simulate(x).scores, expected.scores)
    assert np.array_equal(chip.simulate(x).scores, expected.scores) and len(built) == 1
    assert not np.array_equal(RunDirectory(tmp_path / "run").simulate(x).scores, expected.scores)
