"""What a worker runs for one task: the variant's own pipeline in its own run directory, up to the task's last
step (or to its end), with the checkpoints other variants computed brought in first."""

from pathlib import Path

from runner.api import open_pipeline
from runner.sweep.plan import Task
from runner.sweep.share import adopt


def run_task(task: Task, threads: int, *needed) -> dict:
    """The run's report (report.json's content). `needed` are the results of the tasks it waits for (Dask passes
    them: they order the work)."""
    from runner.cli import set_threads
    pipeline = open_pipeline(task.spec, workdir=task.run_dir, quiet=True, validate=False, threads=threads)
    set_threads(threads)
    steps = dict(pipeline.chain)

    def bring_in():
        for name, donor in task.donors:
            if pipeline.inspect(name, steps[name]).status != "done":
                adopt(pipeline.store, Path(donor), name, pipeline.fingerprints[name], steps[name].writes())

    return pipeline.run(until=None if task.complete else task.steps[-1], adopt=bring_in)
