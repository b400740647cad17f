"""Numba kernels: TTFS in closed form (continuous and quantized; per sample, per block of samples or per group of
cores sharing a weight matrix, with BLAS products) and cycle by cycle, rate coding cycle by cycle."""

from simulator.kernels.blocked import run_ttfs_blocked
from simulator.kernels.cycles import run_ttfs_cycles
from simulator.kernels.grouped import run_ttfs_grouped
from simulator.kernels.rate import run_rate
from simulator.kernels.ttfs import run_ttfs

__all__ = ["run_rate", "run_ttfs", "run_ttfs_blocked", "run_ttfs_cycles", "run_ttfs_grouped"]
