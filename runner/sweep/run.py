"""run_sweep: a sweep file in; its variants' run directories, sweep.json and sweep.md out."""

import json
import time
from pathlib import Path

from runner.engine.atomic import write_atomic
from runner.engine.console import Console
from runner.engine.lock import run_lock
from runner.engine.run_dir import claim
from runner.sweep.dask_run import dask_client, run_tasks, start_forkserver
from runner.sweep.markdown import write_markdown
from runner.sweep.plan import plan
from runner.sweep.rows import totals, variant_rows
from runner.sweep.sweep_file import load_sweep
from runner.sweep.variants import prepare


def run_sweep(path, *, workdir: str | None = None, workers: int = 2, scheduler: str | None = None,
              threads: int = 1, quiet: bool = False) -> dict:
    """Validate the sweep and every variant, run the distinct steps on Dask, write the report; returns
    sweep.json's content."""
    sweep = load_sweep(path, workdir)
    claim(sweep.folder, f"sweep {sweep.name}", "--workdir" if workdir else f"the name/workdir of {path}")
    console = Console(quiet)
    with run_lock(sweep.folder):
        console.log_path = sweep.folder / "sweep.log"
        start_method = None if scheduler else start_forkserver()
        pipelines = prepare(sweep, threads)
        tasks, finals = plan(pipelines)
        where = scheduler or f"a local cluster of {workers} worker process(es)"
        console.log(f"sweep {sweep.name}: {len(finals)} variants, {sum(len(p.chain) for p in pipelines)} steps, "
                    f"{sum(len(t.steps) for t in tasks.values())} distinct, in {len(tasks)} tasks; on {where}")
        began = time.perf_counter()
        with dask_client(workers, scheduler, start_method) as client:
            outcomes = run_tasks(client, tasks, finals, threads, console.log)
        seconds = time.perf_counter() - began
        rows = variant_rows(sweep, pipelines, tasks, finals, outcomes)
        summary = totals(rows, tasks, seconds, scheduler or f"{workers} local worker(s)", threads)
        result = {"sweep": sweep.name, "spec": str(sweep.base), "keys": list(sweep.keys), "totals": summary,
                  "variants": rows}
        write_atomic(sweep.folder / "sweep.json", json.dumps(result, indent=1).encode())
        written = write_markdown(Path(sweep.folder), sweep.name, rows, summary, sweep.keys)
        console.log(f"sweep {sweep.name}: {summary['steps_computed']} steps computed, {summary['steps_reused']} "
                    f"reused, in {summary['seconds']} s; wrote {written}")
    return result
