"""Numba kernels: TTFS in closed form (continuous and quantized) and rate coding cycle by cycle."""

from simulator.kernels.rate import run_rate
from simulator.kernels.ttfs import run_ttfs

__all__ = ["run_rate", "run_ttfs"]
