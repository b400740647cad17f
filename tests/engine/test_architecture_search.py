"""Architecture search: feasibility, determinism, and the layout-only estimate against the real mapping."""

import numpy as np
import pytest

from mappers.graph.scales import compute_per_source_scales
from mappers.hardware.estimate import estimate_cores
from mappers.hardware.mapping import map_hard_cores
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores
from mappers.zoo import Recipe, build_model
from runner.api import open_pipeline
from runner.errors import UserError
from tests.engine.conftest import SMALL

SEARCH = SMALL.replace("  - model_configuration\n", "  - architecture_search:\n      trials: 6\n"
                                                     "      proxy_epochs: 1\n"
                                                     "      core_budget: BUDGET\n").replace(
    "  config:\n    hidden:\n      - 24\n", "").replace("    - axons: 64\n      neurons: 16",
                                                        "    - axons: 257\n      neurons: 64")


def search_report(small_spec, tmp_path, budget, name="run"):
    spec = small_spec(SEARCH.replace("BUDGET", str(budget)))
    return open_pipeline(str(spec), workdir=str(tmp_path / name), quiet=True).run(until="architecture_search")


def test_search_is_deterministic_and_writes_its_front(small_spec, tmp_path):
    first = search_report(small_spec, tmp_path, 12, "a")
    second = search_report(small_spec, tmp_path, 12, "b")
    assert first["architecture_search"] == second["architecture_search"]
    assert (tmp_path / "a" / "pareto.png").stat().st_size > 1000
    assert (tmp_path / "a" / "pareto.json").read_text() == (tmp_path / "b" / "pareto.json").read_text()
    assert first["architecture_search"]["pareto"]


def test_impossible_budget_lists_the_closest_candidates(small_spec, tmp_path):
    with pytest.raises(UserError) as info:
        search_report(small_spec, tmp_path, 1)
    message = info.value.message
    assert "no feasible candidate within the core budget; closest:" in message
    assert message.count("hard cores (violation") == 3


@pytest.mark.parametrize("recipe,types", [
    (Recipe("mlp", {"hidden": [300, 40]}, (64,), 10), [(128, 64, 100)]),
    (Recipe("conv", {"channels": [8, 16], "pool_after": [1]}, (1, 8, 8), 10), [(64, 32, 500), (256, 64, 50)]),
    (Recipe("mixer", {}, (1, 28, 28), 10), [(257, 257, 40)]),
])
def test_layout_estimate_equals_the_real_hard_core_mapping(recipe, types):
    budget = CoreBudget(tuple((a, n) for a, n, _ in types), axon_tiling=True, partial_sum=True)
    estimate = estimate_cores(build_model(recipe), budget, np.array(types))
    trained_like = build_model(recipe)
    compute_per_source_scales(trained_like)
    real = map_hard_cores(map_soft_cores(trained_like, budget), np.array(types), "per_neuron")
    assert estimate.fits and estimate.hard_cores == real.hard_cores and estimate.lower_bound == real.lower_bound


def test_check_fails_before_training_when_the_model_cannot_fit(small_spec, tmp_path):
    import subprocess
    import sys
    spec = small_spec(SMALL.replace("      count: 16", "      count: 1"))
    result = subprocess.run([sys.executable, "-m", "runner.cli", str(spec), "--check"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "the model does not fit the chip: 3 soft cores on 2 hard cores" in result.stderr
