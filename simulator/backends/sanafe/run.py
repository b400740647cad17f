"""Run a hard-core program on SANA-FE one sample at a time: our input spike trains in; every neuron's spikes, the
class scores and SANA-FE's energy and time per inference out.

SANA-FE delivers a spike in the timestep after it fires, input spikes included, so the chip's cycle t is SANA-FE's
timestep t + 2: a sample runs the schedule's cycles plus one timestep, the always-on source spiking in all but
the last, the inputs in the first T.
"""

import contextlib
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass

import numpy as np
import torch

from simulator.backends.sanafe.architecture import architecture, write_architecture
from simulator.backends.sanafe.network import CHIP, HOST, translate
from simulator.backends.sanafe.support import check_supported
from simulator.blocks import block_program
from simulator.hard_program import HardProgram
from simulator.options import RateOptions
from simulator.reference import rate_trains
from simulator.timing import schedule

ENERGY = ("total", "synapse", "dendrite", "soma", "network")
"""SANA-FE's energy breakdown (joules)."""
TIMING_MODELS = ("detailed", "simple")


@dataclass
class SanafeOutput:
    """Per sample: class `scores` (output potentials / (T theta)), the spikes of every spiking neuron (`spikes`,
    columns the hard neurons `neurons`), SANA-FE's `energy` per component (J), simulated time
    `sim_time` (s) and spike messages `packets`; `timesteps` per sample."""

    scores: np.ndarray
    spikes: np.ndarray
    neurons: np.ndarray
    energy: dict[str, np.ndarray]
    sim_time: np.ndarray
    packets: np.ndarray
    timesteps: int

    @property
    def predictions(self) -> np.ndarray:
        return np.argmax(self.scores, axis=1)


@contextlib.contextmanager
def quiet():
    """SANA-FE's C++ core prints progress to standard output: file descriptor 1 points at the null device meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


def chip_cycles(p: HardProgram, options: RateOptions) -> int:
    """Cycles of one inference on our chip: T plus the hops' delays."""
    return int(schedule(block_program(p), options.delay).latency)


def simulate_sanafe(p: HardProgram, x: np.ndarray, options: RateOptions, *, timing_model: str = "detailed",
                    progress=None) -> SanafeOutput:
    """Run `p` on SANA-FE over `x` (samples x inputs in [0, 1]); raises Unsupported for a chip it cannot run
    exactly."""
    if timing_model not in TIMING_MODELS:
        raise ValueError(f"unknown SANA-FE timing model '{timing_model}'; expected one of {', '.join(TIMING_MODELS)}")
    cycles = chip_cycles(p, options)
    check_supported(p, options, cycles)
    import sanafe

    with tempfile.TemporaryDirectory(prefix="sanafe-") as folder, quiet():
        arch = sanafe.load_arch(str(write_architecture(architecture(p.neuron_count, 1 + p.n_inputs), folder)))
        net, t = translate(p, options, arch.cores())
        chip = sanafe.SpikingChip(arch)
        chip.load(net)
    host, neurons = chip.mapped_neuron_groups[HOST], chip.mapped_neuron_groups[CHIP]
    column = {int(k): j for j, k in enumerate(np.searchsorted(t.neurons, t.spiking))}
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    trains = rate_trains(torch.from_numpy(x), p, options, 0).numpy().astype(bool)
    n = len(x)
    spikes, scores = np.zeros((n, len(t.spiking)), np.int64), np.zeros((n, len(t.classes)))
    energy, sim_time, packets = {k: np.zeros(n) for k in ENERGY}, np.zeros(n), np.zeros(n, np.int64)
    output_thresholds = p.thresholds[t.outputs]
    for i in range(n):
        chip.reset()
        host[0].set_attributes(model_attributes={"spikes": [True] * cycles})
        for k in range(p.n_inputs):
            host[1 + k].set_attributes(model_attributes={"spikes": trains[:, i, k].tolist()})
        if t.offset:
            for k in column:
                neurons[k].set_attributes(model_attributes={"potential": t.offset})
        with quiet():
            result = chip.sim(cycles + 1, timing_model=timing_model, processing_threads=1, spike_trace=True,
                              potential_trace=True)
        fired = Counter(a.neuron_offset for step in result["spike_trace"] for a in step if a.group_name == CHIP)
        for k, count in fired.items():
            spikes[i, column[k]] = count
        scores[i] = np.asarray(result["potential_trace"][-1])[t.classes] / (p.steps * output_thresholds)
        for k in ENERGY:
            energy[k][i] = result["energy"][k]
        sim_time[i], packets[i] = result["sim_time"], result["packets_sent"]
        if progress is not None:
            progress(i + 1, n)
    return SanafeOutput(scores, spikes, t.spiking, energy, sim_time, packets, cycles + 1)
