"""Open a spec as a pipeline: what the CLI and scripts share."""

from pathlib import Path

from runner.data import load_data
from runner.device import resolve_device
from runner.engine.console import Console
from runner.engine.pipeline import Pipeline
from runner.models import build_for_spec
from runner.spec import load_spec
from runner.steps import STEPS

SPLIT_KEYS = ("provider", "validation", "test")


def data_for(spec):
    """The spec's data splits (in memory)."""
    section = spec.section("data")
    options = {k: v for k, v in section.items() if k not in SPLIT_KEYS}
    return load_data(section["provider"], seed=spec.seed, validation=section.get("validation"),
                     test=section.get("test"), **options)


def open_pipeline(spec_path: str, *, workdir: str | None = None, quiet: bool = False,
                  validate: bool = True, threads: int = 2, device: str | None = None, workers: int = 1) -> Pipeline:
    """Load and check `spec_path` (with `validate`, also each step's checks, which may import the spec's
    torch module); the pipeline runs in `workdir` or the spec's own run directory, training with `threads` on
    `device` (None: the spec's `device:`, resolved), an architecture search in `workers` processes."""
    spec = load_spec(spec_path)
    return Pipeline(spec, STEPS, rebuild=lambda recipe: build_for_spec(spec, recipe),
                    run_dir=Path(workdir) if workdir else None, console=Console(quiet), load_data=data_for,
                    validate=validate, threads=threads, device=resolve_device(device, spec, strict=validate),
                    workers=workers)
