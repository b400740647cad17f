"""`runner SPEC --check`: beyond the spec itself, will the model fit the chip? Answered before training."""

import dataclasses

import numpy as np

from mappers.hardware.estimate import estimate_cores
from mappers.hardware.packing import PackingError
from mappers.ir.graph import MappingError
from mappers.ir.soft_mapping import CoreBudget
from mappers.torch_fx.trace import Unrepresentable
from mappers.zoo import Recipe, build_model
from runner.data import data_shape
from runner.errors import UserError
from runner.models import resolved_config


def platform_budget(platform) -> tuple[CoreBudget, np.ndarray]:
    """The soft-core budget and the (axons, neurons, count) rows of a platform section."""
    budget = CoreBudget(tuple((c.axons, c.neurons) for c in platform.cores), axon_tiling=platform.allow_axon_tiling,
                        partial_sum=platform.partial_sum_cores, max_pool=platform.max_pool)
    return budget, np.array([(c.axons, c.neurons, c.count) for c in platform.cores], np.int64)


def chip_fit(spec) -> list[str]:
    """What the conversion of a torch module noted, then one line on the cores the model needs against the chip;
    UserError (exit 2) when it cannot fit, also when weights the pipeline quantizes could not fit their bit range.
    The data's shape comes from the spec alone."""
    recipe = Recipe(spec.model.builder, resolved_config(spec), *data_shape(**spec.section("data")))
    budget, types = platform_budget(spec.platform)
    if any(entry.type == "weight_quantization" for entry in spec.steps):
        budget = dataclasses.replace(budget, weight_bits=spec.platform.weight_bits)
    try:
        model = build_model(recipe)
        estimate = estimate_cores(model, budget, types, spec.platform.threshold)
    except (MappingError, PackingError, Unrepresentable, ValueError) as error:
        raise UserError(f"the model cannot be mapped onto the platform of {spec.path}: {error}") from error
    capacity = ", ".join(f"{c.count} of {c.axons}x{c.neurons}" for c in spec.platform.cores)
    line = (f"{estimate.soft_cores} soft cores on {estimate.hard_cores} hard cores "
            f"(per type {estimate.per_type}; lower bound {estimate.lower_bound}); the chip has {capacity}")
    if not estimate.fits:
        raise UserError(f"the model does not fit the chip: {line}; raise platform.cores counts or shrink the model")
    return [*getattr(model, "notes", ()), line]
