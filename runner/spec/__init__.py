"""The strictly validated YAML spec: load it, or get every mistake with its file:line."""

from runner.spec.loader import load_spec, spec_error
from runner.spec.settings import Spec, StepEntry

__all__ = ["Spec", "StepEntry", "load_spec", "spec_error"]
