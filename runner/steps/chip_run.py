"""Run a chip program on data with the spec's spiking settings (shared by the mapping steps)."""

import numpy as np
import torch

import simulator
from mappers.hardware.hard_program import hard_program


def spiking_options(spec) -> dict:
    """Keyword arguments of `simulator.simulate` taken from the spec."""
    s = spec.spiking
    return {"encoding": s.encoding, "firing": s.firing, "thresholding": s.thresholding, "seed": spec.seed,
            "delay": s.synaptic_delay}


def flat_inputs(x: torch.Tensor) -> np.ndarray:
    """Samples x features, without a copy (the simulator takes float64 one batch at a time)."""
    return x.reshape(len(x), -1).numpy()


def chip_accuracy(ctx, program, x: torch.Tensor, y: torch.Tensor) -> float:
    """Accuracy of the Numba-simulated `program` on (x, y)."""
    out = simulator.simulate(program, flat_inputs(x), **spiking_options(ctx.spec))
    return float((out.predictions == y.numpy()).mean())


def first_test_samples(ctx):
    """(inputs, labels, deployed hard program) for the first `samples` test samples of a cross-checking step."""
    spiking, data = ctx.spec.spiking, ctx.data
    n = min(ctx.params["samples"], len(data.test_x))
    hard = hard_program(ctx.get("hard_mapping"), spiking.mode, spiking.steps, ctx.spec.platform.threshold)
    return flat_inputs(data.test_x[:n]), data.test_y[:n].numpy(), hard
