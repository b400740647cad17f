"""Lower soft cores (optionally placed on hard cores) to the flat chip program the simulator runs."""

import numpy as np

from mappers.ir.graph import FIRST_INPUT, IRGraph
from simulator.program import ChipProgram


def chip_program(ir: IRGraph, mode: str, steps: int) -> ChipProgram:
    """The chip program of `ir` in spiking `mode` with `steps` (S or T)."""
    cores = [(c.weights, c.thresholds, c.sources, c.is_output) for c in ir.cores]
    output_neuron = np.asarray(ir.outputs, np.int64) - FIRST_INPUT - ir.n_inputs
    return ChipProgram.from_cores(mode, steps, ir.n_inputs, cores, output_neuron)
