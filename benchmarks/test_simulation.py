"""Simulation throughput: Numba kernels on the hard-core program (and on the soft cores it was packed from)
against the torch references and the dense floor, same inputs."""

import json
import os
import subprocess
import sys
from functools import partial

import numba
import numpy as np
import pytest
import torch

import simulator
from mappers.hardware.hard_program import hard_program
from mappers.hardware.lowering import chip_program
from simulator.hard_reference import simulate_hard_reference
from simulator.run import accumulation_dtype
from benchmarks.conftest import BATCH, ROOT, THREADS, run_directory, spec_inputs
from benchmarks.peer_flow import PeerFlow

PROGRAMS = ["squeezenet_ttfs", "mixer_ttfs", "quickstart_mlp_ttfs"]
MODES = [("ttfs", 32), ("ttfs_quantized", 32), ("rate", 32)]
RATE_SAMPLES = 250
"""Rate coding runs 32 cycles per sample: fewer samples keep the torch reference's run in minutes."""


def record(benchmark, samples: int, **info):
    benchmark.extra_info.update(info, samples=samples, batch=BATCH, threads=THREADS)


HARD_SAMPLES = 200
"""The dense hard-core reference multiplies every hard core's whole crossbar: fewer samples."""


KERNEL_OPTIONS = {"kernel_cycles": {"evaluation": "cycles"}, "kernel_delay": {"delay": 1}}
"""The kernel on the deployed hard cores with other options: quantized TTFS cycle by cycle, rate coding with a
one-cycle synaptic delay per hop."""


def engine_run(engine: str, run, mode: str, steps: int):
    """(program, function of (inputs, batch_size)) of an engine on run directory `run`: `kernel` runs the deployed
    hard cores' blocks, `kernel_soft` the soft cores they were packed from (the figure before the hard-core program
    existed), `baseline` the peer-style flow on the deployed blocks."""
    if engine in ("kernel", "baseline") or engine in KERNEL_OPTIONS:
        program = run.chip(mode, steps)
    elif engine == "hard_reference":
        program = hard_program(run.latest("hard_mapping"), mode, steps, run.spec.platform.threshold)
        return program, partial(simulate_hard_reference, program)
    else:
        program = chip_program(run.latest("hard_mapping").ir, mode, steps)
    if engine == "baseline":
        return program, PeerFlow(program)
    return program, partial(simulator.simulate_reference if engine == "reference" else simulator.simulate, program,
                            **KERNEL_OPTIONS.get(engine, {}))


def synaptic_work(program, out) -> dict:
    """What the limit table needs of a kernel run `out`: its synaptic operations, how many fall on rows of each
    width (a core's neuron count), and the precision the kernels accumulate in."""
    widths = {}
    for c in range(program.n_cores):
        widths[str(program.neuron_count[c])] = widths.get(str(program.neuron_count[c]), 0) + int(out.synaptic_ops[c])
    return {"synops": int(out.synaptic_ops.sum()), "synops_by_width": widths,
            "dtype": np.dtype(accumulation_dtype(program)).name}


def measure(benchmark, engine: str, spec_name: str, mode: str, steps: int, samples: int) -> None:
    program, run = engine_run(engine, run_directory(spec_name), mode, steps)
    _, x = spec_inputs(spec_name, samples)
    run(x[:2])
    out = benchmark.pedantic(run, args=(x,), kwargs={"batch_size": BATCH}, rounds=3 if "kernel" in engine else 1,
                             iterations=1)
    record(benchmark, len(x), program=spec_name, mode=mode, engine=engine,
           **(synaptic_work(program, out) if "kernel" in engine else {}))


ENGINES = [(engine, mode, steps) for engine in ("kernel", "kernel_soft", "baseline", "reference")
           for mode, steps in MODES if not (engine == "baseline" and mode == "rate")]
"""Every engine in every mode, but the peer-style baseline, which carries TTFS values, in rate coding."""


@pytest.mark.parametrize("engine,mode,steps", ENGINES, ids=[f"{e}-{m}" for e, m, _ in ENGINES])
@pytest.mark.parametrize("spec_name", PROGRAMS)
def test_simulation(benchmark, spec_name, mode, steps, engine):
    measure(benchmark, engine, spec_name, mode, steps, RATE_SAMPLES if mode == "rate" else BATCH)


@pytest.mark.parametrize("spec_name", PROGRAMS)
def test_cycle_by_cycle(benchmark, spec_name):
    """Quantized TTFS cycle by cycle, beside the closed form (`test_simulation`'s kernel, ttfs_quantized)."""
    measure(benchmark, "kernel_cycles", spec_name, "ttfs_quantized", 32, BATCH)


@pytest.mark.parametrize("spec_name", PROGRAMS)
def test_rate_delay(benchmark, spec_name):
    """Rate coding with a one-cycle delay per core hop (T + depth - 1 cycles), beside zero delay."""
    measure(benchmark, "kernel_delay", spec_name, "rate", 32, RATE_SAMPLES)


@pytest.mark.parametrize("mode,steps", MODES[:2], ids=[m for m, _ in MODES[:2]])
@pytest.mark.parametrize("spec_name", PROGRAMS)
def test_hard_reference(benchmark, spec_name, mode, steps):
    """The dense hard-core reference (the oracle of the placement) in the TTFS modes; rate repeats it per cycle."""
    measure(benchmark, "hard_reference", spec_name, mode, steps, HARD_SAMPLES)


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


ONE_THREAD = [(engine, mode) for engine in ("kernel", "baseline") for mode in ("ttfs", "ttfs_quantized", "rate")
              if not (engine == "baseline" and mode == "rate")]


@pytest.mark.parametrize("engine,mode", ONE_THREAD, ids=[f"{e}-{m}" for e, m in ONE_THREAD])
def test_mixer_one_thread(benchmark, engine, mode):
    """The mixer program with one thread (numba and torch), as the reference framework's figures were taken."""
    program, run = engine_run(engine, run_directory("mixer_ttfs"), mode, 32)
    _, x = spec_inputs("mixer_ttfs", 5 * BATCH if mode != "rate" else BATCH)
    run(x[:2])
    numba.set_num_threads(1)
    torch.set_num_threads(1)
    try:
        out = benchmark.pedantic(run, args=(x,), kwargs={"batch_size": BATCH}, rounds=3, iterations=1)
    finally:
        numba.set_num_threads(min(THREADS, numba.config.NUMBA_NUM_THREADS))
        torch.set_num_threads(THREADS)
    benchmark.extra_info.update(program="mixer_ttfs", mode=mode, engine=f"{engine}, 1 thread", samples=len(x),
                                batch=BATCH, threads=1, **(synaptic_work(program, out) if engine == "kernel" else {}))


MEASURE_STEP = """
import json, shutil, sys
from benchmarks.conftest import peak_growth
from runner.api import open_pipeline
from mappers.hardware.lowering import chip_program
from runner.steps.chip_run import flat_inputs, spiking_options
from runner.steps.simulation import SimulationStep
from simulator import simulate

spec, source, workdir = sys.argv[1:]
shutil.copytree(source, workdir)
plain_run = SimulationStep.run


def measured(step, ctx):
    # what a full run holds before this step: the data, the models and mapping, compiled kernels
    mapping, spiking = ctx.get("hard_mapping"), ctx.spec.spiking
    ctx.get("model"), ctx.get("float_model")
    simulate(chip_program(mapping.ir, spiking.mode, spiking.steps), flat_inputs(ctx.data.test_x[:2]),
             **spiking_options(ctx.spec))
    growth, result = peak_growth(lambda: plain_run(step, ctx))
    print(json.dumps({"growth": growth}))
    return result


SimulationStep.run = measured
open_pipeline(spec, workdir=workdir, quiet=True).run(from_step="simulation")
"""


MEASURE_KERNEL = """
import json, sys
from benchmarks.conftest import peak_growth, run_directory, spec_inputs
from simulator import simulate

program = run_directory(sys.argv[1]).chip()
_, x = spec_inputs(sys.argv[1], 10_000)
simulate(program, x[:2])
print(json.dumps({"growth": peak_growth(lambda: simulate(program, x, batch_size=int(sys.argv[2])))[0]}))
"""


def fresh_process_growth(script: str, *args: str) -> int:
    """Run a MEASURE_* script in a new interpreter; the peak RSS growth it reports."""
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={**os.environ, "RUNNER_THREADS": str(THREADS)})
    return json.loads(done.stdout.splitlines()[-1])["growth"]


def record_memory(benchmark, spec_name: str, program, growth: int, scope: str) -> None:
    program_bytes = sum(v.nbytes for v in vars(program).values() if isinstance(v, np.ndarray))
    benchmark.extra_info.update(program=spec_name, mode=program.mode, engine="memory", scope=scope, batch=BATCH,
                                threads=THREADS, rss_growth=growth, program_bytes=program_bytes,
                                batch_bytes=BATCH * program.n_values * 8)


@pytest.mark.parametrize("spec_name", PROGRAMS)
def test_kernel_memory(benchmark, spec_name):
    """Peak RSS growth of the Numba simulation alone of 10,000 test samples, in a fresh process."""
    growth = benchmark.pedantic(fresh_process_growth, args=(MEASURE_KERNEL, spec_name, str(BATCH)), rounds=1,
                                iterations=1)
    record_memory(benchmark, spec_name, run_directory(spec_name).chip(), growth, "kernel")


@pytest.mark.parametrize("spec_name", PROGRAMS)
def test_simulation_step_memory(benchmark, spec_name, tmp_path):
    """Peak RSS growth of the simulation step (kernel, reference, model, departure), from just before it, in a
    fresh process on a copy of the run directory; against the chip program and one batch of activations."""
    source = run_directory(spec_name)
    growth = benchmark.pedantic(fresh_process_growth, args=(MEASURE_STEP, str(ROOT / "spec" / f"{spec_name}.yaml"),
                                                            str(source.path), str(tmp_path / "run")),
                                rounds=1, iterations=1)
    record_memory(benchmark, spec_name, source.chip(), growth, "simulation step")
