"""Time on the chip: TTFS windows, rate coding's hop depths, cycles per stage and the latency of one inference.

TTFS: the inputs spike in window 0 (S cycles); a core integrates in the latest window its inputs spike in (an
earlier input is held until then) and fires in the next; a partial-sum core passes its currents on within its
window; an output core is read at the end of its window. Rate coding: every stage runs T cycles, plus its depth
in core hops less one where each hop delays a spike by one cycle. Host round-trips add host time, not cycles.
"""

from dataclasses import dataclass

import numpy as np

from simulator.kernels.common import stage_bounds
from simulator.program import OUTPUT, SPIKING, ChipProgram


@dataclass(frozen=True)
class Schedule:
    """Per core the first cycle its inputs can arrive (`start`) and the cycle after its last output (`end`);
    the cycles of each stage; the `latency` of one inference and the `interval` between pipelined inferences."""

    start: np.ndarray
    end: np.ndarray
    stage_cycles: np.ndarray
    latency: int
    interval: int


def core_stages(p: ChipProgram) -> np.ndarray:
    """The stage (neural segment between host round-trips, as the kernels run them) of every core."""
    return np.searchsorted(stage_bounds(p.op_position, p.n_cores), np.arange(p.n_cores), side="right")


def ttfs_windows(p: ChipProgram) -> np.ndarray:
    """Per core, the window it integrates in: the latest window its inputs spike in (0 for the inputs)."""
    window = np.zeros(p.n_values, np.int64)
    integrates = np.zeros(p.n_cores, np.int64)
    o = 0
    for c in range(p.n_cores + 1):
        while o < len(p.op_position) and p.op_position[o] == c:
            rows = p.op_sources[p.op_source_offset[o]:p.op_source_offset[o + 1]].reshape(-1, p.op_width[o])
            window[p.op_value_start[o]:p.op_value_start[o] + len(rows)] = window[rows].max(axis=1)
            o += 1
        if c == p.n_cores:
            break
        integrates[c] = window[p.core_sources(c)].max(initial=0)
        made = slice(p.value_start[c], p.value_start[c] + p.neuron_count[c])
        window[made] = integrates[c] + (p.core_kind[c] == SPIKING)
    return integrates


def hop_depths(reads: list[np.ndarray], made: list[np.ndarray], stage: np.ndarray, n_values: int) -> np.ndarray:
    """Per crossbar in execution order: one more than the deepest crossbar of its own stage whose values it reads."""
    depth_of, stage_of = np.zeros(n_values, np.int64), np.full(n_values, -1, np.int64)
    depth = np.zeros(len(reads), np.int64)
    for c, (sources, values) in enumerate(zip(reads, made)):
        same = stage_of[sources] == stage[c]
        depth[c] = 1 + depth_of[sources][same].max(initial=0)
        depth_of[values], stage_of[values] = depth[c], stage[c]
    return depth


def stage_cycles(steps: int, depth: np.ndarray, stage: np.ndarray, n_stages: int, delay: int) -> np.ndarray:
    """Rate coding's cycles per stage: T, plus the stage's depth less one when every hop delays by `delay` cycles
    (0 for a stage without cores)."""
    deepest = np.zeros(n_stages, np.int64)
    np.maximum.at(deepest, stage, depth)
    return np.where(deepest > 0, steps + delay * np.maximum(deepest - 1, 0), 0)


def rate_depths(p: ChipProgram) -> tuple[np.ndarray, np.ndarray]:
    """(hop depth, stage) of every core of a rate program."""
    stage = core_stages(p)
    made = [np.arange(p.value_start[c], p.value_start[c] + p.neuron_count[c]) for c in range(p.n_cores)]
    return hop_depths([p.core_sources(c) for c in range(p.n_cores)], made, stage, p.n_values), stage


def schedule(p: ChipProgram, delay: int = 0) -> Schedule:
    """When each core works in one inference, and the inference's latency, in cycles."""
    steps = p.steps
    if p.mode != "rate":
        window = ttfs_windows(p)
        start = window * steps
        end = start + steps * (1 + (p.core_kind == SPIKING))
        latency = int(end[p.core_kind == OUTPUT].max(initial=end.max(initial=0)))
        return Schedule(start, end, np.zeros(0, np.int64), latency, 2 * steps)
    depth, stage = rate_depths(p)
    n_stages = len(stage_bounds(p.op_position, p.n_cores))
    cycles = stage_cycles(steps, depth, stage, n_stages, delay)
    first = np.concatenate([[0], np.cumsum(cycles)[:-1]])
    start = first[stage] + delay * (depth - 1)
    end = first[stage] + cycles[stage]
    return Schedule(start, end, cycles, int(cycles.sum()), int(cycles.max(initial=steps)))
