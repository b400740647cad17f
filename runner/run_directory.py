"""A run directory, read back: its report, its checkpointed artifacts, its chip (for scripts).

Every artifact is checked as the pipeline checks it (manifest shape, sha256) before it is read; opened
with its spec, stale checkpoints are refused too and models are rebuilt by the spec's own builder.
"""

import re
from functools import cached_property
from pathlib import Path

import numpy as np

import simulator
from mappers.hardware.hard_program import hard_program
from runner.engine.manifest import read_json
from runner.engine.store import CheckpointStore, CorruptCheckpoint
from runner.errors import UserError
from runner.models import build_for_spec, build_without_spec
from simulator.blocks import block_program
from simulator.hard_program import HardProgram, message_fanout

STEP_NAME = re.compile(r"[A-Za-z0-9_]+")


def _row_ok(row) -> bool:
    number = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    return (isinstance(row, dict) and isinstance(row.get("name"), str) and bool(STEP_NAME.fullmatch(row["name"]))
            and isinstance(row.get("status"), str) and (row.get("metric") is None or number(row["metric"]))
            and (row.get("split") is None or isinstance(row["split"], str))
            and number(row.get("seconds")) and isinstance(row.get("reused"), bool))


def _report(path: Path) -> dict:
    try:
        report = read_json(path / "report.json")
    except (OSError, ValueError) as error:
        raise UserError(f"{path}: not a run directory (no readable report.json); run the spec first") from error
    rows = report.get("steps") if isinstance(report, dict) else None
    if not isinstance(rows, list) or not all(_row_ok(row) for row in rows):
        raise UserError(f"{path}/report.json is not a run report (its steps are not rows of name, status, metric, "
                        "split, seconds, reused); rerun the spec to rewrite it")
    from runner.steps import STEPS
    for section, step in STEPS.items():
        problem = section in report and step.figures_problem(report[section])
        if problem:
            raise UserError(f"{path}/report.json: the {section} section's {problem}; rerun the spec to rewrite it")
    return report


class RunDirectory:
    """The checkpoints of a finished (or partial) run, newest version of each artifact first.

    `spec` (a spec file's path) is the spec the run was made from; without it, models of a torch module
    cannot be rebuilt and staleness is not checked."""

    def __init__(self, path, spec=None):
        self.path = Path(path)
        self.report = _report(self.path)
        self.spec, self.fingerprints, self._writes = None, None, {}
        rebuild = build_without_spec
        if spec is not None:
            from runner.api import open_pipeline
            threads = self.report.get("threads", 2)  # what the run trained with: the fingerprints depend on it
            device = self.report.get("device", "cpu")
            pipeline = open_pipeline(str(spec), workdir=str(self.path), quiet=True, validate=False,
                                     threads=threads if isinstance(threads, int) else 2,
                                     device=device if device in ("cpu", "cuda") else "cpu")
            self.spec, self.fingerprints = pipeline.spec, pipeline.fingerprints
            self._writes = {name: step.writes() for name, step in pipeline.chain}
            rebuild = lambda recipe: build_for_spec(pipeline.spec, recipe)
        self.store = CheckpointStore(self.path, rebuild)

    def _may_write(self, step: str, key: str) -> bool:
        if step in self._writes:
            return key in self._writes[step]
        try:
            return key in read_json(self.store.folder(step) / "manifest.json")["artifacts"]
        except (OSError, ValueError, KeyError, TypeError):
            return True  # an unreadable manifest may be the writer: inspect says what is wrong with it

    def written(self, key: str) -> bool:
        """Whether a done step may have written artifact `key` (its checkpoint is checked by `latest`)."""
        return any(row["status"] == "done" and self._may_write(row["name"], key) for row in self.report["steps"])

    def latest(self, key: str):
        """The last version of artifact `key` that a done step wrote; exit 2 naming the step when its
        checkpoint is missing, stale or corrupt."""
        for row in reversed(self.report["steps"]):
            name = row["name"]
            if row.get("status") != "done" or (self.fingerprints is not None and name not in self.fingerprints):
                continue
            if not self._may_write(name, key):
                continue
            checkpoint = self.store.inspect(name, self.fingerprints[name] if self.fingerprints else None,
                                            self._writes.get(name))
            if checkpoint.status == "done" and key in checkpoint.manifest["artifacts"]:
                try:
                    return self.store.load(name, key, checkpoint.manifest)
                except CorruptCheckpoint as error:
                    raise self._rerun(name, f"is corrupt: {error.detail}") from error
            if checkpoint.status != "done":
                why = {"missing": "is missing", "stale": "is stale (the spec changed since it was written)"}
                raise self._rerun(name, why.get(checkpoint.status, f"is corrupt: {checkpoint.detail}"))
        raise UserError(f"{self.path}: no step has written '{key}' yet")

    def _rerun(self, step: str, why: str) -> UserError:
        spec = self.spec.path if self.spec else "SPEC"
        return UserError(f"{self.path}: the checkpoint of step '{step}' {why}; rerun `runner {spec}` "
                         f"(with --workdir {self.path} if that is not the spec's own) to rebuild it")

    def hard_chip(self, mode: str | None = None, steps: int | None = None) -> HardProgram:
        """The deployed hard cores, in the run's spiking mode unless told otherwise."""
        simulation = self.report.get("simulation") or {}
        if self.spec is not None:
            simulation = {"mode": self.spec.spiking.mode, "steps": self.spec.spiking.steps}
        mode, steps = mode or simulation.get("mode"), steps or simulation.get("steps")
        if mode is None:
            raise UserError(f"{self.path}: the run has not simulated yet; name the mode and steps")
        threshold = self.spec.platform.threshold if self.spec is not None else "per_neuron"
        try:
            return hard_program(self.latest("hard_mapping"), mode, steps, threshold)
        except ValueError as error:
            raise UserError(f"{self.path}: the hard-core mapping cannot be deployed: {error}") from error

    def chip(self, mode: str | None = None, steps: int | None = None):
        """What the kernels run of the deployed hard cores, in the run's spiking mode unless told otherwise."""
        return block_program(self.hard_chip(mode, steps))

    @cached_property
    def deployed(self):
        """(what the kernels run of the deployed hard cores, the messages fanout), built once per run directory."""
        hard = self.hard_chip()
        return block_program(hard), message_fanout(hard)

    def simulate(self, x: np.ndarray, **options) -> simulator.SimulationOutput:
        """Run inputs (samples x features in [0, 1]) on the deployed chip with the Numba kernels, counting the
        messages that leave each hard core; the spec's spiking options (encoding, firing, delay...) when the run
        was opened with its spec, the simulator's defaults otherwise, `options` over either."""
        from runner.steps.chip_run import spiking_options
        program, fanout = self.deployed
        spec_options = spiking_options(self.spec) if self.spec is not None else {}
        try:
            return simulator.simulate(program, np.asarray(x, np.float64).reshape(len(x), -1),
                                      **{"fanout": fanout, **spec_options, **options})
        except ValueError as error:
            raise UserError(f"simulating {self.path}: {error}") from error
