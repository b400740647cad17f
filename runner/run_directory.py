"""A run directory, read back: its report, its checkpointed artifacts, its chip (for scripts)."""

import json
from pathlib import Path

import numpy as np

import simulator
from mappers.hardware.lowering import chip_program
from runner.engine.store import CheckpointStore
from runner.errors import UserError


class RunDirectory:
    """The checkpoints of a finished (or partial) run, newest version of each artifact first."""

    def __init__(self, path):
        self.path = Path(path)
        self.store = CheckpointStore(self.path)
        try:
            self.report = json.loads((self.path / "report.json").read_text())
        except (OSError, ValueError) as error:
            raise UserError(f"{self.path}: not a run directory (no readable report.json); run the spec first") from error

    def latest(self, key: str):
        """The last version of artifact `key` that a done step wrote."""
        for step in reversed(self.report["steps"]):
            manifest_path = self.store.folder(step["name"]) / "manifest.json"
            if step["status"] == "done" and manifest_path.is_file():
                manifest = json.loads(manifest_path.read_text())
                if key in manifest.get("artifacts", {}):
                    return self.store.load(step["name"], key, manifest)
        raise UserError(f"{self.path}: no step has written '{key}' yet")

    def chip(self, mode: str | None = None, steps: int | None = None):
        """The chip program of the hard-core mapping, in the run's spiking mode unless told otherwise."""
        simulation = self.report.get("simulation", {})
        mode, steps = mode or simulation.get("mode"), steps or simulation.get("steps")
        if mode is None:
            raise UserError(f"{self.path}: the run has not simulated yet; name the mode and steps")
        return chip_program(self.latest("hard_mapping").ir, mode, steps)

    def simulate(self, x: np.ndarray, **options) -> simulator.SimulationOutput:
        """Run inputs (samples x features in [0, 1]) on the deployed chip with the Numba kernels."""
        try:
            return simulator.simulate(self.chip(), np.asarray(x, np.float64).reshape(len(x), -1), **options)
        except ValueError as error:
            raise UserError(f"simulating {self.path}: {error}") from error
