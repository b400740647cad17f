"""The validated spec as frozen, typed settings."""

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from simulator.energy import PRESETS, EnergyCosts


@dataclass(frozen=True)
class CoreType:
    axons: int
    neurons: int
    count: int


@dataclass(frozen=True)
class EnergySettings:
    """The per-event costs the simulation prices its events with, and the preset they come from (or `custom`)."""

    preset: str
    costs: EnergyCosts

    @classmethod
    def of(cls, value: dict, cost_keys: dict[str, str]) -> "EnergySettings":
        """From the validated `platform.energy`: a preset, or `custom` with a cost under each of `cost_keys`."""
        if value["preset"] != "custom":
            return cls(value["preset"], PRESETS[value["preset"]])
        return cls("custom", EnergyCosts(**{event: value[key] for event, key in cost_keys.items()}))


@dataclass(frozen=True)
class PlatformSettings:
    cores: tuple[CoreType, ...]
    weight_bits: int
    threshold: str
    allow_axon_tiling: bool
    partial_sum_cores: bool
    max_pool: str
    cycle_ns: float | None = None
    energy: EnergySettings = EnergySettings("loihi", PRESETS["loihi"])


@dataclass(frozen=True)
class SpikingSettings:
    mode: str
    steps: int
    encoding: str = "uniform"
    firing: str = "default"
    thresholding: str = "<"
    synaptic_delay: int = 0
    evaluation: str = "closed_form"


@dataclass(frozen=True)
class AugmentationSettings:
    """Random translation by up to `shift` pixels per axis (zero padding); random left-right `flip`."""

    shift: int
    flip: bool


@dataclass(frozen=True)
class TrainingSettings:
    lr: float
    epochs: int
    batch_size: int
    tolerance: float
    weight_decay: float
    optimizer: str
    label_smoothing: float
    augmentation: AugmentationSettings
    precision: str


@dataclass(frozen=True)
class ModelSettings:
    builder: str
    config: Mapping


@dataclass(frozen=True)
class StepEntry:
    """One pipeline entry: its step `type`, instance `name` (`as:`), parameters and line."""

    type: str
    name: str
    params: Mapping
    line: int


@dataclass(frozen=True)
class Spec:
    """A validated spec; `sections` keeps each section's plain form for fingerprints."""

    path: str
    name: str
    seed: int
    workdir: str
    model: ModelSettings
    platform: PlatformSettings
    spiking: SpikingSettings
    training: TrainingSettings
    steps: tuple[StepEntry, ...]
    sections: Mapping = field(default_factory=dict)
    device: str = "auto"
    lines: Mapping = field(default_factory=dict)
    """The line of each top-level key the spec writes."""

    def section(self, name: str) -> dict:
        """A plain (JSON-serializable) copy of a section, for fingerprints and recipes."""
        return copy.deepcopy(self.sections[name])

    def resolve(self, path: str) -> Path:
        """A path the spec names: absolute as given, else relative to the spec's folder."""
        return Path(self.path).parent / path

    def step_param(self, step_type: str, key: str):
        """Parameter `key` of the first step of type `step_type` that sets it (None when none does)."""
        return next((e.params[key] for e in self.steps if e.type == step_type and e.params.get(key) is not None),
                    None)

    def training_for(self, entry: StepEntry) -> TrainingSettings:
        """The training section with the step's own `epochs`, `lr`, `batch_size` applied."""
        overrides = {k: entry.params[k] for k in ("epochs", "lr", "batch_size") if entry.params.get(k) is not None}
        return replace(self.training, **overrides)


def frozen(value):
    """Read-only view of nested plain values (dicts become mapping proxies, lists tuples)."""
    if isinstance(value, dict):
        return MappingProxyType({k: frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(frozen(v) for v in value)
    return value
