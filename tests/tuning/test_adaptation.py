"""The progressive adaptation loop on a toy problem."""

import torch
from torch import nn

from runner.tuning.adaptation import adapt


class Toy(nn.Module):
    def __init__(self):
        super().__init__()
        self.strength = nn.Parameter(torch.tensor(0.0), requires_grad=False)
        self.trained = nn.Parameter(torch.tensor(0.0), requires_grad=False)


def run(model, tolerance, max_cycles, penalty):
    applied, evaluations = [], []

    def apply(m, rate):
        applied.append(rate)
        m.strength.fill_(rate)

    def evaluate(m):
        metric = 1.0 - penalty(float(m.strength)) + float(m.trained)
        evaluations.append(metric)
        return metric

    result = adapt(model, apply=apply, evaluate=evaluate, recover=lambda m: m.trained.add_(0.01),
                   max_cycles=max_cycles, tolerance=tolerance)
    return result, applied


def test_gentle_transformation_reaches_full_strength_in_one_cycle():
    result, applied = run(Toy(), tolerance=0.9, max_cycles=5, penalty=lambda s: 0.05 * s)
    assert result.rate == 1.0 and result.cycles == 1 and applied == [1.0]


def test_rejected_trial_halves_the_step_and_restores_the_model():
    model = Toy()
    seen = []
    original_load = model.load_state_dict
    model.load_state_dict = lambda state: (seen.append(float(state["strength"])), original_load(state))[1]
    result, applied = run(model, tolerance=0.95, max_cycles=3, penalty=lambda s: 0.3 * s * s)
    # Target 1.0. A cycle tries the whole rest, halving while 1 - 0.3 s^2 + 0.01 x recoveries < 0.95: cycle 1
    # takes 0.25 (0.98; 0.5 gave 0.925), cycle 2 0.4375 (0.953), cycle 3 0.47265625 (0.953); then fully on.
    assert applied == [1.0, 0.5, 0.25, 1.0, 0.625, 0.4375, 1.0, 0.71875, 0.578125, 0.5078125, 0.47265625, 1.0]
    assert seen == [0.0, 0.0, 0.25, 0.25, 0.4375, 0.4375, 0.4375, 0.4375]
    assert (result.rate, result.cycles, float(model.strength)) == (1.0, 3, 1.0)


def test_cycle_bound_is_respected_and_the_transformation_ends_fully_on():
    result, applied = run(Toy(), tolerance=0.999, max_cycles=2, penalty=lambda s: 0.5 * s)
    assert result.cycles == 2
    assert applied[-1] == 1.0
