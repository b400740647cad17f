"""The pipeline: resolve the spec into steps, reuse valid checkpoints, run the rest, report."""

import time
from pathlib import Path

from runner.engine.console import Console
from runner.engine.context import StepContext
from runner.engine.contracts import contract_errors, mode_errors, resolve_writers
from runner.engine.external import External
from runner.engine.fingerprint import changes, fingerprint, step_inputs
from runner.engine.lock import run_lock
from runner.engine.report import Report, previous_statuses
from runner.engine.resources import Resources
from runner.engine.run_dir import claim
from runner.engine.store import Checkpoint, CheckpointStore, CorruptCheckpoint
from runner.errors import UserError


class StepFailed(UserError):
    """A step ran but failed (exit status 1, or 2 when its input was bad); earlier checkpoints stay."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message, exit_code=exit_code)


class Pipeline:
    """The steps of one spec, their fingerprints and their checkpoints in `run_dir`."""

    def __init__(self, spec, registry: dict, *, rebuild, run_dir: Path | None = None, console: Console | None = None,
                 load_data=None, validate: bool = True, threads: int = 2, device: str = "cpu", workers: int = 1):
        self.spec = spec
        self.entries = list(spec.steps)
        self.chain = [(e.name, registry[e.type]) for e in self.entries]
        self._check_contracts(validate)
        self.run_dir = Path(run_dir or spec.workdir)
        self.run_dir_origin = "--workdir" if run_dir else f"the name/workdir of {spec.path}"
        self.store = CheckpointStore(self.run_dir, rebuild)
        self.console = console or Console()
        self.writers = resolve_writers(self.chain)
        self.threads = threads
        self.resources = Resources(threads, device, workers)
        self.inputs = self._inputs()
        self.fingerprints = {name: fingerprint(inputs) for name, inputs in self.inputs.items()}
        self._load_data = load_data
        self._data = None
        self._values: dict[tuple[str, str], object] = {}
        self._manifests: dict[str, dict] = {}

    def _check_contracts(self, validate: bool) -> None:
        """The chain's contracts; with `validate`, also each step's own checks (which may import the user's module)."""
        from runner.spec import spec_error
        errors = contract_errors(self.chain) + mode_errors(self.chain, self.spec.spiking.mode)
        if validate:
            errors += [(i, problem) for i, (_, step) in enumerate(self.chain) for problem in step.validate(self.spec)]
        errors.sort()
        if errors:
            lines = [spec_error(self.spec.path, self.entries[i].line, f"steps.{self.entries[i].name}", message)
                     for i, message in errors]
            raise UserError("\n".join(lines))

    def _inputs(self) -> dict[str, dict]:
        """Per step, everything its output depends on (known before anything runs)."""
        external, inputs, prints = External(self.spec), {}, {}
        for entry, (name, step), writers in zip(self.entries, self.chain, self.writers):
            upstream = {w: prints[w] for w in sorted(set(writers.values()))}
            inputs[name] = step_inputs(self.spec, entry, step, code=external.code(step),
                                       files=external.files(entry, step), resources=self.resources,
                                       upstream=upstream)
            prints[name] = fingerprint(inputs[name])
        return inputs

    def inspect(self, name: str, step) -> Checkpoint:
        """The checkpoint of step `name` as the store sees it, and corrupt when its figures are not the step's."""
        checkpoint = self.store.inspect(name, self.fingerprints[name], step.writes())
        problem = checkpoint.status == "done" and step.figures_problem(checkpoint.manifest.get("figures"))
        return Checkpoint("corrupt", None, f"manifest.json: {problem}") if problem else checkpoint

    def why(self, name: str, checkpoint) -> str:
        """Why the checkpoint of step `name` cannot be reused ('' when it can)."""
        if checkpoint.status == "stale":
            return "; ".join(changes(checkpoint.manifest.get("inputs"), self.inputs[name]))
        return {"corrupt": checkpoint.detail, "missing": "no checkpoint"}.get(checkpoint.status, "")

    def index(self, name: str, flag: str) -> int:
        """Position of step `name`, or a clear error naming the steps there are."""
        names = [n for n, _ in self.chain]
        if name not in names:
            raise UserError(f"{flag} {name}: no step of that name in {self.spec.path}; steps: {', '.join(names)}")
        return names.index(name)

    def status(self) -> list[dict]:
        """One row per step: name, status (done/stale/failed/pending), metric, seconds, why it is not done."""
        failed = previous_statuses(self.run_dir / "report.json")
        rows = []
        for name, step in self.chain:
            checkpoint = self.inspect(name, step)
            manifest = checkpoint.manifest or {}
            if checkpoint.status == "done":
                status = "done"
            elif failed.get(name) == "failed":
                status = "failed"
            elif checkpoint.status in ("stale", "corrupt"):
                status = "stale"
            else:
                status = "pending"
            rows.append({"name": name, "status": status, "metric": manifest.get("metric"),
                         "seconds": manifest.get("seconds"), "why": self.why(name, checkpoint)})
        return rows

    def run(self, from_step: str | None = None, until: str | None = None, adopt=None) -> dict:
        """Run the pipeline; returns the report. Reuses valid checkpoints before `from_step`. `adopt()`, called
        under the run's lock before checkpoints are read, may bring in checkpoints made elsewhere (a sweep's)."""
        start = self.index(from_step, "--from") if from_step else None
        stop = self.index(until, "--until") if until else len(self.chain) - 1
        if start is not None and stop < start:
            raise UserError(f"--until {until} comes before --from {from_step} in {self.spec.path}: nothing would "
                            "run; name a step at or after the --from step")
        claim(self.run_dir, self.spec.name, self.run_dir_origin)
        with run_lock(self.run_dir):
            if adopt is not None:
                adopt()
            checkpoints = [self.inspect(name, step) for name, step in self.chain]
            if start is not None:
                for (name, _), checkpoint in zip(self.chain[:start], checkpoints):
                    if checkpoint.status != "done":
                        raise UserError(f"--from {from_step}: the checkpoint of the earlier step '{name}' is "
                                        f"{checkpoint.status} in {self.run_dir}; run without --from to rebuild it")
            return self._run_steps(start, stop, checkpoints)

    def _reads(self, stop) -> set[tuple[str, str]]:
        """(writer, key) of every artifact that a step up to `stop` reads."""
        return {(writer, key) for i in range(stop + 1) for key, writer in self.writers[i].items()}

    def _load_problem(self, name: str, reads: set, from_step: str | None) -> str:
        """Load what later steps read of a reusable checkpoint; why it does not load ('' when it does)."""
        try:
            step = self.chain[self.index(name, "")][1]
            for writer, key in reads:
                problem = writer == name and step.output_problem(key, self._value(name, key), self.spec)
                if problem:
                    raise CorruptCheckpoint(name, problem)
            return ""
        except CorruptCheckpoint as error:
            if from_step is not None:
                raise UserError(f"--from {from_step}: {error}; run without --from to rebuild it") from error
            return error.detail

    def _run_steps(self, start, stop, checkpoints) -> dict:
        self.console.log_path = self.run_dir / "run.log"
        self.store.discard_staging()
        report = Report(self.run_dir / "report.json", self.spec.name, self.resources,
                        {name: step.metric_split for name, step in self.chain})
        previous_metric, reads, ran = None, self._reads(stop), set()
        from_step = self.chain[start][0] if start is not None else None
        for i in range(stop + 1):
            name, why = self.chain[i][0], self._why_run(i, checkpoints[i], start, ran)
            if not why:
                self._manifests[name] = checkpoints[i].manifest
                why = self._load_problem(name, reads, from_step)
            if why:
                self.console.log(f"[{name}] runs: {why}")
                metric, seconds = self._run_step(i, report, previous_metric)
                ran.add(name)
            else:
                manifest = checkpoints[i].manifest
                self.console.log(f"[{name}] reused checkpoint (metric {_fmt(manifest.get('metric'))})")
                metric, seconds = manifest.get("metric"), manifest.get("seconds", 0.0)
                self._add_figures(report, i, manifest)
            report.add_step(name, "done", metric, seconds, self.fingerprints[name], not why)
            if metric is not None:
                previous_metric = metric
        self._keep_later(report, stop, checkpoints, ran)
        return report.data

    def _why_run(self, i: int, checkpoint, start, ran: set) -> str:
        """Why step `i` runs rather than reuse its checkpoint ('' when it is reused)."""
        again = sorted(set(self.writers[i].values()) & ran)
        if again:
            return f"upstream step '{again[0]}' ran again"
        if start is not None and i >= start:
            return f"--from {self.chain[start][0]}"
        return self.why(self.chain[i][0], checkpoint)

    def _keep_later(self, report: Report, stop: int, checkpoints, ran: set) -> None:
        """After --until, the steps beyond it keep their record: done where nothing they read ran again."""
        for i in range(stop + 1, len(self.chain)):
            name, checkpoint = self.chain[i][0], checkpoints[i]
            if checkpoint.status != "done" or set(self.writers[i].values()) & ran:
                ran.add(name)  # its dependents are not current either
                report.add_step(name, "stale" if checkpoint.status != "missing" else "pending", None, 0.0,
                                self.fingerprints[name], False)
                continue
            manifest = checkpoint.manifest
            self._add_figures(report, i, manifest)
            report.add_step(name, "done", manifest.get("metric"), manifest.get("seconds", 0.0),
                            self.fingerprints[name], True)

    def _add_figures(self, report: Report, i: int, manifest: dict) -> None:
        if manifest.get("figures"):
            report.add_figures(self.entries[i].type, manifest["figures"])

    def _run_step(self, i: int, report: Report, previous_metric) -> tuple:
        entry, (name, step) = self.entries[i], self.chain[i]
        self.console.log(f"[{name}] running")
        inputs = {key: (lambda w=writer, k=key: self._value(w, k)) for key, writer in self.writers[i].items()}
        ctx = StepContext(spec=self.spec, entry=entry, step=step, inputs=inputs, data=self._get_data,
                          log=lambda m: self.console.log(f"[{name}] {m}"), progress=self.console.progress,
                          run_dir=self.run_dir, fingerprint=self.fingerprints[name], resources=self.resources)
        began = time.perf_counter()
        try:
            result = step().run(ctx)
        except UserError as error:
            self._fail(report, name, time.perf_counter() - began)
            raise StepFailed(f"step '{name}' failed: {error.message}", error.exit_code) from error
        seconds = time.perf_counter() - began
        missing = set(step.writes()) - set(ctx.outputs)
        if missing:
            self._fail(report, name, seconds)
            raise StepFailed(f"step '{name}' did not write {', '.join(sorted(missing))} as its contract promises")
        if result.metric is not None and step.metric_split is None:
            self._fail(report, name, seconds)
            raise StepFailed(f"step '{name}' returned a metric but declares no metric_split it is measured on")
        tolerance = self.spec.training.tolerance
        if result.metric is not None and previous_metric is not None and result.metric < tolerance * previous_metric:
            self._fail(report, name, seconds)
            raise StepFailed(f"step '{name}' dropped the metric to {result.metric:.4f}, below "
                             f"training.tolerance {tolerance} x the previous {previous_metric:.4f}")
        record = {"step": name, "type": entry.type, "fingerprint": self.fingerprints[name],
                  "inputs": self.inputs[name],
                  "metric": result.metric, "seconds": round(seconds, 3), "figures": result.figures}
        try:
            self._manifests[name] = self.store.save(name, record, ctx.outputs)
        except OSError as error:
            self._fail(report, name, seconds)
            raise StepFailed(f"cannot write the checkpoint of step '{name}' in {self.run_dir}: "
                             f"{error.strerror or error}; "
                             "free space or fix permissions and rerun (earlier checkpoints are intact)") from error
        for key, value in ctx.outputs.items():
            self._values[(name, key)] = value
        if result.figures:
            report.add_figures(entry.type, result.figures)
        self.console.log(f"[{name}] done in {seconds:.1f}s (metric {_fmt(result.metric)})")
        return result.metric, seconds

    def _fail(self, report: Report, name: str, seconds: float) -> None:
        report.add_step(name, "failed", None, seconds, self.fingerprints[name], False)

    def _value(self, writer: str, key: str):
        if (writer, key) not in self._values:
            self._values[(writer, key)] = self.store.load(writer, key, self._manifests[writer])
        return self._values[(writer, key)]

    def _get_data(self):
        if self._data is None:
            self._data = self._load_data(self.spec)
        return self._data


def _fmt(metric) -> str:
    return "-" if metric is None else f"{metric:.4f}"
