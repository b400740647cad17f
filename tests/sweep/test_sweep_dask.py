"""A 2 x 2 digits sweep on a loopback Dask LocalCluster: the same figures as one worker running the steps one
after another, every distinct step computed once, and a worker killed in the middle of a step replaced."""

import json
import os
import signal
import threading
import time

import pytest

from runner.api import open_pipeline
from runner.cli import main
from runner.sweep import run_sweep
from tests.sweep.conftest import write_files

SHARED = 6  # model_configuration .. activation_quantization: every variant's
PER_BITS = 2  # weight_quantization, normalization_fusion
PER_VARIANT = 3  # soft_core_mapping, hard_core_mapping, simulation
STEPS = SHARED + PER_BITS + PER_VARIANT


def figures(result: dict) -> list[dict]:
    """Each variant's row and its run's simulation figures, without the seconds things took."""
    rows = []
    for row in result["variants"]:
        report = json.loads((result["folder"] / row["variant"] / "report.json").read_text())
        simulation = {k: v for k, v in report["simulation"].items() if k != "samples_per_second"}
        rows.append({**{k: v for k, v in row.items() if k != "seconds_computed"}, "simulation": simulation})
    return rows


def sweep(folder, workers: int) -> dict:
    result = run_sweep(write_files(folder), workdir=str(folder / "runs"), workers=workers, threads=1, quiet=True)
    return {**result, "folder": folder / "runs"}


@pytest.fixture(scope="module")
def sequential(tmp_path_factory):
    """The sweep on one single-threaded worker: its steps one after another."""
    return sweep(tmp_path_factory.mktemp("sequential"), workers=1)


def test_two_workers_give_the_sequential_figures_computing_each_step_once(sequential, tmp_path):
    result = sweep(tmp_path, workers=2)
    assert figures(result) == figures(sequential)
    totals = result["totals"]
    assert (totals["variant_steps"], totals["distinct_steps"]) == (4 * STEPS, SHARED + 2 * PER_BITS + 4 * PER_VARIANT)
    assert (totals["steps_computed"], totals["failed"]) == (totals["distinct_steps"], 0)
    assert [row["steps_reused"] for row in result["variants"]] == [0, SHARED + PER_BITS, SHARED, SHARED + PER_BITS]
    assert all(row["status"] == "done" and row["model_agreement"] == 1.0 for row in result["variants"])
    runs = tmp_path / "runs"
    first, last = (runs / name / "steps" / "pretraining" / "manifest.json"
                   for name in ("weight_bits-6.neurons-16", "weight_bits-8.neurons-32"))
    assert os.stat(first).st_ino == os.stat(last).st_ino  # one checkpoint, hard-linked
    assert not [p for p in runs.rglob("*") if p.is_symlink()]
    for row in result["variants"]:  # each a run directory of its own spec, every step done
        pipeline = open_pipeline(str(runs / "specs" / f"{row['variant']}.yaml"), quiet=True, threads=1)
        assert pipeline.run_dir == runs / row["variant"]
        assert [s["status"] for s in pipeline.status()] == ["done"] * STEPS
    spec = str(runs / "specs" / "weight_bits-8.neurons-16.yaml")
    assert main([spec, "--report"]) == 0 and (runs / "weight_bits-8.neurons-16" / "report.md").is_file()
    assert main([spec, "--export", "json", str(tmp_path / "export")]) == 0
    assert (tmp_path / "export" / "mapping.json").is_file()
    assert (runs / "sweep.md").read_text().count("![") == 2 + 2


def test_a_worker_killed_in_a_step_is_replaced_and_the_figures_hold(sequential, tmp_path):
    """The worker running the shared pretraining is killed (SIGKILL) in it: Dask runs the task again elsewhere,
    the new worker takes over the dead one's lock, and the sweep ends with the sequential figures."""
    owner, killed, finished = tmp_path / "runs" / "weight_bits-6.neurons-16", [], threading.Event()

    def kill_in_pretraining():
        while not finished.is_set() and not killed:
            log = owner / "run.log"
            text = log.read_text() if log.exists() else ""
            if "[pretraining] running" in text and "[pretraining] done" not in text:
                pid = json.loads((owner / ".lock").read_text())["pid"]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.01)

    thread = threading.Thread(target=kill_in_pretraining)
    thread.start()
    try:
        result = sweep(tmp_path, workers=2)
    finally:
        finished.set()
        thread.join()
    assert killed and killed[0] != os.getpid()
    log = (owner / "run.log").read_text()
    assert (log.count("[pretraining] running"), log.count("[pretraining] done")) == (2, 1)
    # the retry reuses the two checkpoints the killed worker finished before pretraining
    assert [row["steps_reused"] for row in result["variants"]] == [2, SHARED + PER_BITS, SHARED, SHARED + PER_BITS]
    assert result["variants"][0]["steps_computed"] == STEPS - 2
    unshared = lambda rows: [{k: v for k, v in row.items() if k not in ("steps_reused", "steps_computed")}
                             for row in rows]
    assert unshared(figures(result)) == unshared(figures(sequential))


def test_a_failing_variant_is_reported_and_the_others_finish(tmp_path, capsys):
    """2-bit weights drop the metric below a strict tolerance: that variant fails with the step's message, exit 1,
    and the other variant's figures are still written."""
    path = write_files(tmp_path, "name: f\nspec: base.yaml\nvariants:\n  - name: narrow\n    set:\n"
                                 "      platform.weight_bits: 2\n      training.tolerance: 0.99\n"
                                 "  - name: wide\n    set:\n      platform.weight_bits: 8\n")
    assert main(["sweep", str(path), "--workers", "2", "--workdir", str(tmp_path / "runs"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: 1 of 2 variant(s) failed: narrow: failed: step 'weight_quantization' dropped the "
                          "metric to ") and "Traceback" not in err
    narrow, wide = json.loads((tmp_path / "runs" / "sweep.json").read_text())["variants"]
    assert narrow["status"].startswith("failed: step 'weight_quantization'") and narrow["accuracy"] is None
    # tolerance is read from activation quantization on: the variants share the steps before it, which narrow
    # computed; its own task failed as a whole, so it counts none of its own steps
    assert (narrow["steps_computed"], narrow["steps_reused"]) == (SHARED - 1, 0)
    assert (wide["status"], wide["steps_reused"], wide["model_agreement"]) == ("done", SHARED - 1, 1.0)
