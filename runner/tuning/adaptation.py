"""Progressive adaptation: raise a transformation's strength t from 0 to 1 without losing accuracy.

Each cycle tries the largest step whose immediate metric stays within `tolerance` of the
target (halving it, restoring the model between trials), applies it, retrains briefly and
moves on. It ends at t = 1 or after `max_cycles`; then the transformation is switched fully
on regardless, so the model is never left half-transformed.
"""

import copy
from dataclasses import dataclass, field
from typing import Callable

MIN_STEP = 1 / 64


@dataclass
class AdaptationResult:
    """Where adaptation ended: final strength, cycles used, metric after each cycle."""

    rate: float
    cycles: int
    metrics: list[float] = field(default_factory=list)


def adapt(model, *, apply: Callable[[object, float], None], evaluate: Callable[[object], float],
          recover: Callable[[object], None], max_cycles: int, tolerance: float,
          log: Callable[[str], None] = lambda m: None) -> AdaptationResult:
    """Adapt `model` in place; `apply(model, t)` sets strength t, `recover` trains briefly."""
    target = evaluate(model)
    rate, step, result = 0.0, 1.0, AdaptationResult(0.0, 0)
    while rate < 1.0 and result.cycles < max_cycles:
        saved = copy.deepcopy(model.state_dict())
        while True:
            apply(model, min(1.0, rate + step))
            metric = evaluate(model)
            if metric >= tolerance * target or step <= MIN_STEP:
                break
            model.load_state_dict(saved)
            step /= 2
        rate = min(1.0, rate + step)
        recover(model)
        result.cycles += 1
        result.metrics.append(evaluate(model))
        log(f"cycle {result.cycles}: strength {rate:.3f} (step {step:.3f}), metric {result.metrics[-1]:.4f} "
            f"(target {target:.4f})")
        step = 1.0 - rate
    if rate < 1.0:
        apply(model, 1.0)
        recover(model)
        result.metrics.append(evaluate(model))
        log(f"cycle bound reached at strength {rate:.3f}: switched fully on, metric {result.metrics[-1]:.4f}")
    result.rate = 1.0
    return result
