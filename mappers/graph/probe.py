"""Look inside a mapper graph: every perceptron's pre-activation on a batch."""

import torch

from mappers.graph.mappers import AddMapper, ResidualMapper
from mappers.graph.representation import MapperGraph


def pre_activations(graph: MapperGraph, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """What every perceptron and residual addition feeds its activation, on `x` (eval mode), by name."""
    captured, hooks = {}, []
    for name, p in graph.perceptrons():
        hooks.append(p.register_forward_hook(
            lambda module, args, out, name=name: captured.__setitem__(name, module.pre_activation(args[0]))))
    for name, node in zip(graph.names, graph.nodes):
        if isinstance(node, (AddMapper, ResidualMapper)):
            total = (lambda a, b: a + b) if isinstance(node, AddMapper) else node.pre_activation
            hooks.append(node.register_forward_hook(
                lambda module, args, out, name=name, total=total: captured.__setitem__(name, total(*args))))
    graph.eval()
    try:
        with torch.no_grad():
            graph(x)
    finally:
        for hook in hooks:
            hook.remove()
    return captured
