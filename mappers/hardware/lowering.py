"""Lower soft cores (and compute ops) to the flat chip program the simulator runs."""

from mappers.ir.graph import IRGraph
from simulator.program import OUTPUT, PARTIAL, SPIKING, ChipProgram, build_program


def chip_program(ir: IRGraph, mode: str, steps: int) -> ChipProgram:
    """The chip program of `ir` in spiking `mode` with `steps` (S or T)."""
    cores = [{"weights": c.weights, "thresholds": c.thresholds, "sources": c.sources, "value_start": start,
              "kind": OUTPUT if c.is_output else PARTIAL if c.partial else SPIKING}
             for c, start in zip(ir.cores, ir.core_values)]
    ops = [{"sources": op.sources, "position": op.position, "value_start": start,
            **({"factors": op.factors, "eps": op.eps} if op.kind == "sum" else {})}
           for op, start in zip(ir.ops, ir.op_values)]
    return build_program(mode, steps, ir.n_inputs, ir.next_value(), cores, ops, ir.outputs)
