"""How many cores a model needs, from its layer shapes (an untrained graph): soft-core mapping and the
same packing kernel the hard-core mapping uses."""

from dataclasses import dataclass

import numpy as np

from mappers.graph.scales import compute_per_source_scales
from mappers.hardware.bound import lower_bound
from mappers.hardware.mapping import threshold_groups
from mappers.hardware.packing import PackingError, pack
from mappers.ir.soft_mapping import CoreBudget, map_soft_cores


@dataclass(frozen=True)
class CoreEstimate:
    """Soft cores, hard cores needed (with unlimited counts), per type, the bound, and whether it fits."""

    soft_cores: int
    hard_cores: int
    per_type: list[int]
    lower_bound: int
    fits: bool


def estimate_cores(graph, budget: CoreBudget, core_types: np.ndarray, sharing: str = "per_neuron") -> CoreEstimate:
    """Map `graph` (weights irrelevant; `budget.weight_bits` for integer weights to come) and pack it onto
    `core_types` rows (axons, neurons, count); when it does not fit, the counts it would need."""
    compute_per_source_scales(graph)
    ir = map_soft_cores(graph, budget)
    axons = np.array([c.axons for c in ir.cores], np.int64)
    neurons = np.array([c.neurons for c in ir.cores], np.int64)
    groups = threshold_groups(ir, sharing)
    types = np.asarray(core_types, np.int64)
    bound = int(lower_bound(axons, neurons, groups, types[:, 0], types[:, 1]))
    try:
        packing = pack(axons, neurons, groups, types[:, 0], types[:, 1], types[:, 2])
        fits = True
    except PackingError:
        packing = pack(axons, neurons, groups, types[:, 0], types[:, 1], np.full(len(types), len(ir.cores)))
        fits = False
    per_type = np.bincount(packing.core_type, minlength=len(types)).tolist()
    return CoreEstimate(len(ir.cores), len(packing.core_type), per_type, bound, fits)
