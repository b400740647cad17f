"""A NIR graph run by nirtorch under NIR's own definitions in discrete time (dt = 1 cycle): the reference an
imported or exported chip is compared with. Every node maps from NIR's equations alone; no metadata is read.
The inputs take the Input node's shape, a batch axis in front."""

import nir
import numpy as np
import torch

from mappers.zoo.nir import pair
from simulator.reference import input_train


class Affine(torch.nn.Module):
    """y = W x + b (Linear: b = 0)."""

    def __init__(self, node):
        super().__init__()
        self.weight = torch.from_numpy(np.asarray(node.weight, np.float64))
        bias = getattr(node, "bias", None)
        self.bias = torch.zeros(len(self.weight), dtype=torch.float64) if bias is None else \
            torch.from_numpy(np.asarray(bias, np.float64))

    def forward(self, x):
        return x @ self.weight.T.to(x.dtype) + self.bias.to(x.dtype)


class Scale(torch.nn.Module):
    """y = s * x."""

    def __init__(self, node):
        super().__init__()
        self.scale = torch.from_numpy(np.asarray(node.scale, np.float64))

    def forward(self, x):
        return x * self.scale


class Convolution(torch.nn.Module):
    """NIR's Conv2d: a 2-D cross-correlation with its stride, padding, dilation and groups, plus the bias."""

    def __init__(self, node):
        super().__init__()
        self.weight = torch.from_numpy(np.asarray(node.weight, np.float64))
        self.bias = None if node.bias is None else torch.from_numpy(np.asarray(node.bias, np.float64).reshape(-1))
        self.options = {"stride": pair(node.stride), "dilation": pair(node.dilation), "groups": int(node.groups),
                        "padding": node.padding if isinstance(node.padding, str) else pair(node.padding)}

    def forward(self, x):
        return torch.nn.functional.conv2d(x, self.weight.to(x.dtype), self.bias, **self.options)


class Pool(torch.nn.Module):
    """SumPool2d (the window's sum) and AvgPool2d (its mean)."""

    def __init__(self, node):
        super().__init__()
        self.kernel, self.stride, self.padding = pair(node.kernel_size), pair(node.stride), pair(node.padding)
        self.factor = float(np.prod(self.kernel)) if isinstance(node, nir.SumPool2d) else 1.0

    def forward(self, x):
        return torch.nn.functional.avg_pool2d(x, self.kernel, self.stride, self.padding, count_include_pad=True) \
            * self.factor


class Flatten(torch.nn.Module):
    """NIR's Flatten of the per-sample axes `start_dim`..`end_dim` (the batch axis kept in front)."""

    def __init__(self, node):
        super().__init__()
        self.start, self.end = node.start_dim, node.end_dim

    def forward(self, x):
        return x.flatten(1 + self.start if self.start >= 0 else self.start,
                         1 + self.end if self.end >= 0 else self.end)


class Threshold(torch.nn.Module):
    """z = 1 where x > threshold."""

    def __init__(self, node):
        super().__init__()
        self.threshold = torch.from_numpy(np.asarray(node.threshold, np.float64))

    def forward(self, x):
        return (x > self.threshold).to(x.dtype)


class Integrator(torch.nn.Module):
    """I: dv/dt = r x, one Euler step of dt = 1 per call; the output is v."""

    def __init__(self, node):
        super().__init__()
        self.r = torch.from_numpy(np.asarray(node.r, np.float64))

    def forward(self, x, state=None):
        v = self.r * x if state is None else state + self.r * x
        return v, v


class IntegrateAndFire(torch.nn.Module):
    """IF: dv/dt = r x; z = 1 where v > v_threshold, and there v = v_reset. A LIF whose tau is infinite is this
    with gain r / tau (1 where both are infinite, as snnTorch writes beta = 1); a CubaLIF of tau_syn = 1 too,
    times w_in (the importer refuses the others)."""

    def __init__(self, node):
        super().__init__()
        r = np.asarray(node.r, np.float64)
        if isinstance(node, (nir.LIF, nir.CubaLIF)):
            tau = np.asarray(node.tau if isinstance(node, nir.LIF) else node.tau_mem, np.float64)
            with np.errstate(invalid="ignore"):
                r = np.where(np.isinf(r) & np.isinf(tau), 1.0, r / tau)
            if isinstance(node, nir.CubaLIF):  # a synaptic current of tau_syn = 1: the cycle's input times w_in
                r = r * np.asarray(node.w_in, np.float64)
        self.r, self.v_threshold = torch.from_numpy(r), torch.from_numpy(np.asarray(node.v_threshold, np.float64))
        self.v_reset = torch.from_numpy(np.asarray(node.v_reset, np.float64))

    def forward(self, x, state=None):
        v = self.r * x if state is None else state + self.r * x
        z = v > self.v_threshold
        return z.to(x.dtype), torch.where(z, self.v_reset, v)


class DelayLine(torch.nn.Module):
    """y_t = x_(t - cycles) (zero before), cycles >= 0."""

    def __init__(self, cycles: int):
        super().__init__()
        self.cycles = cycles

    def forward(self, x, state=None):
        line = [torch.zeros_like(x)] * self.cycles if state is None else state
        line = line + [x]
        return line[0], line[1:]


def reaches_itself(after: dict, name: str) -> bool:
    """Whether node `name`'s output comes back to it (`after`: each node's readers)."""
    seen, todo = set(), list(after.get(name, []))
    while todo:
        node = todo.pop()
        if node == name:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(after.get(node, []))
    return False


def forward_delay(graph) -> int:
    """The most cycles of Delay on a path from Input to Output outside loops: how long the last input spike takes
    to reach the output."""
    after = {}
    for a, b in graph.edges:
        after.setdefault(a, []).append(b)
    loops = {name for name, node in graph.nodes.items() if isinstance(node, nir.Delay) and reaches_itself(after, name)}
    longest = {}

    def reach(name: str) -> int:  # a loop's Delay is never entered, so the walk has no cycles
        if name not in longest:
            node = graph.nodes[name]
            own = int(np.max(node.delay)) if isinstance(node, nir.Delay) else 0
            longest[name] = own + max((reach(b) for b in after.get(name, []) if b not in loops), default=0)
        return longest[name]

    return max(reach(name) for name, node in graph.nodes.items() if isinstance(node, nir.Input))


def node_map(graph) -> dict:
    """NIR's definitions in discrete time. nirtorch feeds a loop's back edge the output of the previous call, one
    cycle of delay already, so a Delay on a loop adds one cycle less there."""
    after = {}
    for a, b in graph.edges:
        after.setdefault(a, []).append(b)
    looped = {id(node) for name, node in graph.nodes.items()
              if isinstance(node, nir.Delay) and reaches_itself(after, name)}
    delay = lambda node: DelayLine(int(np.max(node.delay)) - (id(node) in looped))
    return {nir.Affine: Affine, nir.Linear: Affine, nir.Scale: Scale, nir.Flatten: Flatten, nir.Threshold: Threshold,
            nir.I: Integrator, nir.IF: IntegrateAndFire, nir.LIF: IntegrateAndFire, nir.CubaLIF: IntegrateAndFire,
            nir.Delay: delay, nir.Conv2d: Convolution, nir.SumPool2d: Pool, nir.AvgPool2d: Pool}


def nir_scores(graph, x: np.ndarray, steps: int, encoding: str, cycles: int, accumulate: bool) -> np.ndarray:
    """The output node's values after `cycles` cycles, the inputs (values in [0, 1]) spiking by `encoding` in the
    first `steps`; with `accumulate`, their sum over the cycles (a readout of synapses, with no integrator)."""
    import nirtorch

    module = nirtorch.nir_to_torch(graph, node_map(graph), dtype=torch.float64)
    entry = next(node for node in graph.nodes.values() if isinstance(node, nir.Input))
    shape = tuple(int(v) for v in next(iter(entry.input_type.values())))
    x, state, total = torch.from_numpy(np.asarray(x, np.float64)), None, 0.0
    with torch.no_grad():
        for t in range(cycles):
            spikes = input_train(x, t, steps, encoding, None).double() if t < steps else torch.zeros_like(x)
            out, state = module(spikes.reshape(len(x), *shape), state)
            total = total + out if accumulate else out
    return total.numpy()
