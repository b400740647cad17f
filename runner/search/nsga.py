"""Multi-objective search (optuna's NSGA-II): accuracy from a short training proxy, hard cores from
the layout-only estimate, parameter count. Candidates that cannot fit the chip are infeasible, with
a graded violation (how many cores over) that steers the search back."""

from dataclasses import dataclass

import numpy as np
import optuna
import torch

from mappers.hardware.estimate import estimate_cores
from mappers.hardware.packing import PackingError
from mappers.ir.graph import MappingError
from mappers.zoo import Recipe, build_model
from runner.check import platform_budget
from runner.tuning.trainer import train

UNMAPPABLE = 10_000
"""Hard cores and violation given to a candidate whose layers do not fit any core at all."""
DIRECTIONS = ["maximize", "minimize", "minimize"]


@dataclass(frozen=True)
class SearchJob:
    """What every trial of one search needs: the builder, data, training, the chip, the budget, the device."""

    builder: str
    data: object
    settings: object
    budget: object
    core_types: np.ndarray
    core_limit: int
    trials: int
    epochs: int
    seed: int
    timeout: float
    device: torch.device


def search_job(spec, params: dict, data, device: torch.device) -> SearchJob:
    """The job of an `architecture_search` entry with `params`, read through `spec` (the step's view)."""
    budget, types = platform_budget(spec.platform)
    limit = params.get("core_budget") or int(types[:, 2].sum())
    return SearchJob(spec.model.builder, data, spec.training(), budget, types, limit, params["trials"],
                     params["proxy_epochs"], spec.seed, params["timeout"], device)


@dataclass
class Result:
    """One configuration's objectives and constraint."""

    accuracy: float
    hard_cores: int
    parameters: int
    violation: float


@dataclass
class Candidate(Result):
    number: int = -1
    config: dict | None = None
    seed: int = 0
    worker: str = ""
    retry_of: int | None = None
    pareto: bool = False

    @property
    def feasible(self) -> bool:
        return self.violation <= 0


def evaluate(job: SearchJob, config: dict, seed: int) -> Result:
    """One trial alone: build `config`, estimate its cores and, when it fits, train it with `seed`."""
    recipe = Recipe(job.builder, config, job.data.input_shape, job.data.n_classes)
    torch.manual_seed(seed)
    model = build_model(recipe)
    try:
        estimate = estimate_cores(build_model(recipe), job.budget, job.core_types)
        hard_cores, violation = estimate.hard_cores, max(estimate.hard_cores - job.core_limit, 0) + (not estimate.fits)
    except (MappingError, PackingError):
        hard_cores, violation = UNMAPPABLE, UNMAPPABLE
    accuracy = 0.0
    if violation <= 0:
        accuracy = train(model, job.data, job.settings, epochs=job.epochs, seed=seed, device=job.device)
    return Result(accuracy, hard_cores, sum(p.numel() for p in model.parameters()), float(violation))


def candidates(study) -> list[Candidate]:
    """Every completed trial as a Candidate, the Pareto-optimal feasible ones marked."""
    complete = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    pareto = {t.number for t in study.best_trials} if complete else set()
    found = [Candidate(**{k: t.user_attrs[k] for k in ("accuracy", "hard_cores", "parameters", "violation", "config",
                                                        "seed", "worker")},
                       number=t.number, retry_of=retry_of(t)) for t in complete]
    for candidate in found:
        candidate.pareto = candidate.feasible and candidate.number in pareto
    return found


def retry_of(trial) -> int | None:
    """The number of the trial whose worker died and which `trial` runs again (None for a fresh trial)."""
    return optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(trial)


def record(trial, values: dict) -> None:
    """What a candidate is rebuilt from, on the trial itself (so every worker reads every trial)."""
    for key, value in values.items():
        trial.set_user_attr(key, value)
