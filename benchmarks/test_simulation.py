"""Simulation throughput: Numba kernels against the torch reference and the dense floor, same inputs."""

from pathlib import Path

import numba
import numpy as np
import pytest
import torch

import simulator
from benchmarks.conftest import BATCH, THREADS, run_directory, spec_inputs

PROGRAMS = ["squeezenet_ttfs", "mixer_ttfs", "quickstart_mlp_ttfs"]
MODES = [("ttfs", 32), ("ttfs_quantized", 32), ("rate", 32)]
RATE_SAMPLES = 250
"""Rate coding runs 32 cycles per sample: fewer samples keep the torch reference's run in minutes."""


def record(benchmark, samples: int, **info):
    benchmark.extra_info.update(info, samples=samples, batch=BATCH, threads=THREADS)


@pytest.mark.parametrize("mode,steps", MODES, ids=[m for m, _ in MODES])
@pytest.mark.parametrize("spec_name", PROGRAMS)
@pytest.mark.parametrize("engine", ["kernel", "reference"])
def test_simulation(benchmark, spec_name, mode, steps, engine):
    program = run_directory(spec_name).chip(mode, steps)
    _, x = spec_inputs(spec_name, RATE_SAMPLES if mode == "rate" else BATCH)
    run = simulator.simulate if engine == "kernel" else simulator.simulate_reference
    run(program, x[:2])
    benchmark.pedantic(run, args=(program, x), kwargs={"batch_size": BATCH}, rounds=3 if engine == "kernel" else 1,
                       iterations=1)
    record(benchmark, len(x), program=spec_name, mode=mode, engine=engine)


@pytest.mark.parametrize("spec_name", PROGRAMS)
def test_dense_floor(benchmark, spec_name):
    """The trained network's own torch forward on the same batch: what the chip emulates, done cheapest."""
    model = run_directory(spec_name).latest("model").float().eval()
    x, _ = spec_inputs(spec_name)

    def forward():
        with torch.no_grad():
            return model(x)

    benchmark.pedantic(forward, rounds=5, iterations=1)
    record(benchmark, len(x), program=spec_name, engine="dense")


@pytest.mark.parametrize("mode", ["ttfs_quantized", "rate"])
def test_mixer_one_thread(benchmark, mode):
    """The mixer program with one thread, as the reference framework's figures were taken."""
    program = run_directory("mixer_ttfs").chip(mode, 32)
    _, x = spec_inputs("mixer_ttfs", 5 * BATCH if mode != "rate" else BATCH)
    simulator.simulate(program, x[:2])
    numba.set_num_threads(1)
    try:
        benchmark.pedantic(simulator.simulate, args=(program, x), kwargs={"batch_size": BATCH}, rounds=3, iterations=1)
    finally:
        numba.set_num_threads(min(THREADS, numba.config.NUMBA_NUM_THREADS))
    benchmark.extra_info.update(program="mixer_ttfs", mode=mode, engine="kernel, 1 thread", samples=len(x),
                                batch=BATCH, threads=1)


@pytest.mark.parametrize("spec_name", PROGRAMS)
def test_simulation_memory(benchmark, spec_name):
    """Peak RSS growth of simulating 10,000 test samples, against the program and one batch of activations."""
    program = run_directory(spec_name).chip()
    _, x = spec_inputs(spec_name, 10_000)
    simulator.simulate(program, x[:2])
    growth = benchmark.pedantic(peak_rss_growth, args=(simulator.simulate, program, x), rounds=1, iterations=1)
    program_bytes = sum(v.nbytes for v in vars(program).values() if isinstance(v, np.ndarray))
    batch_bytes = BATCH * program.n_values * np.dtype(program.weights.dtype).itemsize
    benchmark.extra_info.update(program=spec_name, mode=program.mode, engine="memory", samples=len(x), batch=BATCH,
                                threads=THREADS, rss_growth=growth, program_bytes=program_bytes,
                                batch_bytes=batch_bytes)


def peak_rss_growth(run, program, x) -> int:
    """Bytes the peak resident set grows by while `run(program, x)` runs (Linux: clear_refs resets the peak)."""
    Path("/proc/self/clear_refs").write_text("5")
    before = status_bytes("VmHWM")
    run(program, x, batch_size=BATCH)
    return status_bytes("VmHWM") - before


def status_bytes(field: str) -> int:
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) * 1024
