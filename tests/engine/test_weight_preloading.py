"""weight_preloading: a round trip gives identical predictions; every kind of key mismatch is named."""

import pytest
import torch

from runner.api import open_pipeline
from runner.errors import UserError
from runner.steps.weight_preloading import trained_tensors
from runner.tuning.trainer import predict
from tests.engine.conftest import SMALL

PRELOAD = SMALL.replace("  - pretraining\n", "  - weight_preloading:\n      path: weights.pt\n")


def test_preloading_round_trip_gives_identical_predictions(small_spec, tmp_path):
    trained = open_pipeline(str(small_spec()), workdir=str(tmp_path / "a"), quiet=True)
    original = trained.run()
    model = trained.store.load("pretraining", "float_model", trained._manifests["pretraining"])
    torch.save(trained_tensors(model), tmp_path / "weights.pt")
    preloaded = open_pipeline(str(small_spec(PRELOAD)), workdir=str(tmp_path / "b"), quiet=True)
    report = preloaded.run()
    loaded = preloaded.store.load("weight_preloading", "float_model", preloaded._manifests["weight_preloading"])
    x = torch.rand(64, 12)
    assert torch.equal(predict(loaded, x), predict(model, x))
    assert report["simulation"]["float_accuracy"] == original["simulation"]["float_accuracy"]
    assert report["steps"][2]["metric"] == original["steps"][2]["metric"]


@pytest.mark.parametrize("edit,expected", [
    (lambda s: s.pop("nodes.2.perceptron.layer.bias"), "missing: nodes.2.perceptron.layer.bias (24,)"),
    (lambda s: s.__setitem__("extra.weight", torch.zeros(2)), "unexpected: extra.weight (2,)"),
    (lambda s: s.__setitem__("nodes.3.perceptron.layer.weight", torch.zeros(3, 5)),
     "shape of nodes.3.perceptron.layer.weight: file (3, 5), model (3, 24)"),
])
def test_each_kind_of_key_mismatch_is_listed(small_spec, tmp_path, edit, expected):
    pipeline = open_pipeline(str(small_spec(PRELOAD)), workdir=str(tmp_path / "run"), quiet=True)
    pipeline.run(until="model_building")
    model = pipeline.store.load("model_building", "model", pipeline._manifests["model_building"])
    state = trained_tensors(model)
    edit(state)
    torch.save(state, tmp_path / "weights.pt")
    with pytest.raises(UserError) as info:
        pipeline.run()
    assert expected in info.value.message


def test_missing_weights_file_is_a_clear_error(small_spec, tmp_path):
    pipeline = open_pipeline(str(small_spec(PRELOAD)), workdir=str(tmp_path / "run"), quiet=True)
    with pytest.raises(UserError, match="no weights file .*weights.pt; fix the step's `path`"):
        pipeline.run()


def test_user_keys_of_a_torch_model_are_translated(tmp_path):
    """A user's own state_dict (their layer names) preloads into the converted torch model."""
    from pathlib import Path
    import importlib.util
    spec_path = Path(__file__).resolve().parents[2] / "spec" / "torch_custom_digits.yaml"
    model_file = spec_path.parent / "models" / "small_cnn.py"
    loader = importlib.util.spec_from_file_location("user_cnn", model_file)
    user = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(user)
    net = user.SmallCNN(channels=16, hidden=64).eval()
    text = spec_path.read_text().replace("models/small_cnn.py", str(model_file)).replace(
        "  - pretraining\n", f"  - weight_preloading:\n      path: {tmp_path / 'user.pt'}\n")
    torch.save(net.state_dict(), tmp_path / "user.pt")
    (tmp_path / "spec.yaml").write_text(text)
    pipeline = open_pipeline(str(tmp_path / "spec.yaml"), workdir=str(tmp_path / "run"), quiet=True)
    pipeline.run(until="weight_preloading")
    loaded = pipeline.store.load("weight_preloading", "model", pipeline._manifests["weight_preloading"])
    x = torch.randint(0, 17, (16, 1, 8, 8)) / 16.0  # on the S = 16 input grid the model quantizes to
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), net(x), rtol=1e-5, atol=1e-5)
