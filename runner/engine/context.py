"""What a running step sees: its parameters, the spec keys it declared, the data, and the shared state."""

import copy
from typing import Callable

import torch

from runner.engine.spec_view import SpecView, UndeclaredRead
from runner.engine.resources import Resources
from runner.engine.step import PipelineStep


class StepContext:
    """Gives a step its inputs and takes its outputs; inputs it only `requires` are read-only."""

    def __init__(self, *, spec, entry, step: type[PipelineStep], inputs: dict[str, Callable],
                 data: Callable, log: Callable, progress: Callable, run_dir, fingerprint: str = "",
                 resources=None):
        self.spec = SpecView(spec, entry, step.reads)
        self.run_dir = run_dir
        self.entry = entry
        self.params = entry.params
        self.step = step
        self._inputs = inputs
        self._data = data
        self.log = log
        self.progress = progress
        self.outputs: dict = {}
        self.fingerprint = fingerprint
        self.resources = resources or Resources()

    @property
    def device(self) -> torch.device:
        """Where the step runs torch (training, adaptation, the torch reference): an input of its fingerprint, so
        only a step that `trains` or runs `on_device` reads it."""
        if not (self.step.trains or self.step.on_device):
            raise UndeclaredRead(f"step '{self.entry.name}' read the device without declaring `trains` or `on_device`")
        return torch.device(self.resources.device)

    @property
    def threads(self) -> int:
        return self.resources.threads

    @property
    def workers(self) -> int:
        """Processes an architecture search runs its trials in on this machine (`--workers`)."""
        return self.resources.workers

    @property
    def data(self):
        """The data splits (a declared read of `data`)."""
        self.spec.section("data")
        return self._data()

    @property
    def training(self):
        """Training settings with this step's own overrides applied (each field a declared read)."""
        return self.spec.training()

    def get(self, key: str):
        """The latest version of `key`; a private copy when this step updates it."""
        if key not in self._inputs:
            raise KeyError(f"step '{self.entry.name}' did not declare '{key}' in requires or updates")
        value = self._inputs[key]()
        return copy.deepcopy(value) if key in self.step.updates else value

    def put(self, key: str, value) -> None:
        if key not in self.step.writes():
            raise KeyError(f"step '{self.entry.name}' did not declare '{key}' in promises or updates")
        self.outputs[key] = value
