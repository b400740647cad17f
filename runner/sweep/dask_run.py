"""The sweep's tasks on Dask: a LocalCluster of single-threaded worker processes, or an existing scheduler; one
progress line per finished task (variants and steps done, running, waiting)."""

import logging
import secrets
from contextlib import contextmanager

from runner.errors import UserError
from runner.sweep.work import run_task

WORKER_IMPORTS = ["distributed", "runner.sweep.work", "sklearn.datasets"]
"""What the local workers' forkserver imports once, before it forks them: the runner and the embedded data set's
library."""


@contextmanager
def dask_client(workers: int, scheduler: str | None, start_method: str = "spawn"):
    """A client of the scheduler at `scheduler`, or of a loopback LocalCluster of `workers` processes started by
    `start_method` (its log stays quiet: the progress lines say what failed)."""
    import dask
    from distributed import Client, LocalCluster
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            raise UserError(f"--scheduler {scheduler}: no Dask scheduler answers there ({error}); start one with "
                            "`dask scheduler` and workers with `dask worker ADDRESS`, or leave the flag out to run "
                            "on this machine") from error
        with client:
            yield client
        return
    with dask.config.set({"distributed.worker.multiprocessing-method": start_method}), \
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address=None, silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        yield client


def start_forkserver() -> str:
    """The start method of local workers: forkserver where there is one, started at once so that it imports
    WORKER_IMPORTS while the sweep is validated (Dask's workers are then forked from it); spawn elsewhere."""
    import multiprocessing
    from multiprocessing import forkserver
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return "spawn"
    multiprocessing.get_context("forkserver").set_forkserver_preload(WORKER_IMPORTS)
    forkserver.ensure_running()
    return "forkserver"


def run_tasks(client, tasks: dict, finals: list[str], threads: int, log) -> dict:
    """Submit every task after the ones it needs; the result (a run's report) or exception of each, by key."""
    from distributed import as_completed
    token = secrets.token_hex(4)
    futures = {}
    for key, task in tasks.items():
        futures[key] = client.submit(run_task, task, threads, *(futures[k] for k in task.needs),
                                     key=f"{key}@{token}", pure=False)
    names = {future.key: key for key, future in futures.items()}
    outcomes, steps = {}, sum(len(task.steps) for task in tasks.values())
    for future in as_completed(futures.values()):
        key = names[future.key]
        outcomes[key] = future.exception() if future.status == "error" else future.result()
        running = {names[k] for keys in client.processing().values() for k in keys if k in names} - set(outcomes)
        done = sum(len(tasks[k].steps) for k in outcomes)
        log(f"sweep: steps {done}/{steps} and tasks {len(outcomes)}/{len(tasks)} done, variants "
            f"{sum(k in outcomes for k in finals)}/{len(finals)} finished, {len(running)} tasks on workers, "
            f"{len(tasks) - len(outcomes) - len(running)} waiting; {tasks[key].label}: "
            f"{_outcome(tasks[key], outcomes[key])}")
    return outcomes


def computed(task, outcome) -> dict[str, float]:
    """The task's steps that ran (not reused from an earlier run) and their seconds; none when it failed."""
    if not isinstance(outcome, dict):
        return {}
    return {r["name"]: r["seconds"] for r in outcome["steps"] if r["name"] in task.steps and not r["reused"]}


def _outcome(task, outcome) -> str:
    if isinstance(outcome, BaseException):
        return f"failed: {getattr(outcome, 'message', outcome)}"
    ran = computed(task, outcome)
    work = f"{len(ran)} of {len(task.steps)} step(s) computed in {sum(ran.values()):.1f}s" if task.steps else ""
    return ", ".join(filter(None, [work, "variant complete" if task.complete else ""]))
