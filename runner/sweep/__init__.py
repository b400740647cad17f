"""Sweeps over spec variants: every distinct step computed once, the steps run as Dask tasks."""

from runner.sweep.run import run_sweep

__all__ = ["run_sweep"]
