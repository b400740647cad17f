"""Multi-objective search (optuna's NSGA-II): accuracy from a short training proxy, hard cores from
the layout-only estimate, parameter count. Candidates that cannot fit the chip are infeasible, with
a graded violation (how many cores over) that steers the search back."""

from dataclasses import dataclass

import optuna
import torch

from mappers.hardware.estimate import estimate_cores
from mappers.hardware.packing import PackingError
from mappers.ir.graph import MappingError
from mappers.zoo import Recipe, build_model
from runner.tuning.trainer import train


UNMAPPABLE = 10_000
"""Hard cores and violation given to a candidate whose layers do not fit any core at all."""


@dataclass
class Candidate:
    number: int
    config: dict
    accuracy: float
    hard_cores: int
    parameters: int
    violation: float
    pareto: bool = False

    @property
    def feasible(self) -> bool:
        return self.violation <= 0


def search(space, builder: str, data, settings, *, budget, core_types, core_limit: int, trials: int, epochs: int,
           seed: int, timeout: float, progress=None, log=lambda m: None) -> list[Candidate]:
    """Run the study; every trial as a Candidate, the Pareto-optimal feasible ones marked."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    candidates: dict[int, Candidate] = {}

    def objective(trial):
        config = space["suggest"](trial)
        recipe = Recipe(builder, config, data.input_shape, data.n_classes)
        torch.manual_seed(seed + trial.number)
        model = build_model(recipe)
        try:
            estimate = estimate_cores(build_model(recipe), budget, core_types)
            hard_cores, violation = estimate.hard_cores, max(estimate.hard_cores - core_limit, 0) + (not estimate.fits)
        except (MappingError, PackingError):
            hard_cores, violation = UNMAPPABLE, UNMAPPABLE
        accuracy = 0.0
        if violation <= 0:
            accuracy = train(model, data, settings, epochs=epochs, seed=seed + trial.number)
        parameters = sum(p.numel() for p in model.parameters())
        trial.set_constraint("cores over budget", float(violation))
        candidates[trial.number] = Candidate(trial.number, config, accuracy, hard_cores, parameters, float(violation))
        log(f"trial {trial.number}: {config} -> accuracy {accuracy:.4f}, {hard_cores} hard cores, "
            f"{parameters:,} parameters" + ("" if violation <= 0 else f", infeasible (violation {violation})"))
        if progress is not None:
            progress()
        return accuracy, hard_cores, parameters

    sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, min(10, trials // 2)))
    study = optuna.create_study(directions=["maximize", "minimize", "minimize"], sampler=sampler)
    study.optimize(objective, n_trials=trials, timeout=timeout)
    for trial in study.best_trials:
        if trial.number in candidates and candidates[trial.number].feasible:
            candidates[trial.number].pareto = True
    return [candidates[n] for n in sorted(candidates)]
