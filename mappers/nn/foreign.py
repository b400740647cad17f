"""Activations other networks use in place of the chip's ReLU, by kind, each with up to two parameters.

A converted module keeps them, so its graph computes what the module computes; activation_adaptation then
blends each one into the ReLU with retraining.
"""

import torch
from torch.nn import functional as F

FOREIGN = {
    "gelu": lambda z, tanh, _: F.gelu(z, approximate="tanh" if tanh else "none"),
    "silu": lambda z, *_: F.silu(z),
    "tanh": lambda z, *_: torch.tanh(z),
    "sigmoid": lambda z, *_: torch.sigmoid(z),
    "leaky_relu": lambda z, slope, _: F.leaky_relu(z, slope),
    "hardtanh": lambda z, low, high: F.hardtanh(z, low, high),
    "elu": lambda z, alpha, _: F.elu(z, alpha),
    "identity": lambda z, *_: z,
}
"""kind -> f(z, a, b): `a` is GELU's tanh approximation (0 or 1), LeakyReLU's slope, Hardtanh's (and ReLU6's)
lower bound, ELU's alpha; `b` is Hardtanh's upper bound. `identity` is a pool's or a sum's: values such an
activation made negative pass on unclipped until adaptation."""

KINDS = tuple(FOREIGN)
