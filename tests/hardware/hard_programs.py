"""Chip programs as IR graphs packed by the real packer, and the three runs the hard-core parity compares."""

import numpy as np

from mappers.hardware.hard_program import hard_program
from mappers.hardware.lowering import chip_program
from mappers.hardware.mapping import map_hard_cores
from mappers.ir.graph import ComputeOp, IRGraph, NeuralCore
import torch

from simulator import simulate, simulate_reference
from simulator.blocks import block_program
from simulator.hard_program import message_fanout
from simulator.hard_reference import HardCoreReference, simulate_hard_reference
from simulator.options import RateOptions
from simulator.program import MAX, OUTPUT, PARTIAL
from simulator.reference import ReferenceChip

SMALL_TYPES = np.array([(32, 16, 100)])
TWO_TYPES = np.array([(32, 16, 100), (16, 32, 100)])


def ir_of(program) -> IRGraph:
    """The IR graph a chip program was lowered from (cores and ops added in execution order)."""
    ir = IRGraph(program.n_inputs)
    for c in range(program.n_cores + 1):
        for o in np.flatnonzero(program.op_position == c):
            span = slice(program.op_source_offset[o], program.op_source_offset[o + 1])
            rows = program.op_sources[span].reshape(-1, program.op_width[o])
            factors = program.op_factors[span].reshape(rows.shape)
            ir.add_op(ComputeOp("max", f"op{o}", rows) if program.op_kind[o] == MAX else
                      ComputeOp("sum", f"op{o}", rows, factors=factors, eps=float(program.op_eps[o])))
        if c < program.n_cores:
            theta = program.thresholds[program.neuron_offset[c]:program.neuron_offset[c] + program.neuron_count[c]]
            ir.add_core(NeuralCore(f"core{c}", program.core_weights(c).copy(), theta.copy(),
                                   program.core_sources(c).copy(), program.core_kind[c] == OUTPUT,
                                   program.core_kind[c] == PARTIAL))
    ir.outputs = program.output_values.copy()
    assert ir.core_values == program.value_start.tolist() and ir.next_value() == program.n_values
    return ir


def packed(ir: IRGraph, types=SMALL_TYPES, sharing: str = "per_neuron"):
    return map_hard_cores(ir, types, sharing)


def three_runs(mapping, mode: str, steps: int, x, sharing: str = "per_neuron", **options):
    """(soft-core torch reference, Numba kernels on the hard-core program's blocks, hard-core dense reference)
    of `mapping` on `x`."""
    hard = hard_program(mapping, mode, steps, sharing)
    fanout = message_fanout(hard)
    dense = simulate_hard_reference(hard, x, batch_size=16, **options)
    soft = simulate_reference(chip_program(mapping.ir, mode, steps), x, batch_size=16, fanout=fanout, **options)
    return soft, simulate(block_program(hard), x, fanout=fanout, **options), dense


def value_spaces(ir: IRGraph, program, x) -> tuple[torch.Tensor, torch.Tensor]:
    """The whole value space per sample (TTFS values, or spike counts in rate coding) of the soft-core reference
    of `ir` and of the dense reference of hard-core program `program`, on one batch `x`."""
    xt = torch.from_numpy(x)

    def values(chip) -> torch.Tensor:
        with torch.no_grad():
            return (chip.rate(xt, RateOptions(), 0) if program.mode == "rate" else chip.closed_form(xt))[-1]

    return values(ReferenceChip(chip_program(ir, program.mode, program.steps))), values(HardCoreReference(program))
