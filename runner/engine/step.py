"""The PipelineStep contract: what a step reads, writes, replaces and removes in the shared state."""

from dataclasses import dataclass
from typing import ClassVar


@dataclass
class StepResult:
    """A step's `metric` (accuracy on the step's `metric_split`; None before a model exists) and figures for the
    report."""

    metric: float | None = None
    figures: dict | None = None


class PipelineStep:
    """Subclasses declare their contract and implement `run(ctx)`.

    Keys are unqualified (`model`); the engine stores what a step writes under the step's
    own name, and `requires` resolves to the latest version written before the step.
    """

    type: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()
    promises: ClassVar[tuple[str, ...]] = ()
    updates: ClassVar[tuple[str, ...]] = ()
    clears: ClassVar[tuple[str, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ()
    """Spec keys the step reads, dotted (`spiking.mode`; `data` and `seed` included): their values are part
    of its fingerprint, and reading any other key fails."""
    files: ClassVar[tuple[str, ...]] = ()
    """External files the step reads, by kind: `model_source` (the torch module and the files it imports),
    `weights` (the `path` parameter); the data's files come with `data`."""
    trains: ClassVar[bool] = False
    """Whether the step trains (its result then depends on the thread count and the device)."""
    on_device: ClassVar[bool] = False
    """Whether the step runs torch on the run's device without training (the torch reference): its result then
    depends on the device, as a training step's does."""
    modes: ClassVar[tuple[str, ...] | None] = None
    """Spiking modes the step applies to (None: every mode)."""
    metric_split: ClassVar[str | None] = None
    """The data split the step's metric is measured on (`validation` or `test`); None for a step without a
    metric. Recorded per step in report.json; report.md plots one series per split."""

    figure_checks: ClassVar[dict] = {}
    """Figures the report's readers format, by name, with a predicate their value must satisfy (a checkpoint
    whose figures fail one is corrupt)."""

    @classmethod
    def figures_problem(cls, figures: dict | None) -> str | None:
        """The first figure of a stored checkpoint that is not what this step writes (None when all are)."""
        wrong = [name for name, ok in cls.figure_checks.items() if not ok((figures or {}).get(name))]
        return f"figure {wrong[0]!r} is not what the step writes" if wrong else None

    @classmethod
    def output_problem(cls, key: str, value, spec) -> str | None:
        """Why a stored output cannot be what this step makes of `spec` (None when it can): a step whose output
        the spec determines checks it, so a tampered checkpoint is re-made, never followed."""
        return None

    @classmethod
    def validate(cls, spec) -> list[str]:
        """Problems with the spec this step can see before anything runs (reported like spec errors)."""
        return []

    def run(self, ctx) -> StepResult:
        raise NotImplementedError

    @classmethod
    def writes(cls) -> tuple[str, ...]:
        return cls.promises + cls.updates
