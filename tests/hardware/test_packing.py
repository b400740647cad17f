"""Packing invariants, the lower bound, the plain-Python oracle, and the error paths."""

import numpy as np
import pytest

from benchmarks.python_packer import python_pack
from mappers.hardware.bound import lower_bound
from mappers.hardware.packing import PackingError, pack

TYPES = {
    "one": ([256], [256], [10_000]),
    "two": ([256, 128], [128, 256], [10_000, 10_000]),
    "three": ([64, 256, 512], [64, 256, 128], [50, 10_000, 30]),
}


def soft_cores(seed, count=400, groups=1):
    """Mostly small im2col-like cores, some wide ones."""
    rng = np.random.default_rng(seed)
    small = rng.random(count) < 0.8
    axons = np.where(small, rng.integers(5, 80, count), rng.integers(80, 257, count))
    neurons = np.where(small, rng.integers(4, 64, count), rng.integers(32, 129, count))
    return axons, neurons, rng.integers(0, groups, count)


def check_invariants(axons, neurons, groups, types, packing):
    type_axons, type_neurons, counts = (np.array(v) for v in types)
    assert np.all(packing.hard_core >= 0), "every soft core placed"
    assert np.all(np.bincount(packing.core_type, minlength=len(counts)) <= counts)
    for h in range(len(packing.core_type)):
        members = np.flatnonzero(packing.hard_core == h)
        t = packing.core_type[h]
        assert len(set(groups[members])) == 1, "only one group per hard core"
        for offsets, sizes, limit in ((packing.axon_offset, axons, type_axons[t]),
                                      (packing.neuron_offset, neurons, type_neurons[t])):
            spans = sorted(zip(offsets[members], offsets[members] + sizes[members]))
            assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:])), "ranges overlap"
            assert spans[-1][1] <= limit, "capacity exceeded"


@pytest.mark.parametrize("types", TYPES.values(), ids=TYPES.keys())
@pytest.mark.parametrize("seed,groups", [(0, 1), (1, 1), (2, 3), (3, 5)])
def test_invariants_bound_and_python_oracle(types, seed, groups):
    axons, neurons, group = soft_cores(seed, groups=groups)
    fits = np.array([any(a <= ta and n <= tn for ta, tn in zip(types[0], types[1])) for a, n in zip(axons, neurons)])
    axons, neurons, group = axons[fits], neurons[fits], group[fits]
    packing = pack(axons, neurons, group, *types)
    check_invariants(axons, neurons, group, types, packing)
    assert lower_bound(axons, neurons, group, types[0], types[1]) <= len(packing.core_type)
    oracle = python_pack(axons, neurons, group, *types)
    assert oracle[0] == packing.hard_core.tolist()
    assert oracle[1] == packing.axon_offset.tolist() and oracle[2] == packing.neuron_offset.tolist()
    assert oracle[3] == packing.core_type.tolist()


def test_block_diagonal_offsets_by_hand():
    packing = pack([64] * 4 + [200, 200], [64] * 4 + [200, 200], [0] * 6, [256], [256], [10])
    # the two large cores cannot share; the four small ones share the first large core's leftover? No:
    # 200 + 64 > 256, so they share a third core block-diagonally at offsets 0, 64, 128, 192.
    assert packing.hard_core.tolist() == [2, 2, 2, 2, 0, 1]
    assert packing.axon_offset.tolist() == [0, 64, 128, 192, 0, 0]
    assert packing.neuron_offset.tolist() == [0, 64, 128, 192, 0, 0]
    assert lower_bound([64] * 4 + [200, 200], [64] * 4 + [200, 200], [0] * 6, [256], [256]) == 3


def test_soft_core_larger_than_every_type_is_named():
    with pytest.raises(PackingError, match=r"soft core 1 needs 300 axons x 10 neurons; no core type is that large"):
        pack([10, 300], [10, 10], [0, 0], [256], [256], [4])


def test_too_few_cores_says_how_many_are_needed():
    with pytest.raises(PackingError, match=r"need 3 cores of 256x256 \(the platform has 2\)") as error:
        pack([200, 200, 200], [10, 10, 10], [0, 0, 0], [256], [256], [2])
    assert error.value.needed == [3]


def test_new_core_type_weighs_waste_against_scarcity():
    # a 60x60 soft core: the 64x64 type wastes 12 %, the 256x256 type 95 %; waste / remaining decides
    assert pack([60], [60], [0], [64, 256], [64, 256], [1, 5]).core_type.tolist() == [0]    # 0.12 < 0.95 / 5
    assert pack([60], [60], [0], [64, 256], [64, 256], [1, 100]).core_type.tolist() == [1]  # 0.12 > 0.95 / 100


def test_ties_follow_the_oracle():
    """Equal shapes and mirrored shapes make many equal scores: the lowest hard core must win each tie."""
    rng = np.random.default_rng(7)
    axons = rng.choice([8, 16, 24], 600)
    neurons = rng.choice([8, 16, 24], 600)
    groups = rng.integers(0, 2, 600)
    types = ([64, 48], [64, 48], [10_000, 10_000])
    packing = pack(axons, neurons, groups, *types)
    oracle = python_pack(axons, neurons, groups, *types)
    assert oracle[0] == packing.hard_core.tolist() and oracle[3] == packing.core_type.tolist()


def test_absurd_core_type_is_refused():
    with pytest.raises(PackingError, match="too large for the packer"):
        pack([4], [4], [0], [10**9], [10**9], [1])
