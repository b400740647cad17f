"""architecture_search (in place of model_configuration): pick the builder config by a stated rule
from a multi-objective search, in one process or several sharing the study's storage; the Pareto front is
saved as JSON and a PNG plot."""

import json
from dataclasses import asdict
from pathlib import Path

from runner.engine.atomic import write_atomic
from runner.engine.step import PipelineStep, StepResult
from runner.errors import UserError
from runner.search.nsga import candidates, search_job
from runner.search.plot import plot_front
from runner.search.spaces import SPACES
from runner.search.storage import has_heartbeat, open_storage, resolved, shown
from runner.search.study import open_study, work
from runner.search.workers import end_helpers, start_helpers
from runner.steps.model_configuration import recipe_problem
from runner.steps.reads import CORE_BUDGET, TRAINING

DEFAULT_STORAGE = "search.db"
"""The study's file in the run directory when `--workers N` runs it and the spec names no storage."""


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


def storage_url(ctx) -> str | None:
    """The spec's storage (relative files against the spec's folder); with `--workers N` and none named, a SQLite
    file in the run directory; else None (the study lives in memory)."""
    if ctx.params.get("storage"):
        return resolved(ctx.params["storage"], Path(ctx.spec.path).parent)
    return f"sqlite:///{(ctx.run_dir / DEFAULT_STORAGE).resolve()}" if ctx.workers > 1 else None


class ArchitectureSearchStep(PipelineStep):
    type = "architecture_search"
    metric_split = "validation"
    promises = ("recipe", "search")
    reads = ("model.builder", "data", "seed") + CORE_BUDGET + TRAINING
    trains = True

    @classmethod
    def output_problem(cls, key, value, spec):
        chosen = value.get("config") if key == "recipe" and isinstance(value, dict) else None
        return recipe_problem(value, spec, chosen) if key == "recipe" else None

    @classmethod
    def validate(cls, spec) -> list[str]:
        if spec.model.builder not in SPACES:
            return [f"builder '{spec.model.builder}' declares no search space; searchable: {', '.join(SPACES)}"]
        problems = []
        for entry in (e for e in spec.steps if e.type == cls.type):
            url = entry.params.get("storage")
            if url and entry.params.get("heartbeat") and not has_heartbeat(url):
                problems.append("heartbeat: the journal storage has no heartbeat (a dead worker's trial is not "
                                "retried): use an RDB storage (sqlite:///FILE, postgresql://...) or drop heartbeat")
        return problems

    def run(self, ctx) -> StepResult:
        spec, params = ctx.spec, ctx.params
        url = storage_url(ctx)
        storage = url and open_storage(url, params.get("heartbeat"), f"{spec.path}:{ctx.entry.line}")
        job = search_job(spec, params, ctx.data, ctx.device)
        name = f"{spec.name}.{ctx.entry.name}.{ctx.fingerprint}"
        study = open_study(storage, name, job)
        if url:
            ctx.log(f"study {name} in {shown(url)}")
        helpers = start_helpers(ctx.workers - 1, spec=str(Path(spec.path).resolve()), step=ctx.entry.name,
                                storage=url, study=name, threads=ctx.threads, device=str(ctx.device),
                                log=ctx.log) if ctx.workers > 1 else []
        bar, failed = ctx.progress(params["trials"], "search trials"), True
        try:
            abandoned = work(study, job, log=ctx.log, progress=bar.update)
            failed = False
        finally:
            end_helpers(helpers, ctx.log, stop=failed)
            bar.close()
        found = candidates(study)
        chosen = choose(found, params["select"])
        summary = {"rule": params["select"], "core_budget": job.core_limit, "chosen": chosen.number,
                   "storage": url and shown(url), "study": name, "abandoned": abandoned,
                   "trials": [asdict(c) for c in found]}
        write_atomic(ctx.run_dir / "pareto.json", json.dumps(summary, indent=1).encode())
        plot_front(found, chosen, ctx.run_dir / "pareto.png")
        ctx.log(f"chose trial {chosen.number}: {chosen.config} (accuracy {chosen.accuracy:.4f}, "
                f"{chosen.hard_cores} hard cores, {chosen.parameters:,} parameters) of {len(found)} completed "
                f"trials; front: {ctx.run_dir / 'pareto.png'}")
        ctx.put("recipe", {"builder": spec.model.builder, "config": chosen.config,
                           "input_shape": list(ctx.data.input_shape), "n_classes": ctx.data.n_classes})
        ctx.put("search", summary)
        return StepResult(metric=chosen.accuracy, figures={"chosen": chosen.config, "trials": len(found),
                                                            "pareto": [c.number for c in found if c.pareto]})
