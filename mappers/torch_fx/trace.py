"""Trace a user's torch module with torch.fx, keeping source lines and einops calls as single nodes."""

import math
import operator
import re
import traceback

import einops
import torch
from torch import fx, nn


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


OPERATORS = {operator.add: "+", operator.iadd: "+=", operator.sub: "-", operator.isub: "-=", operator.mul: "*",
             operator.imul: "*=", operator.truediv: "/", operator.matmul: "@", operator.neg: "unary -",
             operator.getitem: "indexing"}


def operation(node: fx.Node, module) -> str:
    """What `node` does as its author wrote it: a module's class (`nn.Tanh`, or the user's own), a function
    (`F.gelu`, `torch.sigmoid`, `+`), a method (`Tensor.view`)."""
    if module is not None:
        cls = type(module)
        return f"nn.{cls.__name__}" if cls.__module__.startswith("torch.nn.") else cls.__name__
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    if node.op != "call_function":
        return {"output": "the output", "placeholder": "the input"}.get(node.op, f"{node.op} {node.target}")
    if node.target in OPERATORS:
        return OPERATORS[node.target]
    name, home = getattr(node.target, "__name__", str(node.target)), getattr(node.target, "__module__", None)
    if home == "torch.nn.functional" or getattr(nn.functional, name, None) is node.target:
        return f"F.{name}"
    if home in (None, "torch") or getattr(torch, name, None) is node.target:
        return f"torch.{name}"
    return f"{home}.{name}"


def call_arguments(node: fx.Node, names: tuple[str, ...]) -> dict:
    """A call's arguments by name, its positional ones matched to `names` in order."""
    return {**dict(zip(names, node.args)), **node.kwargs}


class SizedProxy(fx.Proxy):
    """A traced tensor whose sizes are the input shape's: every axis but the batch is a number (the tutorial's
    `for s in x.size()[1:]` traces), the batch stays a traced `x.size(0)`."""

    def size(self, dim: int | None = None):
        shape = self.tracer.shape_of(self.node)
        if shape is None:
            return self.tracer.create_proxy("call_method", "size", (self,) if dim is None else (self, dim), {})
        batch = self.tracer.create_proxy("call_method", "size", (self, 0), {})
        if dim is None:
            return (batch, *shape[1:])
        return batch if dim % len(shape) == 0 else shape[dim]

    @property
    def shape(self):
        return self.size()

    def dim(self):
        shape = self.tracer.shape_of(self.node)
        return len(shape) if shape is not None else self.tracer.create_proxy("call_method", "dim", (self,), {})


class SizedTracer(fx.Tracer):
    """torch.fx's tracer with SizedProxy tensors: a size is found by running the graph traced so far on one sample
    of `input_shape`."""

    def __init__(self, input_shape: tuple[int, ...] | None):
        super().__init__(autowrap_modules=(math, einops), autowrap_functions=(einops.rearrange,))
        self.input_shape, self.record_stack_traces, self.eager = input_shape, True, False

    def proxy(self, node: fx.Node) -> fx.Proxy:
        return SizedProxy(node, self)

    def shape_of(self, node: fx.Node) -> tuple[int, ...] | None:
        """The shape of `node`'s value on one sample (None when it is not a tensor or cannot be computed)."""
        if self.input_shape is None:
            return None
        graph, copies = fx.Graph(), {}
        for earlier in self.graph.nodes:
            copies[earlier] = graph.node_copy(earlier, copies.__getitem__)
            if earlier is node:
                break
        graph.output(copies[node])
        self.eager = True
        try:
            with torch.no_grad():
                value = _Eager(fx.GraphModule(self.root, graph)).run(torch.zeros(1, *self.input_shape))
        except Exception:  # the full run reports what fails, with its line
            return None
        finally:
            self.eager = False
        return tuple(value.shape) if isinstance(value, torch.Tensor) else None

    def getattr(self, attr, attr_val, parameter_proxy_cache):
        """A module's parameter: traced, except while `shape_of` runs the graph."""
        return attr_val if self.eager else super().getattr(attr, attr_val, parameter_proxy_cache)


class _Eager(fx.Interpreter):
    """Runs a graph while tracing goes on: a module's forward is called directly, since tracing redirects every
    module call to the tracer."""

    def call_module(self, target, args, kwargs):
        return self.fetch_attr(target).forward(*args, **kwargs)


def trace(module: torch.nn.Module, source_file: str | None = None,
          input_shape: tuple[int, ...] | None = None) -> fx.GraphModule:
    """The fx graph of `module` (sizes but the batch's known when `input_shape` is given); untraceable control flow
    becomes one clear Unrepresentable."""
    tracer = SizedTracer(input_shape)
    try:
        graph = tracer.trace(module)
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # fx raises TraceError, TypeError, RuntimeError for data-dependent code
        hint = ("forward() must return its output, not exit" if isinstance(error, SystemExit) else
                "the chip needs a fixed dataflow: move data-dependent branches out of forward()")
        raise Unrepresentable([f"cannot trace {type(module).__name__}: {described(error)} (at "
                               f"{raised_at(error, source_file) or '(unknown line)'}); {hint}"]) from error
    return fx.GraphModule(tracer.root, graph)


def raised_at(error: BaseException, source_file: str | None) -> str | None:
    """The last `file:line` of `error`'s traceback inside `source_file` (in any file when None)."""
    frames = [f"{frame.filename}:{frame.lineno}" for frame in traceback.extract_tb(error.__traceback__)
              if not source_file or source_file in frame.filename]
    return frames[-1] if frames else None


def described(error: BaseException) -> str:
    """`error` as the user reads it, in one line: `sys.exit(code)` for a SystemExit, else `Type: first line`;
    never raises (when the error cannot be printed, its type alone)."""
    name = type(error).__name__
    try:
        if isinstance(error, SystemExit):
            return f"sys.exit({error.code!r})"
        lines = str(error).strip().splitlines()
    except KeyboardInterrupt:
        raise
    except BaseException:
        return name
    return f"{name}: {lines[0]}" if lines else name
