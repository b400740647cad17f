"""Simulation throughput: Numba kernels against the torch reference and the dense floor, same inputs."""

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
