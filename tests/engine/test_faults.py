"""Fault injection: kills at random moments, flipped bytes in every artifact, disks that refuse writes,
foreign run directories and bad inputs each end in a completed rerun or one clear message."""

import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from runner.api import open_pipeline
from runner.engine.pipeline import StepFailed
from runner.errors import UserError
from runner.run_directory import RunDirectory
from tests.engine.conftest import SMALL

RUNNER = [sys.executable, "-m", "runner.cli"]
STABLE = ("accuracy", "model_accuracy", "float_accuracy", "agreement", "model_agreement",
          "soft_cores", "hard_cores", "hard_cores_lower_bound")


def figures(workdir):
    report = json.loads((workdir / "report.json").read_text())
    return {k: report["simulation"][k] for k in STABLE}, [s["metric"] for s in report["steps"]]


def cli_run(spec, workdir):
    result = subprocess.run(RUNNER + [str(spec), "--workdir", str(workdir), "--quiet", "--threads", "1"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return figures(workdir)


def test_sigkill_at_random_moments_then_rerun_equals_an_uninterrupted_run(small_spec, tmp_path):
    spec = small_spec(SMALL.replace("  epochs: 3", "  epochs: 30"))
    expected = cli_run(spec, tmp_path / "clean")
    for seed in range(4):
        workdir = tmp_path / f"killed{seed}"
        process = subprocess.Popen(RUNNER + [str(spec), "--workdir", str(workdir), "--quiet", "--threads", "1"])
        time.sleep(random.Random(seed).uniform(1.5, 5.0))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        assert cli_run(spec, workdir) == expected
        assert not list((workdir / "steps").glob(".staging-*"))


def test_a_flipped_byte_in_any_artifact_reruns_its_step_and_its_dependents(small_spec, tmp_path):
    spec = small_spec()
    workdir = tmp_path / "run"
    expected = figures_after(spec, workdir)
    for manifest in sorted((workdir / "steps").glob("*/manifest.json")):
        for name in json.loads(manifest.read_text())["artifacts"].values():
            for file in name["files"]:
                path = manifest.parent / file
                data = bytearray(path.read_bytes())
                data[len(data) // 3] ^= 0x5A
                path.write_bytes(bytes(data))
                pipeline = open_pipeline(str(spec), workdir=str(workdir), quiet=True)
                rerun = [s["name"] for s in pipeline.run()["steps"] if not s["reused"]]
                assert rerun == dependents(pipeline, manifest.parent.name), (file, rerun)
                assert figures(workdir) == expected


def dependents(pipeline, step: str) -> list[str]:
    """`step` and every later step that reads, directly or not, what it wrote."""
    affected = {step}
    for (name, _), writers in zip(pipeline.chain, pipeline.writers):
        if set(writers.values()) & affected:
            affected.add(name)
    return [name for name, _ in pipeline.chain if name in affected]


def figures_after(spec, workdir):
    open_pipeline(str(spec), workdir=str(workdir), quiet=True).run()
    return figures(workdir)


def test_a_disk_that_refuses_writes_is_one_message_and_earlier_checkpoints_stay(small_spec, tmp_path, monkeypatch):
    spec = small_spec()
    pipeline = open_pipeline(str(spec), workdir=str(tmp_path / "run"), quiet=True)
    pipeline.run(until="model_building")
    real_save = pipeline.store.save

    def full_disk(step, record, artifacts):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline.store, "save", full_disk)
    no_space = "cannot write the checkpoint of step 'pretraining' .* No space left on device"
    with pytest.raises(StepFailed, match=no_space):
        pipeline.run()
    monkeypatch.setattr(pipeline.store, "save", real_save)
    status = {row["name"]: row["status"] for row in pipeline.status()}
    assert status["model_building"] == "done" and status["pretraining"] == "failed"


def test_an_unusable_run_directory_is_one_message(small_spec, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = subprocess.run(RUNNER + [str(small_spec()), "--workdir", str(blocker / "run")], capture_output=True,
                            text=True)
    assert result.returncode == 2 and "cannot create or write the run directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_run_directory_of_another_spec_is_refused_untouched(small_spec, tmp_path):
    spec = small_spec()
    workdir = tmp_path / "run"
    open_pipeline(str(spec), workdir=str(workdir), quiet=True).run(until="model_building")
    before = {p: p.read_bytes() for p in workdir.rglob("*") if p.is_file() and p.name != "run.log"}
    other = small_spec(SMALL.replace("name: small", "name: other"))
    with pytest.raises(UserError, match="holds the checkpoints of spec 'small', not 'other'"):
        open_pipeline(str(other), workdir=str(workdir), quiet=True).run()
    assert {p: p.read_bytes() for p in workdir.rglob("*") if p.is_file() and p.name != "run.log"} == before


def test_inputs_with_nan_or_the_wrong_shape_are_one_message(small_spec, tmp_path):
    spec = small_spec()
    open_pipeline(str(spec), workdir=str(tmp_path / "run"), quiet=True).run()
    run = RunDirectory(tmp_path / "run")
    good = np.random.default_rng(0).uniform(0, 1, (4, 12))
    assert run.simulate(good).scores.shape == (4, 3)
    bad = good.copy()
    bad[2, 5] = np.nan
    with pytest.raises(UserError, match="NaN or infinite values \\(first at sample 2\\)"):
        run.simulate(bad)
    with pytest.raises(UserError, match="inputs have 11 features; the chip program takes 12"):
        run.simulate(good[:, :11])


KILLER = """
import os, signal, sys
import runner.engine.store as store
from runner.cli import main

point, nth, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
seen = [0]


def die_at(kind):
    if kind == point:
        seen[0] += 1
        if seen[0] == nth:
            os.kill(os.getpid(), signal.SIGKILL)


real_hash, real_replace = store.sha256_file, os.replace


def hashing(path):  # each artifact file is hashed right after it is written into the staging folder
    die_at("artifact")
    return real_hash(path)


def replacing(source, target):
    source, target = str(source), str(target)
    die_at("swap" if "/.staging-" in source else "report" if target.endswith("report.json") else "other")
    real_replace(source, target)
    if ".old-" in target:
        die_at("old")  # the previous checkpoint moved aside, the new one not yet in place


store.sha256_file, os.replace = hashing, replacing
sys.exit(main(args))
"""


@pytest.mark.parametrize("point,nth", [("artifact", 1), ("artifact", 4), ("swap", 2), ("swap", 5), ("report", 3),
                                       ("old", 1)])
def test_sigkill_during_checkpoint_writes_then_rerun_equals_an_uninterrupted_run(small_spec, tmp_path, point, nth):
    """Killed while an artifact is written, before a checkpoint folder is swapped in, while report.json is
    replaced, or with the previous checkpoint moved aside (a --from rerun): the next run completes as if
    nothing had happened."""
    spec = small_spec()
    expected = cli_run(spec, tmp_path / "clean")
    workdir = tmp_path / "killed"
    args = [str(spec), "--workdir", str(workdir), "--quiet", "--threads", "1"]
    if point == "old":
        cli_run(spec, workdir)
        args += ["--from", "pretraining"]
    killed = subprocess.run([sys.executable, "-c", KILLER, point, str(nth), *args], capture_output=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert cli_run(spec, workdir) == expected
    assert not list((workdir / "steps").glob(".staging-*")) and not list((workdir / "steps").glob(".*.old-*"))
    assert not list(workdir.glob(".*.tmp-*"))
