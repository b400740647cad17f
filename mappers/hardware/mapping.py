"""Hard-core mapping: the IR's soft cores placed block-diagonally on the chip's physical cores."""

from dataclasses import dataclass

import numpy as np

from mappers.hardware.bound import lower_bound
from mappers.hardware.packing import pack
from mappers.ir.graph import IRGraph
from mappers.ir.max_pool import is_max_pool_core


@dataclass
class HardCoreMapping:
    """What would be deployed: the soft cores, the core types and where each soft core sits.

    `core_types` rows are (axons, neurons, count); per soft core `hard_core`, `axon_offset`,
    `neuron_offset`; per hard core `core_type`.
    """

    ir: IRGraph
    core_types: np.ndarray
    hard_core: np.ndarray
    axon_offset: np.ndarray
    neuron_offset: np.ndarray
    core_type: np.ndarray
    lower_bound: int

    @property
    def hard_cores(self) -> int:
        return len(self.core_type)

    def cores_per_type(self) -> list[int]:
        return np.bincount(self.core_type, minlength=len(self.core_types)).tolist()


def threshold_groups(ir: IRGraph, sharing: str) -> np.ndarray:
    """Packing groups: all 0 for per-neuron thresholds; for per-core, one group per threshold value, max-pool tree
    cores in groups of their own (never sharing a hard core, and its one threshold, with a layer's cores)."""
    if sharing == "per_neuron":
        return np.zeros(len(ir.cores), np.int64)
    keys = []
    for core in ir.cores:
        if not np.all(core.thresholds == core.thresholds[0]):
            raise ValueError(f"core {core.layer} has several thresholds but the platform has one per core")
        keys.append((float(is_max_pool_core(core)), float(core.thresholds[0])))
    return np.unique(np.array(keys).reshape(-1, 2), axis=0, return_inverse=True)[1].reshape(-1).astype(np.int64)


def map_hard_cores(ir: IRGraph, core_types: np.ndarray, sharing: str) -> HardCoreMapping:
    """Pack `ir` onto `core_types` ((axons, neurons, count) rows); raises PackingError if it does not fit."""
    axons = np.array([c.axons for c in ir.cores], np.int64)
    neurons = np.array([c.neurons for c in ir.cores], np.int64)
    groups = threshold_groups(ir, sharing)
    types = np.asarray(core_types, np.int64)
    packing = pack(axons, neurons, groups, types[:, 0], types[:, 1], types[:, 2])
    bound = lower_bound(axons, neurons, groups, types[:, 0], types[:, 1])
    return HardCoreMapping(ir, types, packing.hard_core, packing.axon_offset, packing.neuron_offset,
                           packing.core_type, int(bound))
