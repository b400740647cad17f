"""simulate: run a chip program on inputs with the Numba kernels, batch by batch."""

from functools import partial

import numpy as np

from simulator.kernels import run_rate, run_ttfs, run_ttfs_blocked, run_ttfs_cycles, run_ttfs_grouped
from simulator.kernels.cycles import partial_series
from simulator.kernels.blocked import BLOCK, blocked_fits, single_blas
from simulator.kernels.common import program_arrays, stage_bounds
from simulator.kernels.grouped import core_groups
from simulator.kernels.rate import ENCODINGS, rate_plan
from simulator.options import RateOptions, SimulationOutput
from simulator.program import ChipProgram, float32_is_exact, float64_is_exact
from simulator.timing import schedule, ttfs_windows

EVALUATIONS = ("closed_form", "cycles")


def batched(run_batch, program: ChipProgram, x: np.ndarray, batch_size: int, progress) -> SimulationOutput:
    """Call `run_batch(x_batch, offset)` over batches (float64, made one batch at a time) and add up the outputs."""
    x = np.asarray(x).reshape(len(x), -1)
    if x.shape[1] != program.n_inputs:
        raise ValueError(f"inputs have {x.shape[1]} features; the chip program takes {program.n_inputs}")
    scores = np.zeros((len(x), program.n_classes))
    spikes, synops = np.zeros(program.n_cores, np.int64), np.zeros(program.n_cores, np.int64)
    messages = np.zeros(program.n_cores, np.int64)
    activity = np.zeros(program.n_cores)
    fired, counted = [], []
    for start in range(0, len(x), batch_size):
        xb = np.ascontiguousarray(x[start:start + batch_size], dtype=np.float64)
        check_finite(xb, start)
        out = run_batch(xb, start)
        scores[start:start + batch_size] = out.scores
        spikes += out.spike_counts
        activity += out.core_activity
        synops += out.synaptic_ops
        messages += out.messages
        if out.fire_cycles is not None:
            fired.append(out.fire_cycles)
        if out.value_counts is not None:
            counted.append(out.value_counts)
        if progress is not None:
            progress(min(start + batch_size, len(x)), len(x))
    return SimulationOutput(scores, spikes, activity, synops, messages, np.concatenate(fired) if fired else None,
                            np.concatenate(counted) if counted else None)


def check_finite(xb: np.ndarray, start: int) -> None:
    """Refuse inputs holding NaN or infinite values, naming the first such sample (one sum where all are finite)."""
    if np.isfinite(xb.sum()):
        return
    bad = np.flatnonzero(~np.isfinite(xb).all(axis=1))
    if len(bad):
        raise ValueError(f"inputs hold NaN or infinite values (first at sample {start + bad[0]}); clean the "
                         "data first")


def no_fanout(program) -> np.ndarray:
    """The fanout of a program run without a hard-core placement: no value is known to leave a hard core."""
    return np.zeros(program.n_values, np.int64)


def accumulation_dtype(program: ChipProgram, evaluation: str = "closed_form") -> type:
    """What the kernels hold values and sums in: float64; for integer programs in the integer modes, float32 or
    float64 where they give the very same integers (`float32_is_exact`, closed form or rate coding with its
    longest stage, delayed; `float64_is_exact`), else int64. Fewer bytes per value are more values per vector
    instruction."""
    if program.integer and evaluation == "closed_form":
        cycles = schedule(program, delay=1).stage_cycles.max(initial=1) if program.mode == "rate" else 1
        if float32_is_exact(program, cycles):
            return np.float32
    exact = not program.integer or program.mode == "ttfs" or float64_is_exact(program)
    return np.float64 if exact else np.int64


def closed_form_kernel(program: ChipProgram, dtype):
    """The TTFS kernel in closed form for `program` held in `dtype`: blocks of samples where a block stays in cache,
    else groups of cores that share a weight matrix (BLAS products need floats), else core by core."""
    if blocked_fits(program.n_values, dtype):
        return run_ttfs_blocked
    if dtype is np.int64:
        return run_ttfs
    return partial(run_ttfs_grouped, group_start=core_groups(program))


def simulate(program: ChipProgram, x: np.ndarray, *, batch_size: int = 1000, encoding: str = "uniform",
             firing: str = "default", thresholding: str = "<", seed: int = 0, delay: int = 0,
             evaluation: str = "closed_form", record: int = 0, fanout: np.ndarray | None = None,
             progress=None) -> SimulationOutput:
    """Simulate `program` on `x` (samples x inputs, values in [0, 1]) with the Numba kernels.

    `evaluation`: quantized TTFS in closed form or `cycles` (cycle by cycle, recording the fire cycle of every
    value for the first `record` samples; rate coding records every value's spike count); `delay`: rate coding's
    synaptic delay per core hop (0 or 1 cycle); `fanout`: per value, the other hard cores that read it
    (`hard_program.message_fanout`), for the messages count.
    """
    if evaluation not in EVALUATIONS:
        raise ValueError(f"unknown evaluation '{evaluation}'; expected one of {', '.join(EVALUATIONS)}")
    if evaluation == "cycles" and program.mode != "ttfs_quantized":
        raise ValueError("cycle-by-cycle evaluation needs mode ttfs_quantized (spike times on the cycle grid)")
    options = RateOptions(encoding, firing, thresholding, seed, delay)
    fanout = no_fanout(program) if fanout is None else np.ascontiguousarray(fanout, np.int64)
    if fanout.shape != (program.n_values,):
        raise ValueError(f"fanout has shape {fanout.shape}; the chip program has {program.n_values} values")
    dtype = accumulation_dtype(program, evaluation)
    arrays = program_arrays(program, dtype)
    ends = stage_bounds(program.op_position, program.n_cores)
    plan = rate_plan(program, ends, dtype) if program.mode == "rate" else None
    stage_cycles = schedule(program, delay).stage_cycles if program.mode == "rate" else None
    cycles = (ttfs_windows(program), *partial_series(program)) if evaluation == "cycles" else None
    ttfs_kernel = closed_form_kernel(program, dtype) if program.mode != "rate" and cycles is None else None

    def run_batch(xb: np.ndarray, offset: int) -> SimulationOutput:
        scores = np.zeros((len(xb), program.n_classes))
        rows = -(-len(xb) // BLOCK) if ttfs_kernel is run_ttfs_blocked else len(xb)  # the tallies' rows
        activity = np.zeros((rows, program.n_cores))
        spikes, synops, messages = (np.zeros((rows, program.n_cores), np.int64) for _ in range(3))
        common = (program.n_values, program.steps, scores, activity, spikes, synops, messages, fanout)
        fired, counted = None, None
        recorded = min(max(record - offset, 0), len(xb))
        if cycles is not None:
            fired = np.full((recorded, program.n_values), -1, np.int64)
            run_ttfs_cycles(xb, *arrays, *common, np.zeros(0, dtype), *cycles, fired)
        elif program.mode in ("ttfs", "ttfs_quantized"):
            ttfs_kernel(xb, *arrays, *common, program.mode == "ttfs_quantized", np.zeros(0, dtype))
        else:
            counted = np.zeros((recorded, program.n_values), np.int64)
            run_rate(xb, *arrays, *common, ENCODINGS[options.encoding], options.firing == "novena",
                     options.thresholding == "<=", options.uniforms(len(xb), program.steps, program.n_inputs, offset),
                     ends, stage_cycles, delay > 0, counted, *plan)
        return SimulationOutput(scores, spikes.sum(0), activity.sum(0), synops.sum(0), messages.sum(0), fired,
                                counted)

    with single_blas():
        return batched(run_batch, program, x, batch_size, progress)
