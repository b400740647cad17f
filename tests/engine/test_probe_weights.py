"""Hostile weights files: keys that are not names and values that are not finite are one message, exit 2."""

import math

import pytest
import torch

from runner.api import open_pipeline
from runner.cli import main
from runner.errors import UserError
from runner.steps.weight_preloading import read_state_dict, trained_tensors
from tests.engine.test_weight_preloading import PRELOAD


def test_all_nan_weights_are_refused_naming_the_first_tensor(small_spec, tmp_path, capsys):
    spec = small_spec(PRELOAD)
    pipeline = open_pipeline(str(spec), workdir=str(tmp_path / "run"), quiet=True)
    pipeline.run(until="model_building")
    model = pipeline.store.load("model_building", "model", pipeline._manifests["model_building"])
    state = {k: torch.full_like(v, math.nan) if v.is_floating_point() else v
             for k, v in trained_tensors(model).items()}
    torch.save(state, tmp_path / "weights.pt")
    assert main([str(spec), "--workdir", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err
    first = next(k for k, v in state.items() if v.is_floating_point())
    assert err == (f"error: step 'weight_preloading' failed: weight_preloading: tensor {first} in "
                   f"{tmp_path / 'weights.pt'} holds NaN or infinite values; save the weights of a model whose "
                   "training converged\n")


@pytest.mark.parametrize("state,expected", [
    ({1: torch.zeros(1)}, "has the key 1; its keys must be tensor names (strings), as in a model's state_dict()"),
    ({"a": torch.zeros(1), None: torch.zeros(1)}, "has the key None; its keys must be tensor names (strings)"),
    ({"a": torch.zeros(2), "b": torch.tensor([1.0, math.inf])}, "tensor b in "),
    ({"a": torch.tensor([-math.inf], dtype=torch.float16)}, "tensor a in "),
    ({"a": torch.sparse_coo_tensor([[0]], [1.0], (3,), check_invariants=True)},
     "does not hold a state_dict (a mapping of names to dense tensors)"),
])
def test_keys_must_be_names_and_values_finite_dense_tensors(tmp_path, state, expected):
    torch.save(state, tmp_path / "w.pt")
    with pytest.raises(UserError) as info:
        read_state_dict(tmp_path / "w.pt")
    assert info.value.message.startswith("weight_preloading: ") and expected in info.value.message


def test_integer_tensors_and_finite_floats_are_read(tmp_path):
    state = {"count": torch.tensor(3), "weight": torch.ones(2)}
    torch.save(state, tmp_path / "w.pt")
    assert read_state_dict(tmp_path / "w.pt").keys() == state.keys()
