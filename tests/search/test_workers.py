"""Trials in parallel: two workers on one study against a real PostgreSQL server (one killed during a trial, its
trial retried), `--workers 2` on one machine, and every trial reproducible alone."""

import json
import signal
import subprocess
import sys
import time

import optuna
import pytest
import torch

from runner.api import data_for, open_pipeline
from runner.engine.spec_view import SpecView
from runner.search.nsga import Candidate, evaluate, retry_of, search_job
from runner.spec import load_spec
from runner.steps.architecture_search import ArchitectureSearchStep, choose
from tests.search.specs import search_spec

State = optuna.trial.TrialState
RUNNER = [sys.executable, "-m", "runner.cli"]


def start(spec, workdir, *flags):
    return subprocess.Popen(RUNNER + [str(spec), "--until", "architecture_search", "--threads", "1", "--device",
                                      "cpu", "--workdir", str(workdir), *flags],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def study_of(spec, url: str):
    fingerprint = open_pipeline(str(spec), threads=1, device="cpu", quiet=True).fingerprints["architecture_search"]
    return optuna.load_study(study_name=f"{load_spec(spec).name}.architecture_search.{fingerprint}", storage=url)


def wait_for_trial_of(study, pid: int, timeout: float = 120):
    """The first running trial the worker with process id `pid` started."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for trial in study.get_trials(states=(State.RUNNING,)):
            if trial.user_attrs.get("worker", "").endswith(f":{pid}"):
                return trial
        time.sleep(0.02)
    pytest.fail(f"worker {pid} ran no trial within {timeout}s")


def check_study(study, trials: int) -> list:
    """No trial lost or run twice: every trial complete, pruned or failed and retried; the asked number of fresh
    trials; no parameter set evaluated by two trials at once. Returns the failed trials."""
    recorded = study.get_trials()
    retried = {retry_of(t) for t in recorded} - {None}
    failed = [t for t in recorded if t.state == State.FAIL]
    assert all(t.state in (State.COMPLETE, State.PRUNED) for t in recorded if t.state != State.FAIL)
    assert {t.number for t in failed} == retried
    assert sum(retry_of(t) is None for t in recorded) == trials
    evaluated = [t for t in recorded if t.state != State.PRUNED]
    for a in evaluated:
        for b in evaluated:
            if a.number < b.number and a.params == b.params:
                assert a.datetime_complete <= b.datetime_start, f"trials {a.number} and {b.number} overlap"
    return failed


def check_choice(workdir, study, rule="most_accurate"):
    """pareto.json holds every completed trial, and the rule's choice among them."""
    summary = json.loads((workdir / "pareto.json").read_text())
    complete = study.get_trials(states=(State.COMPLETE,))
    assert [t["number"] for t in summary["trials"]] == [t.number for t in complete]
    found = [Candidate(**{k: v for k, v in t.items() if k != "pareto"}) for t in summary["trials"]]
    assert summary["chosen"] == choose(found, rule).number
    return summary


def check_alone(spec, summary, numbers):
    """Trials `numbers` evaluated alone, in this process, give what the study recorded."""
    loaded = load_spec(spec)
    entry = loaded.steps[0]
    job = search_job(SpecView(loaded, entry, ArchitectureSearchStep.reads), entry.params, data_for(loaded),
                     torch.device("cpu"))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for trial in (t for t in summary["trials"] if t["number"] in numbers):
            alone = evaluate(job, trial["config"], trial["seed"])
            assert (alone.accuracy, alone.hard_cores, alone.parameters) == \
                (trial["accuracy"], trial["hard_cores"], trial["parameters"])
    finally:
        torch.set_num_threads(threads)


def test_a_killed_workers_trial_is_retried_on_postgresql(tmp_path, postgres):
    spec = search_spec(tmp_path, "killed", trials=4, epochs=8, storage=postgres, heartbeat=1)
    first, second = start(spec, tmp_path / "a"), start(spec, tmp_path / "b")
    try:
        study = None
        while study is None:
            try:
                study = study_of(spec, postgres)
            except KeyError:  # not created yet
                time.sleep(0.1)
        victim = wait_for_trial_of(study, first.pid)
        first.send_signal(signal.SIGKILL)
        first.wait()
        output, _ = second.communicate(timeout=300)
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.kill()
    assert second.returncode == 0, output
    failed = check_study(study, trials=4)
    assert [t.number for t in failed] == [victim.number]
    retry = next(t for t in study.get_trials() if retry_of(t) == victim.number)
    assert retry.state == State.COMPLETE and retry.params == victim.params
    assert retry.user_attrs["seed"] == victim.user_attrs["seed"]
    assert f"trial {retry.number} (trial {victim.number} again: its worker died)" in output
    summary = check_choice(tmp_path / "b", study)
    check_alone(spec, summary, {retry.number})


@pytest.mark.parametrize("storage", [None, "journal:search.journal"])
def test_two_workers_on_one_machine(tmp_path, storage):
    spec = search_spec(tmp_path, "local", trials=4, storage=storage)
    process = start(spec, tmp_path / "run", "--workers", "2")
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    url = f"sqlite:///{tmp_path / 'run' / 'search.db'}" if storage is None else \
        optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(tmp_path / "search.journal")))
    study = study_of(spec, url)
    assert not check_study(study, trials=4)
    assert "worker 1: joined study local.architecture_search." in output and "worker 1 ended" not in output
    summary = check_choice(tmp_path / "run", study)
    check_alone(spec, summary, {t["number"] for t in summary["trials"]})
