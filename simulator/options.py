"""Run options shared by the kernels and the reference, and what a run returns."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RateOptions:
    """Rate coding's knobs: input `encoding`, `firing` (default: subtract, novena: reset), `thresholding`, and the
    synaptic `delay` per core hop (0 or 1 cycle)."""

    encoding: str = "uniform"
    firing: str = "default"
    thresholding: str = "<"
    seed: int = 0
    delay: int = 0

    def __post_init__(self):
        if self.delay not in (0, 1):
            raise ValueError(f"synaptic delay {self.delay!r}: expected 0 or 1 cycle per core hop")

    def uniforms(self, samples: int, steps: int, inputs: int, offset: int = 0) -> np.ndarray:
        """The stochastic encoding's uniform draws for samples [offset, offset + samples), seeded per sample."""
        if self.encoding != "stochastic":
            return np.zeros((samples, 1, 1))
        return np.stack([np.random.default_rng([self.seed, offset + i]).random((steps, inputs))
                         for i in range(samples)])


@dataclass
class SimulationOutput:
    """Per-sample class `scores`, `predictions` (argmax, lowest index on ties), per-core totals.

    `synaptic_ops`: per core, spikes that reached its axons times its neurons (the crossbar's work); `messages`: per
    core, its non-zero outputs (spikes, partial sums) sent to each other hard core that reads them (zeros where the
    run had no hard-core placement).
    """

    scores: np.ndarray
    spike_counts: np.ndarray
    core_activity: np.ndarray
    synaptic_ops: np.ndarray
    messages: np.ndarray
    fire_cycles: np.ndarray | None = None
    """Cycle-by-cycle runs: per recorded sample, the cycle each value spikes at (-1: never; inputs included)."""
    value_counts: np.ndarray | None = None
    """Rate runs: per recorded sample, the spike count of every value (the always-on axon and inputs included)."""

    @property
    def predictions(self) -> np.ndarray:
        return np.argmax(self.scores, axis=1)

    def same_as(self, other: "SimulationOutput", exact: bool = True) -> bool:
        """The same class scores (exactly, or within 1e-9 where values are real numbers), spikes, synaptic
        operations and messages per core, hence the same predictions."""
        scores = np.array_equal(self.scores, other.scores) if exact else \
            np.allclose(self.scores, other.scores, rtol=1e-9, atol=1e-9)
        return (scores and np.array_equal(self.spike_counts, other.spike_counts)
                and np.array_equal(self.synaptic_ops, other.synaptic_ops)
                and np.array_equal(self.messages, other.messages)
                and np.array_equal(self.predictions, other.predictions))
