"""Numba kernels, one module per spiking mode."""

from simulator.kernels.rate import run_rate
from simulator.kernels.ttfs import run_ttfs
from simulator.kernels.ttfs_quantized import run_ttfs_quantized

__all__ = ["run_rate", "run_ttfs", "run_ttfs_quantized"]
