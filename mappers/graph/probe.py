"""Look inside a mapper graph: every perceptron's pre-activation on a batch."""

import torch

from mappers.graph.representation import MapperGraph


def pre_activations(graph: MapperGraph, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Pre-activation outputs of every perceptron on `x` (eval mode), by perceptron name."""
    captured, hooks = {}, []
    for name, p in graph.perceptrons():
        hooks.append(p.register_forward_hook(
            lambda module, args, out, name=name: captured.__setitem__(name, module.pre_activation(args[0]))))
    graph.eval()
    try:
        with torch.no_grad():
            graph(x)
    finally:
        for hook in hooks:
            hook.remove()
    return captured
