"""The hybrid mapping: neural segments between compute ops, and the state buffer between them.

Stage s runs a segment of cores on the chip, then the host runs the compute ops that follow
it (a round-trip) and feeds their outputs back. Values made before stage s and read in stage
s or later cross the boundary into it: they are the state buffer there.
"""

from dataclasses import dataclass

import numpy as np

from mappers.ir.graph import FIRST_INPUT, IRGraph


@dataclass(frozen=True)
class Stage:
    """Cores `[first_core, end_core)`, then the ops that follow; `carried` enter it from the buffer."""

    first_core: int
    end_core: int
    ops: tuple[int, ...]
    carried: np.ndarray


def schedule(ir: IRGraph) -> list[tuple[str, int, int]]:
    """(kind, index, stage) of every core and op in execution order (an op after `position` cores)."""
    boundaries = sorted({op.position for op in ir.ops})
    events = sorted([(c, 1, i) for i, c in enumerate(range(len(ir.cores)))] +
                    [(op.position, 0, i) for i, op in enumerate(ir.ops)])
    order = []
    for position, is_core, index in events:
        stage = int(np.searchsorted(boundaries, position, side="right" if is_core else "left"))
        order.append(("core" if is_core else "op", index, stage))
    return order


def hybrid_stages(ir: IRGraph) -> list[Stage]:
    """Stages in execution order, each with the values it receives from the state buffer."""
    made, read, value = {}, {}, FIRST_INPUT + ir.n_inputs
    members: dict[int, dict] = {}
    for kind, index, stage in schedule(ir):
        node = ir.cores[index] if kind == "core" else ir.ops[index]
        count = node.neurons if kind == "core" else node.outputs
        made.update({v: stage for v in range(value, value + count)})
        value += count
        for v in np.unique(node.sources):
            read[int(v)] = read.get(int(v), set()) | {stage}
        entry = members.setdefault(stage, {"cores": [], "ops": []})
        entry["cores" if kind == "core" else "ops"].append(index)
    stages = []
    for s in range(len({op.position for op in ir.ops}) + 1):
        entry = members.get(s, {"cores": [], "ops": []})
        carried = sorted(v for v, readers in read.items()
                         if v in made and made[v] < s and max(readers) >= s)
        first = min(entry["cores"], default=stages[-1].end_core if stages else 0)
        stages.append(Stage(first, max(entry["cores"], default=first - 1) + 1, tuple(entry["ops"]),
                            np.asarray(carried, np.int64)))
    return stages
