"""sweep.json: one row per variant (its overrides, the simulation's figures, what it computed and reused) and the
sweep's totals."""

import json

from runner.sweep.dask_run import computed

FIGURES = ("float_accuracy", "model_accuracy", "accuracy", "model_agreement", "soft_cores", "hard_cores",
           "latency_cycles")
"""The simulation's figures a row copies."""


def plain(value):
    """A YAML value of the sweep file as plain JSON (lists, dicts, numbers, strings)."""
    return json.loads(json.dumps(value))


def variant_rows(sweep, pipelines, tasks: dict, finals: list[str], outcomes: dict) -> list[dict]:
    """One row per variant; a variant whose run failed has `status` saying why and no figures. A step is reused
    when it is done and was not computed for the variant (another variant's, or an earlier sweep's)."""
    rows = []
    for variant, pipeline, final in zip(sweep.variants, pipelines, finals):
        folder = tasks[final].run_dir
        mine = [task for task in tasks.values() if folder in task.shared_by]
        ran = {name: s for task in mine if task.run_dir == folder
               for name, s in computed(task, outcomes.get(task.key)).items()}
        done = sum(len(task.steps) for task in mine if isinstance(outcomes.get(task.key), dict))
        report = outcomes.get(final)
        row = {"variant": variant.name, "overrides": {o.key: plain(o.value) for o in variant.overrides},
               "status": "done" if isinstance(report, dict) else f"failed: {getattr(report, 'message', report)}"}
        simulation = report.get("simulation", {}) if isinstance(report, dict) else {}
        row.update({figure: simulation.get(figure) for figure in FIGURES})
        row["energy_nj"] = simulation.get("energy", {}).get("nj_per_inference")
        row.update(seconds_computed=round(sum(ran.values()), 3), steps=len(pipeline.chain),
                   steps_computed=len(ran), steps_reused=done - len(ran))
        rows.append(row)
    return rows


def totals(rows: list[dict], tasks: dict, seconds: float, workers: str, threads: int) -> dict:
    """What the sweep computed against what its variants' runs would have: distinct steps, steps computed."""
    return {"variants": len(rows), "variant_steps": sum(r["steps"] for r in rows),
            "distinct_steps": sum(len(t.steps) for t in tasks.values()),
            "steps_computed": sum(r["steps_computed"] for r in rows),
            "steps_reused": sum(r["steps_reused"] for r in rows), "seconds": round(seconds, 1),
            "seconds_computed": round(sum(r["seconds_computed"] for r in rows), 1), "workers": workers,
            "threads": threads, "failed": sum(r["status"] != "done" for r in rows)}
