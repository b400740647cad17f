"""The torch references on a device: every tensor placed explicitly (a stray default-device tensor fails here), and
int64 programs, which CUDA cannot multiply, kept on the CPU."""

import dataclasses

import numpy as np
import pytest
import torch

from mappers.hardware.hard_program import hard_program
from simulator import simulate_reference
from simulator.hard_reference import simulate_hard_reference
from simulator.reference import exact_device
from tests.hardware.hard_programs import TWO_TYPES, ir_of, packed
from tests.simulator.random_programs import random_inputs, random_program


def test_int64_programs_run_on_the_cpu_whatever_the_device():
    small = random_program(1, "ttfs_quantized", 16, integer=True, with_partials=False)
    large = dataclasses.replace(small, weights=small.weights << 40, weights_t=small.weights_t << 40,
                                thresholds=small.thresholds << 40, output_thresholds=small.output_thresholds << 40)
    assert exact_device(small, "cuda") == torch.device("cuda") and exact_device(large, "cuda") == torch.device("cpu")
    assert exact_device(random_program(1, "ttfs", 16, integer=False), "cuda") == torch.device("cuda")


@pytest.mark.parametrize("mode, steps", [("ttfs", 8), ("ttfs_quantized", 16), ("rate", 8)])
def test_no_tensor_lands_on_the_default_device(mode, steps):
    """With torch's default device set to `meta` (tensors without data), a reference that placed one tensor
    implicitly would fail or differ; placed explicitly on the CPU, both give what they give without it."""
    program = random_program(2, mode, steps, integer=True)
    hard = hard_program(packed(ir_of(program), TWO_TYPES), mode, steps, "per_neuron")
    x = random_inputs(2, 40)
    runs = lambda: (simulate_reference(program, x, batch_size=16, device="cpu"),
                    simulate_hard_reference(hard, x, batch_size=16, device="cpu"))
    expected = runs()
    with torch.device("meta"):
        placed = runs()
    for one, other in zip(expected, placed):
        assert one.same_as(other, exact=True)
        np.testing.assert_array_equal(one.scores, other.scores)
