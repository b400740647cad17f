"""One worker's share of a study: trials until the study holds the asked number (a parameter set already running or
done, or a fresh trial beyond the budget, is pruned, not trained), then the others' trials waited for (a dead
worker's trial failed by the heartbeat and run again here)."""

import os
import socket
import time
import warnings
from dataclasses import asdict

import optuna

from runner.search.nsga import DIRECTIONS, SearchJob, evaluate, record, retry_of
from runner.search.spaces import SPACES

warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning, module="runner.search")
"""The heartbeat's helpers are marked experimental in optuna; their interface is pinned by the tests."""
State = optuna.trial.TrialState
WORKER = f"{socket.gethostname()}:{os.getpid()}"
"""This process as the trials it runs record it."""
POLL = 0.5
"""Seconds between looks at the trials other workers run."""


def open_study(storage, name: str, job: SearchJob):
    """The study `name` in `storage` (None: in memory), created by the first worker to come; a shared study samples
    with fresh randomness in each worker, so workers do not propose the same parameters."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.NSGAIISampler(seed=job.seed if storage is None else None,
                                            population_size=max(4, min(10, job.trials // 2)))
    return optuna.create_study(study_name=name, storage=storage, directions=DIRECTIONS, sampler=sampler,
                               load_if_exists=True)


def why_not(trial, origin: int | None, job: SearchJob) -> str | None:
    """Why `trial` (run again for trial `origin`, or fresh when None) should not be evaluated (None when it should)."""
    others = [t for t in trial.study.get_trials(deepcopy=False) if t.number != trial.number]
    twin = next((t.number for t in others if t.state in (State.RUNNING, State.COMPLETE) and t.params == trial.params),
                None)
    if twin is not None:
        return f"the same parameters as trial {twin}"
    if origin is None and sum(retry_of(t) is None and t.number < trial.number for t in others) >= job.trials:
        return f"beyond the {job.trials} trials asked for"
    return None


def objective(job: SearchJob, log):
    def run(trial):
        config = SPACES[job.builder]["suggest"](trial)
        origin = retry_of(trial.study.get_trials(deepcopy=False)[trial.number])
        reason = why_not(trial, origin, job)
        if reason:
            log(f"trial {trial.number}: {config} pruned: {reason}")
            raise optuna.TrialPruned(reason)
        seed = job.seed + (trial.number if origin is None else origin)
        record(trial, {"config": config, "seed": seed, "worker": WORKER})
        result = evaluate(job, config, seed)
        record(trial, asdict(result))
        trial.set_constraint("cores over budget", result.violation)
        again = "" if origin is None else f" (trial {origin} again: its worker died)"
        log(f"trial {trial.number}{again}: {config} -> accuracy {result.accuracy:.4f}, {result.hard_cores} hard "
            f"cores, {result.parameters:,} parameters"
            + ("" if result.violation <= 0 else f", infeasible (violation {result.violation:g})"))
        return result.accuracy, result.hard_cores, result.parameters
    return run


def work(study, job: SearchJob, *, log=lambda m: None, progress=None) -> list[int]:
    """Run trials until the study has `job.trials` fresh ones and none waits, then wait (at most `job.timeout`)
    for the ones still running; returns the numbers of those it gave up waiting for."""
    run, deadline, waiting_since = objective(job, log), time.monotonic() + job.timeout, None
    while True:
        optuna.storages.fail_stale_trials(study)
        trials = study.get_trials(deepcopy=False)
        fresh = sum(retry_of(t) is None for t in trials)
        if any(t.state == State.WAITING for t in trials) or (fresh < job.trials and time.monotonic() < deadline):
            study.optimize(run, n_trials=1)
            waiting_since = None
            if progress is not None:
                progress()
            continue
        running = [t.number for t in trials if t.state == State.RUNNING]
        if not running:
            return []
        waiting_since = waiting_since or time.monotonic()
        if time.monotonic() - waiting_since > job.timeout:
            log(f"gave up waiting for trials {running} after {job.timeout:g}s (their workers may have died: the "
                "journal storage has no heartbeat to tell)")
            return running
        time.sleep(POLL)
