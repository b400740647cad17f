"""Random chip programs: layers of cores with neuron tiling, mixed sources, compute ops, partial sums."""

import numpy as np

from simulator.program import OUTPUT, PARTIAL, SPIKING, build_program


def random_program(seed: int, mode: str, steps: int, integer: bool, *, n_inputs: int = 12, layers: int = 3,
                   with_ops: bool = True, with_partials: bool = True, n_classes: int = 4):
    """A valid program: every core reads inputs, constants and values made before it."""
    rng = np.random.default_rng(seed)
    cores, ops = [], []
    next_value = 2 + n_inputs
    available = list(range(2, 2 + n_inputs))

    def add_core(sources, neurons, kind, scale):
        nonlocal next_value
        if integer:
            weights = rng.integers(-scale, scale + 1, (len(sources), neurons))
            thresholds = (rng.integers(max(1, scale // 2), 3 * scale, neurons) if kind != PARTIAL
                          else np.ones(neurons, np.int64))
        else:
            weights = rng.normal(0, 1, (len(sources), neurons))
            thresholds = rng.uniform(0.5, 2.0, neurons) if kind != PARTIAL else np.ones(neurons)
        cores.append({"weights": weights, "thresholds": thresholds, "sources": np.asarray(sources, np.int64),
                      "kind": kind, "value_start": next_value})
        values = list(range(next_value, next_value + neurons))
        next_value += neurons
        return values

    for layer in range(layers):
        made = []
        for _ in range(rng.integers(1, 4)):
            fan_in = int(rng.integers(2, min(10, len(available)) + 1))
            sources = list(rng.choice(available, fan_in, replace=False)) + [1]
            if rng.random() < 0.2:
                sources.append(0)
            if with_partials and rng.random() < 0.3:
                half = len(sources) // 2
                partial_a = add_core(sources[:half], 3, PARTIAL, 5)
                partial_b = add_core(sources[half:], 3, PARTIAL, 5)
                made += add_core(partial_a + partial_b + [1], 3, SPIKING, 3)
            else:
                made += add_core(sources, int(rng.integers(1, 6)), SPIKING, 6)
        available = available + made
        if with_ops and layer < layers - 1 and len(made) >= 4:
            width = 2
            rows = np.array(made[: (len(made) // width) * width]).reshape(-1, width)
            op = {"sources": rows, "position": len(cores), "value_start": next_value}
            if layer % 2:  # a weighted sum (residual addition, average) with an offset on the always-on axon
                op["sources"] = np.hstack([rows, np.ones((len(rows), 1), np.int64)])
                op["factors"] = rng.uniform(-0.5, 1.0, op["sources"].shape)
                op["eps"] = 1e-6
            ops.append(op)
            available += list(range(next_value, next_value + len(rows)))
            next_value += len(rows)
    sources = list(rng.choice(available, min(8, len(available)), replace=False)) + [1]
    outputs = add_core(sources, n_classes, OUTPUT, 6)
    return build_program(mode, steps, n_inputs, next_value, cores, ops, np.array(outputs))


def random_inputs(seed: int, samples: int, n_inputs: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed + 1000)
    x = rng.uniform(0, 1, (samples, n_inputs))
    x[rng.random(x.shape) < 0.2] = 0.0
    return x
