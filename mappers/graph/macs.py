"""The network's multiply-accumulates per inference, per layer: what the same network costs as an ANN."""

import torch

from mappers.graph.representation import MapperGraph


def macs_per_layer(graph: MapperGraph) -> dict[str, int]:
    """Per perceptron (by name, graph order), its multiply-accumulates for one input: output elements times fan-in
    (a convolution's output positions x channels x in-channels/groups x kernel area; a linear layer's in x out).
    Bias additions, pools, sums and activations are not multiply-accumulates and are not counted."""
    counted, hooks = {}, []
    for name, p in graph.perceptrons():
        fan_in = p.layer.weight[0].numel()
        hooks.append(p.layer.register_forward_hook(
            lambda module, args, out, name=name, fan_in=fan_in: counted.__setitem__(name, out[0].numel() * fan_in)))
    was_training = graph.training
    graph.eval()
    try:
        with torch.no_grad():
            graph(torch.zeros(1, *graph.input_shape, dtype=next(graph.parameters()).dtype))
    finally:
        for hook in hooks:
            hook.remove()
        graph.train(was_training)
    return {name: int(counted[name]) for name, _ in graph.perceptrons()}
