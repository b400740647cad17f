"""Executing a mapped chip: the chip program, Numba kernels and the torch reference."""

from simulator.options import SimulationOutput
from simulator.program import ChipProgram, build_program
from simulator.reference import simulate_reference
from simulator.run import simulate

__all__ = ["ChipProgram", "SimulationOutput", "build_program", "simulate", "simulate_reference"]
