"""The sweep's work as tasks: each distinct step (name and fingerprint) once, consecutive steps that the same
variants share in one task, run in the folder of the first of those variants after the tasks before it; then one
task per variant that completes its run directory from the shared checkpoints (its last steps' task, when it
computes them itself)."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Task:
    """Steps to compute (`steps`, in order) in run directory `run_dir`, and with `complete` the rest of its run.

    `donors` are (step, run directory) of the steps before `steps` that another variant computes; `needs` the task
    keys that must be done first; `shared_by` the run directories of the variants whose runs have these steps."""

    key: str
    spec: str
    run_dir: str
    steps: tuple[str, ...]
    donors: tuple[tuple[str, str], ...]
    needs: tuple[str, ...]
    complete: bool
    shared_by: tuple[str, ...]

    @property
    def label(self) -> str:
        if not self.steps:
            return Path(self.run_dir).name
        steps = self.steps[0] if len(self.steps) == 1 else f"{self.steps[0]}..{self.steps[-1]}"
        return f"{steps} in {Path(self.run_dir).name}"


def step_keys(pipeline) -> list[str]:
    """Each step of the pipeline as the work it is: its name and fingerprint."""
    return [f"{name}-{pipeline.fingerprints[name]}" for name, _ in pipeline.chain]


def plan(pipelines) -> tuple[dict[str, Task], list[str]]:
    """The tasks by key (every task after those it needs) and each variant's completing task's key."""
    folders = [str(Path(p.run_dir).resolve()) for p in pipelines]
    specs = [str(Path(p.spec.path).resolve()) for p in pipelines]
    keys = [step_keys(p) for p in pipelines]
    sharers = {}
    for v, chain in enumerate(keys):
        for key in chain:
            sharers.setdefault(key, []).append(v)
    segments, task_of = {}, {}
    for v, chain in enumerate(keys):
        starts = [i for i in range(len(chain)) if i == 0 or sharers[chain[i]] != sharers[chain[i - 1]]]
        for start, end in zip(starts, starts[1:] + [len(chain)]):
            segments.setdefault(chain[end - 1], (start, end))
            task_of.update({k: chain[end - 1] for k in chain[start:end]})
    tasks = {}
    for key, (start, end) in sorted(segments.items(), key=lambda item: item[1]):  # by position: needs come first
        owner = sharers[key][0]
        names, chain = [n for n, _ in pipelines[owner].chain], keys[owner]
        needs = sorted({task_of[keys[u][start - 1]] for u in sharers[key]}) if start else []
        donors = tuple((names[i], folders[sharers[chain[i]][0]]) for i in range(start)
                       if sharers[chain[i]][0] != owner)
        tasks[key] = Task(key, specs[owner], folders[owner], tuple(names[start:end]), donors, tuple(needs),
                          complete=end == len(chain), shared_by=tuple(folders[u] for u in sharers[key]))
    finals = []
    for v, chain in enumerate(keys):
        if sharers[chain[-1]][0] == v:
            finals.append(chain[-1])
            continue
        names = [n for n, _ in pipelines[v].chain]
        donors = tuple((n, folders[sharers[k][0]]) for n, k in zip(names, chain) if sharers[k][0] != v)
        key = f"variant-{pipelines[v].spec.name}"
        tasks[key] = Task(key, specs[v], folders[v], (), donors, (task_of[chain[-1]],), complete=True,
                          shared_by=(folders[v],))
        finals.append(key)
    return tasks, finals
