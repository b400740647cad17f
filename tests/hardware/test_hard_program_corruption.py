"""Placement errors, made by editing a correct hard-core mapping (or its hard-core program), show: the dense
hard-core reference departs from the soft-core reference, or the builder or the reference refuses them."""

import dataclasses

import numpy as np
import pytest

import torch

from mappers.hardware.hard_program import hard_program
from mappers.hardware.mapping import map_hard_cores
from simulator.hard_reference import HardCoreReference
from tests.hardware.hard_programs import SMALL_TYPES, TWO_TYPES, ir_of, value_spaces
from tests.simulator.random_programs import random_inputs, random_program

MODE, STEPS = "ttfs_quantized", 16


def correct(types=SMALL_TYPES, sharing="per_neuron", thresholds=None):
    """(a correct mapping of a random integer program, inputs); the dense reference agrees with it."""
    ir = ir_of(random_program(0, MODE, STEPS, integer=True, layers=4))
    if thresholds is not None:
        ir.cores = [dataclasses.replace(c, thresholds=np.full(c.neurons, thresholds[i % len(thresholds)]))
                    for i, c in enumerate(ir.cores)]
    mapping = map_hard_cores(ir, types, sharing)
    x = random_inputs(0, 60)
    assert not departs(mapping, hard_program(mapping, MODE, STEPS, sharing), x), "the correct mapping agrees"
    return mapping, x


def departs(mapping, program, x) -> bool:
    """Whether the dense reference of `program` refuses it as a placement error or departs from the soft-core
    reference of `mapping`'s IR anywhere in the value space (every value of every sample)."""
    try:
        soft, dense = value_spaces(mapping.ir, program, x)
    except ValueError as error:
        assert "(a placement error)" in str(error)
        return True
    return not torch.equal(soft, dense)


def edited(mapping, **arrays):
    """`mapping` with some of its placement arrays replaced by edited copies."""
    return dataclasses.replace(mapping, **{k: np.asarray(v, np.int64) for k, v in arrays.items()})


def blocks_on(mapping, h: int) -> list[int]:
    return np.flatnonzero(mapping.hard_core == h).tolist()


def free_neurons(mapping, h: int) -> int:
    """The first neuron of hard core h after every block on it."""
    return max(mapping.neuron_offset[c] + mapping.ir.cores[c].neurons for c in blocks_on(mapping, h))


def test_overlapping_blocks_depart():
    """Move a block's neuron offset onto another block's on the same hard core: columns sum both blocks."""
    mapping, x = correct()
    h = next(h for h in range(mapping.hard_cores) if len(blocks_on(mapping, h)) > 1)
    a, b = blocks_on(mapping, h)[:2]
    offsets = mapping.neuron_offset.copy()
    offsets[b] = offsets[a]
    assert departs(mapping, hard_program(edited(mapping, neuron_offset=offsets), MODE, STEPS), x)


def test_a_block_moved_whole_into_free_space_is_still_correct():
    """Not an error: weights, thresholds and produced values move with the offset (the builder honours offsets)."""
    mapping, x = correct()
    h = next(h for h in range(mapping.hard_cores) if free_neurons(mapping, h) < SMALL_TYPES[0, 1])
    last = max(blocks_on(mapping, h), key=lambda c: mapping.neuron_offset[c])
    offsets = mapping.neuron_offset.copy()
    offsets[last] += 1
    assert not departs(mapping, hard_program(edited(mapping, neuron_offset=offsets), MODE, STEPS), x)


def test_a_crossbar_one_neuron_off_its_neuron_table_departs():
    """A wrong offset in the deployed program: one block's columns shifted by one neuron into free space while
    its thresholds, kinds and produced values stay (the crossbar and the neuron table disagree)."""
    mapping, x = correct()
    program = hard_program(mapping, MODE, STEPS)
    h = next(h for h in range(mapping.hard_cores) if free_neurons(mapping, h) < SMALL_TYPES[0, 1])
    last = max(blocks_on(mapping, h), key=lambda c: mapping.neuron_offset[c])
    a0, n0 = mapping.axon_offset[last], mapping.neuron_offset[last]
    a, m = mapping.ir.cores[last].weights.shape
    weights = program.weights.copy()
    crossbar = weights[program.weight_offset[h]:][:program.axon_count[h] * program.neuron_count[h]].reshape(
        program.axon_count[h], program.neuron_count[h])
    crossbar[a0:a0 + a, n0 + 1:n0 + m + 1] = mapping.ir.cores[last].weights
    crossbar[a0:a0 + a, n0] = 0
    assert departs(mapping, dataclasses.replace(program, weights=weights), x)


def test_a_block_off_its_crossbar_is_refused():
    mapping, _ = correct()
    offsets = mapping.neuron_offset.copy()
    offsets[0] = SMALL_TYPES[0, 1] - mapping.ir.cores[0].neurons + 1
    with pytest.raises(ValueError, match=r"soft core 0 \(\d+ axons x \d+ neurons at axon \d+, neuron \d+\) leaves "
                                         r"the 32x16 crossbar of hard core \d+ \(a placement error\)"):
        hard_program(edited(mapping, neuron_offset=offsets), MODE, STEPS)


def test_swapped_hard_cores_depart():
    """Two soft cores of different shapes on different hard cores trade hard cores, offsets kept: each lands on
    the other's neighbours (here their axons' new sources close a cycle, which is refused)."""
    mapping, x = correct()
    shapes = [c.weights.shape for c in mapping.ir.cores]
    a, b = next((a, b) for a in range(len(shapes)) for b in range(a + 1, len(shapes))
                if mapping.hard_core[a] != mapping.hard_core[b] and shapes[a] != shapes[b])
    hard_core = mapping.hard_core.copy()
    hard_core[[a, b]] = hard_core[[b, a]]
    assert departs(mapping, hard_program(edited(mapping, hard_core=hard_core), MODE, STEPS), x)


def test_swapped_axon_sources_depart():
    """Two axons of one block read each other's values (a routing error in the deployed program)."""
    mapping, x = correct()
    program = hard_program(mapping, MODE, STEPS)
    start = program.source_offset[mapping.hard_core[0]] + mapping.axon_offset[0]
    sources = program.sources.copy()
    sources[[start, start + 1]] = sources[[start + 1, start]]
    assert program.sources[start] != program.sources[start + 1]
    assert departs(mapping, dataclasses.replace(program, sources=sources), x)


def test_a_block_on_a_hard_core_of_the_wrong_type_is_refused():
    """Two core types, 32 x 16 and 16 x 32: a 32 x 16 core using more than 16 axons declared 16 x 32."""
    mapping, _ = correct(TWO_TYPES)
    used = [max(mapping.axon_offset[c] + mapping.ir.cores[c].axons for c in blocks_on(mapping, h))
            for h in range(mapping.hard_cores)]
    h = next(h for h in range(mapping.hard_cores) if mapping.core_type[h] == 0 and used[h] > 16)
    core_type = mapping.core_type.copy()
    core_type[h] = 1
    with pytest.raises(ValueError, match=rf"leaves the 16x32 crossbar of hard core {h} \(a placement error\)"):
        hard_program(edited(mapping, core_type=core_type), MODE, STEPS)


def test_a_placement_with_a_cycle_is_refused():
    """Soft core b reads a's output on its axon k; placed on a's axons (its neurons in free space), a's own axon k
    reads that output: a waits on itself."""
    mapping, _ = correct(np.array([(64, 64, 100)]))
    ir, values = mapping.ir, mapping.ir.core_values
    a, b = next((a, b) for b, core in enumerate(ir.cores) for a in range(b) for k, v in enumerate(core.sources)
                if values[a] <= v < values[a] + ir.cores[a].neurons and k < ir.cores[a].axons
                and ir.cores[a].weights[k, v - values[a]] != 0)
    h = mapping.hard_core[a]
    hard_core, axon_offset, neuron_offset = (v.copy() for v in (mapping.hard_core, mapping.axon_offset,
                                                                mapping.neuron_offset))
    hard_core[b], axon_offset[b], neuron_offset[b] = h, axon_offset[a], free_neurons(mapping, h)
    program = hard_program(edited(mapping, hard_core=hard_core, axon_offset=axon_offset, neuron_offset=neuron_offset),
                           MODE, STEPS)
    with pytest.raises(ValueError, match=r"the hard-core program has a cycle: \d+ neurons or ops, the first neuron "
                                         r"\d+ of hard core \d+, wait through nonzero weights on values that depend "
                                         r"on their own output \(a placement error\)"):
        HardCoreReference(program)


def test_mixed_thresholds_on_a_per_core_platform_are_refused():
    """per_core: soft cores of thresholds 4 and 9 are packed apart; one moved onto the other's hard core."""
    mapping, _ = correct(np.array([(64, 64, 100)]), "per_core", thresholds=[4, 9])
    a = next(c for c in range(len(mapping.ir.cores)) if mapping.ir.cores[c].thresholds[0] == 4)
    other = next(h for h in range(mapping.hard_cores) if h != mapping.hard_core[a]
                 and mapping.ir.cores[blocks_on(mapping, h)[0]].thresholds[0] == 9)
    hard_core, neuron_offset = mapping.hard_core.copy(), mapping.neuron_offset.copy()
    hard_core[a], neuron_offset[a] = other, free_neurons(mapping, other)
    with pytest.raises(ValueError, match=r"hard core \d+ holds neurons of thresholds 4 and 9, but the platform "
                                         r"has one threshold per core \(a placement error\)"):
        hard_program(edited(mapping, hard_core=hard_core, neuron_offset=neuron_offset), MODE, STEPS, "per_core")
