"""The activations other than ReLU a traced module calls: their kind (mappers.nn.foreign) and parameters."""

import torch
from torch import fx, nn
from torch.nn import functional as F

from mappers.torch_fx.trace import call_arguments

MODULES = (
    (nn.GELU, lambda m: ("gelu", float(m.approximate == "tanh"), 0.0)),
    (nn.SiLU, lambda m: ("silu", 0.0, 0.0)),
    (nn.Tanh, lambda m: ("tanh", 0.0, 0.0)),
    (nn.Sigmoid, lambda m: ("sigmoid", 0.0, 0.0)),
    (nn.LeakyReLU, lambda m: ("leaky_relu", float(m.negative_slope), 0.0)),
    (nn.Hardtanh, lambda m: ("hardtanh", float(m.min_val), float(m.max_val))),  # nn.ReLU6 too: Hardtanh(0, 6)
    (nn.ELU, lambda m: ("elu", float(m.alpha), 0.0)),
)
FUNCTIONS = {
    F.gelu: (("input", "approximate"), lambda a: ("gelu", float(a.get("approximate", "none") == "tanh"), 0.0)),
    F.silu: (("input",), lambda a: ("silu", 0.0, 0.0)),
    torch.tanh: (("input",), lambda a: ("tanh", 0.0, 0.0)),
    F.tanh: (("input",), lambda a: ("tanh", 0.0, 0.0)),
    torch.sigmoid: (("input",), lambda a: ("sigmoid", 0.0, 0.0)),
    F.sigmoid: (("input",), lambda a: ("sigmoid", 0.0, 0.0)),
    F.leaky_relu: (("input", "negative_slope"), lambda a: ("leaky_relu", float(a.get("negative_slope", 0.01)), 0.0)),
    F.relu6: (("input",), lambda a: ("hardtanh", 0.0, 6.0)),
    F.hardtanh: (("input", "min_val", "max_val"),
                 lambda a: ("hardtanh", float(a.get("min_val", -1.0)), float(a.get("max_val", 1.0)))),
    F.elu: (("input", "alpha"), lambda a: ("elu", float(a.get("alpha", 1.0)), 0.0)),
}
METHODS = {"tanh": "tanh", "sigmoid": "sigmoid"}


def foreign_activation(node: fx.Node, module) -> tuple[str, float, float] | None:
    """(kind, a, b) when `node` applies one of the activations activation_adaptation replaces, else None."""
    if module is not None:
        return next((read(module) for cls, read in MODULES if isinstance(module, cls)), None)
    if node.op == "call_function" and node.target in FUNCTIONS:
        names, read = FUNCTIONS[node.target]
        return read(call_arguments(node, names))
    if node.op == "call_method" and node.target in METHODS:
        return METHODS[node.target], 0.0, 0.0
    return None
