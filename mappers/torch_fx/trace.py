"""Trace a user's torch module with torch.fx, keeping source lines and einops calls as single nodes."""

import math
import re

import einops
import torch
from torch import fx


class Unrepresentable(ValueError):
    """The module cannot become a mapper graph; `problems` has one line per offending node."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def source_line(node: fx.Node, source_file: str | None) -> str:
    """`file:line` in the user's file where `node` was created, when the trace recorded it."""
    frames = re.findall(r'File "([^"]+)", line (\d+)', node.stack_trace or "")
    chosen = [f for f in frames if source_file and f[0].endswith(source_file)] or frames
    return f"{chosen[-1][0]}:{chosen[-1][1]}" if chosen else "(no source line)"


def trace(module: torch.nn.Module, source_file: str | None = None) -> fx.GraphModule:
    """The fx graph of `module`; untraceable control flow becomes one clear Unrepresentable."""
    tracer = fx.Tracer(autowrap_modules=(math, einops), autowrap_functions=(einops.rearrange,))
    tracer.record_stack_traces = True
    try:
        graph = tracer.trace(module)
    except Exception as error:  # fx raises TraceError, TypeError, RuntimeError for data-dependent code
        frames = [line for line in _traceback_lines(error) if not source_file or source_file in line]
        where = frames[-1] if frames else "(unknown line)"
        raise Unrepresentable([f"cannot trace {type(module).__name__}: {error} (at {where}); the chip needs a "
                               "fixed dataflow: move data-dependent branches out of forward()"]) from error
    return fx.GraphModule(tracer.root, graph)


def _traceback_lines(error: BaseException) -> list[str]:
    import traceback
    return [f"{frame.filename}:{frame.lineno}" for frame in traceback.extract_tb(error.__traceback__)]
