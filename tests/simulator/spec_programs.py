"""The chip program of a spec's architecture, mapped onto its platform, with random integer weights."""

import dataclasses
import hashlib
from pathlib import Path

import numpy as np
import torch

from mappers.graph.scales import compute_per_source_scales
from mappers.hardware.lowering import chip_program
from mappers.hardware.mapping import map_hard_cores
from mappers.ir.soft_mapping import map_soft_cores
from mappers.zoo import Recipe, build_model
from runner.check import platform_budget
from runner.data import input_shape
from runner.spec import load_spec
from runner.models import resolved_config
from tests.specs import SPEC_FILES

SPECS = [p.stem for p in SPEC_FILES]


def spec_ir(name: str, **platform):
    """(spec, IR) of spec/<name>.yaml with the builder's default weights (nothing is trained), on its platform
    with the `platform` settings changed."""
    spec = load_spec(Path(__file__).resolve().parents[2] / "spec" / f"{name}.yaml")
    model, data = spec.section("model"), spec.section("data")
    config = resolved_config(spec)
    torch.manual_seed(0)
    graph = build_model(Recipe(model["builder"], config, input_shape(**data), data.get("classes", 10))).eval()
    compute_per_source_scales(graph)
    return spec, map_soft_cores(graph, platform_budget(dataclasses.replace(spec.platform, **platform))[0])


def random_integer_ir(ir, seed: int, steps: int):
    """The IR with random 8-bit weights and thresholds that leave some neurons silent, some saturated.

    Cores that shared one weight matrix still share one, as all positions of a convolution do.
    """
    rng, drawn = np.random.default_rng(seed), {}
    cores = []
    for core in ir.cores:
        key = (core.weights.shape, hashlib.blake2b(np.ascontiguousarray(core.weights).tobytes()).digest())
        if key not in drawn:
            weights = rng.integers(-127, 128, core.weights.shape)
            reach = np.abs(weights).sum(0) * steps // 6 + 2
            drawn[key] = weights, rng.integers(1, reach)
        weights, thresholds = drawn[key]
        cores.append(dataclasses.replace(core, weights=weights, thresholds=thresholds if not core.partial
                                         else np.ones(core.neurons, np.int64)))
    return dataclasses.replace(ir, cores=cores)


def spec_mapping(name: str, seed: int = 0, **platform):
    """(spec, hard-core mapping) of spec `name`'s architecture with random integer weights, on its platform with
    the `platform` settings changed."""
    spec, ir = spec_ir(name, **platform)
    types = platform_budget(dataclasses.replace(spec.platform, **platform))[1]
    return spec, map_hard_cores(random_integer_ir(ir, seed, spec.spiking.steps), types, spec.platform.threshold)


def spec_program(name: str, mode: str, seed: int = 0):
    """The chip program of spec `name` in `mode` (its own steps), random integer weights."""
    spec, ir = spec_ir(name)
    return chip_program(random_integer_ir(ir, seed, spec.spiking.steps), mode, spec.spiking.steps)
