"""architecture_search (in place of model_configuration): pick the builder config by a stated rule
from a multi-objective search; the Pareto front is saved as JSON and a PNG plot."""

import json
from dataclasses import asdict

from runner.check import platform_budget
from runner.engine.atomic import write_atomic
from runner.engine.step import PipelineStep, StepResult
from runner.steps.model_configuration import recipe_problem
from runner.steps.reads import TRAINING
from runner.errors import UserError
from runner.search.nsga import search
from runner.search.plot import plot_front
from runner.search.spaces import SPACES


def choose(candidates, rule: str):
    """`most_accurate`: best accuracy, then fewer cores; `fewest_cores`: fewest cores within 1 point of the best."""
    feasible = [c for c in candidates if c.feasible]
    if not feasible:
        closest = sorted(candidates, key=lambda c: (c.violation, -c.accuracy))[:3]
        listed = "; ".join(f"{c.config} needs {c.hard_cores} hard cores (violation {c.violation:g})" for c in closest)
        raise UserError(f"architecture_search: no feasible candidate within the core budget; closest: {listed}")
    if rule == "fewest_cores":
        best = max(c.accuracy for c in feasible)
        return min((c for c in feasible if c.accuracy >= best - 0.01), key=lambda c: (c.hard_cores, -c.accuracy))
    return max(feasible, key=lambda c: (c.accuracy, -c.hard_cores, -c.parameters))


class ArchitectureSearchStep(PipelineStep):
    type = "architecture_search"
    metric_split = "validation"
    promises = ("recipe", "search")
    reads = ("model.builder", "data", "platform", "seed") + TRAINING
    trains = True

    @classmethod
    def output_problem(cls, key, value, spec):
        chosen = value.get("config") if key == "recipe" and isinstance(value, dict) else None
        return recipe_problem(value, spec, chosen) if key == "recipe" else None

    @classmethod
    def validate(cls, spec) -> list[str]:
        if spec.model.builder not in SPACES:
            return [f"builder '{spec.model.builder}' declares no search space; searchable: {', '.join(SPACES)}"]
        return []

    def run(self, ctx) -> StepResult:
        spec, params, data = ctx.spec, ctx.params, ctx.data
        budget, types = platform_budget(spec.platform)
        limit = params.get("core_budget") or int(types[:, 2].sum())
        bar = ctx.progress(params["trials"], "search trials")
        candidates = search(SPACES[spec.model.builder], spec.model.builder, data, ctx.training, budget=budget,
                            core_types=types, core_limit=limit, trials=params["trials"], epochs=params["proxy_epochs"],
                            seed=spec.seed, timeout=params["timeout"], progress=bar.update, log=ctx.log)
        bar.close()
        chosen = choose(candidates, params["select"])
        front = [asdict(c) for c in candidates]
        summary = {"rule": params["select"], "core_budget": limit, "chosen": chosen.number, "trials": front}
        write_atomic(ctx.run_dir / "pareto.json", json.dumps(summary, indent=1).encode())
        plot_front(candidates, chosen, ctx.run_dir / "pareto.png")
        ctx.log(f"chose trial {chosen.number}: {chosen.config} (accuracy {chosen.accuracy:.4f}, "
                f"{chosen.hard_cores} hard cores, {chosen.parameters:,} parameters); "
                f"front: {ctx.run_dir / 'pareto.png'}")
        ctx.put("recipe", {"builder": spec.model.builder, "config": chosen.config,
                           "input_shape": list(data.input_shape), "n_classes": data.n_classes})
        ctx.put("search", summary)
        return StepResult(metric=chosen.accuracy, figures={"chosen": chosen.config, "trials": len(candidates),
                                                            "pareto": [c.number for c in candidates if c.pareto]})
