"""A sound spec loads into typed settings with defaults filled in."""

from runner.spec import load_spec
from tests.spec.conftest import VALID


def test_sound_spec_round_trip(write_spec):
    spec = load_spec(write_spec(VALID))
    assert spec.name == "demo" and spec.seed == 1 and spec.workdir.endswith("runs/demo")
    assert spec.platform.cores[0].axons == 64 and spec.platform.weight_bits == 8
    assert spec.platform.threshold == "per_neuron" and spec.platform.allow_axon_tiling is False
    assert spec.spiking.mode == "ttfs" and spec.spiking.steps == 8
    assert spec.training.epochs == 2 and spec.training.lr == 0.002 and spec.training.optimizer == "adam"
    assert spec.model.builder == "mlp" and tuple(spec.model.config["hidden"]) == (16,)
    assert spec.section("data") == {"provider": "synthetic", "validation": None, "test": None, "samples": 300,
                                    "features": 16, "classes": 4, "noise": 0.1}
    pretraining = spec.steps[2]
    assert (pretraining.type, pretraining.name, pretraining.line) == ("pretraining", "pretraining", 25)
    assert spec.training_for(pretraining).epochs == 3 and spec.training_for(spec.steps[3]).epochs == 2
    assert spec.steps[3].params["quantile"] == 0.999
