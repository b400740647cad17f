"""Every class of spec mistake: one message, the right line, what was expected."""

import pytest

from runner.errors import UserError
from runner.spec import load_spec
from tests.spec.conftest import VALID


def error_of(path) -> str:
    with pytest.raises(UserError) as info:
        load_spec(path)
    assert info.value.exit_code == 2
    return info.value.message


def test_unknown_key_suggests_the_nearest(write_spec):
    message = error_of(write_spec(VALID.replace("  epochs: 2", "  epoch: 2")))
    assert "spec.yaml:21: training.epoch: unknown key; did you mean 'epochs'?" in message


def test_missing_required_key(write_spec):
    message = error_of(write_spec(VALID.replace("  steps: 8\n", "")))
    assert "spec.yaml:17: spiking.steps: missing required key" in message


def test_wrong_type(write_spec):
    message = error_of(write_spec(VALID.replace("samples: 300", "samples: many")))
    assert "spec.yaml:6: data.samples: expected an integer >= 10, got 'many'" in message


@pytest.mark.parametrize("old,new,line,text", [
    ("      neurons: 32", "      neurons: 0", 15,
     "platform.cores[0].neurons: 0 is out of range: expected an integer >= 1"),
    ("      count: 8\n", "      count: 8\n  weight_bits: 17\n", 17, "platform.weight_bits: 17 is out of range"),
    ("  steps: 8", "  steps: -2", 19, "spiking.steps: -2 is out of range"),
    ("      epochs: 3", "      epochs: 0", 26, "steps[2].pretraining.epochs: 0 is out of range"),
])
def test_out_of_range_values(write_spec, old, new, line, text):
    assert f"spec.yaml:{line}: {text}" in error_of(write_spec(VALID.replace(old, new)))


def test_unknown_step_says_did_you_mean(write_spec):
    message = error_of(write_spec(VALID.replace("  - activation_analysis", "  - activation_analyss")))
    assert "spec.yaml:27: steps[3]: unknown step 'activation_analyss'; did you mean 'activation_analysis'?" in message


def test_step_twice_without_as(write_spec):
    message = error_of(write_spec(VALID.replace("  - simulation", "  - simulation\n  - simulation")))
    assert "spec.yaml:31: steps[7].simulation: 'simulation' is already the name of the step at line 30" in message
    assert "as: other_name" in message


def test_step_twice_with_as_is_fine(write_spec):
    spec = load_spec(write_spec(VALID.replace("  - simulation", "  - simulation\n  - simulation:\n      as: again")))
    assert [e.name for e in spec.steps][-2:] == ["simulation", "again"]


def test_several_errors_are_all_reported(write_spec):
    text = VALID.replace("samples: 300", "samples: x").replace("  epochs: 2", "  epocs: 2").replace(
        "  - simulation", "  - simulaton")
    message = error_of(write_spec(text))
    assert message.startswith("3 error(s)")
    for line in ("spec.yaml:6:", "spec.yaml:21:", "spec.yaml:30:"):
        assert line in message


def test_line_numbers_survive_comments(write_spec):
    text = VALID.replace("data:\n", "# one\n\n# two\ndata:\n  # inside\n").replace(
        "  - pretraining:", "  # a comment between items\n\n  - pretraining:").replace("samples: 300", "samples: many")
    message = error_of(write_spec(text))
    assert "spec.yaml:10: data.samples" in message


@pytest.mark.parametrize("text,expected", [
    ("", "spec.yaml:1: (document): the spec is empty"),
    ("# only a comment\n\n", "spec.yaml:1: (document): the spec is empty"),
    ("- a\n- b\n", "spec.yaml:1: (document): the spec must be a mapping of sections"),
    ("just text\n", "spec.yaml:1: (document): the spec must be a mapping"),
    ("name: x\ndata: {provider: digits}\n", "spec.yaml:2: (document): flow style ({...} or [...]) is not allowed"),
    ("name: x\nsteps: [a, b]\n", "spec.yaml:2: (document): flow style"),
    ("name: x\nname: y\n", "spec.yaml:2: (document): Duplicate key 'name' found"),
])
def test_malformed_documents(write_spec, text, expected):
    assert expected in error_of(write_spec(text))


def test_missing_file(tmp_path):
    assert "no such spec file" in error_of(tmp_path / "nowhere.yaml")


def test_rate_only_keys_are_rejected_in_ttfs(write_spec):
    message = error_of(write_spec(VALID.replace("  steps: 8", "  steps: 8\n  encoding: uniform")))
    assert "spec.yaml:20: spiking.encoding: not used by mode 'ttfs' (only by rate)" in message


@pytest.mark.parametrize("old,new,text", [
    ("  steps: 8", "  steps: 8\n  evaluation: cycles", "spec.yaml:20: spiking.evaluation: not used by mode 'ttfs' "
     "(only by ttfs_quantized)"),
    ("  mode: ttfs\n  steps: 8", "  mode: ttfs_quantized\n  steps: 8\n  evaluation: cycle",
     "spec.yaml:20: spiking.evaluation: 'cycle' is not one of closed_form, cycles; did you mean 'cycles'?"),
    ("  mode: ttfs\n", "  mode: rate\n  synaptic_delay: 2\n", "spec.yaml:19: spiking.synaptic_delay: 2 is out of "
     "range: expected an integer >= 0 <= 1"),
    ("      count: 8\n", "      count: 8\n  cycle_ns: 0\n", "spec.yaml:17: platform.cycle_ns: 0 is out of range"),
])
def test_time_options(write_spec, old, new, text):
    assert text in error_of(write_spec(VALID.replace(old, new)))


def test_time_options_are_read(write_spec):
    text = VALID.replace("  mode: ttfs\n", "  mode: rate\n  synaptic_delay: 1\n")
    text = text.replace("      count: 8\n", "      count: 8\n  cycle_ns: 2.5\n")
    spec = load_spec(write_spec(text))
    assert spec.spiking.synaptic_delay == 1 and spec.platform.cycle_ns == 2.5


def test_activation_levels_belong_to_spiking_steps_in_ttfs(write_spec):
    text = VALID.replace("  - activation_analysis",
                         "  - activation_analysis\n  - activation_quantization:\n      levels: 4")
    message = error_of(write_spec(text))
    assert "spec.yaml:28: activation_quantization.levels: not used in mode 'ttfs'" in message


def test_max_pool_is_host_or_cores(write_spec):
    message = error_of(write_spec(VALID.replace("      count: 8\n", "      count: 8\n  max_pool: bogus\n")))
    assert "spec.yaml:17: platform.max_pool: 'bogus' is not one of host, cores" in message


def test_key_of_another_provider(write_spec):
    message = error_of(write_spec(VALID.replace("  samples: 300", "  samples: 300\n  root: /data")))
    assert "spec.yaml:7: data.root: not used by provider 'synthetic' (only by mnist, fashion_mnist)" in message


DIGITS = VALID.replace("  provider: synthetic\n  samples: 300\n", "  provider: digits\n")
AUGMENTED = "  epochs: 2\n  augmentation:\n    shift: {}\n    flip: {}\n"


@pytest.mark.parametrize("training, line, text", [
    ("  epochs: 2\n  label_smoothing: 0.6\n", 21, "training.label_smoothing: 0.6 is out of range: expected a number "
                                                  ">= 0 <= 0.5"),
    ("  epochs: 2\n  optimizer: adamv\n", 21, "training.optimizer: 'adamv' is not one of adam, adamw, sgd; did you "
                                              "mean 'adam'?"),
    (AUGMENTED.format(-1, "true"), 22, "training.augmentation.shift: -1 is out of range: expected an integer >= 0"),
    (AUGMENTED.format(1, "sometimes"), 23, "training.augmentation.flip: expected true or false, got 'sometimes'"),
    (AUGMENTED.format(5, "false"), 22, "training.augmentation.shift: 5 is out of range for 8x8 images: expected an "
                                       "integer <= 4 (half the image)"),
    ("  epochs: 2\n  augmentation:\n    shfit: 1\n", 22, "training.augmentation.shfit: unknown key; did you mean "
                                                       "'shift'?"),
])
def test_bad_training_options(write_spec, training, line, text):
    assert f"spec.yaml:{line}: {text}" in error_of(write_spec(DIGITS.replace("  epochs: 2\n", training)))


def test_augmentation_needs_images(write_spec):
    message = error_of(write_spec(VALID.replace("  epochs: 2\n", AUGMENTED.format(0, "true"))))
    assert ("spec.yaml:22: training.augmentation: data provider 'synthetic' gives feature vectors of shape (16,), "
            "not images: remove the augmentation") in message


def test_augmentation_and_label_smoothing_load_into_the_training_settings(write_spec):
    spec = load_spec(write_spec(DIGITS.replace("  epochs: 2\n", AUGMENTED.format(2, "true") + "  label_smoothing: "
                                                                                              "0.1\n")))
    assert (spec.training.augmentation.shift, spec.training.augmentation.flip) == (2, True)
    assert spec.training.label_smoothing == 0.1
    assert load_spec(write_spec(VALID)).training.augmentation.shift == 0


@pytest.mark.parametrize("energy,text", [
    ("  energy: loihy\n", "spec.yaml:17: platform.energy: 'loihy' is not one of loihi, truenorth, custom; "
                          "did you mean 'loihi'?"),
    ("  energy: custom\n", "spec.yaml:17: platform.energy: custom needs its per-event costs"),
    ("  energy:\n    preset: custom\n    synaptic_op_pj: 1\n", "spec.yaml:17: platform.energy.spike_pj: missing "
                                                            "required key"),
    ("  energy:\n    preset: custom\n    synaptic_op_pj: -1\n", "spec.yaml:19: platform.energy.synaptic_op_pj: -1 is "
                                                             "out of range: expected a number >= 0"),
    ("  energy:\n    preset: loihi\n    spike_pj: 3\n", "spec.yaml:19: platform.energy.spike_pj: not used by preset "
                                                      "'loihi' (only by custom)"),
    ("  energy:\n    preset: custom\n    spikes_pj: 3\n", "spec.yaml:19: platform.energy.spikes_pj: unknown key; "
                                                        "did you mean 'spike_pj'?"),
])
def test_bad_energy_settings(write_spec, energy, text):
    assert text in error_of(write_spec(VALID.replace("      count: 8\n", "      count: 8\n" + energy)))


def test_energy_settings_are_read(write_spec):
    assert load_spec(write_spec(VALID)).platform.energy.preset == "loihi"
    truenorth = load_spec(write_spec(VALID.replace("      count: 8\n", "      count: 8\n  energy: truenorth\n")))
    assert truenorth.platform.energy.costs.synaptic_ops == 26.0
    custom = "  energy:\n    preset: custom\n" + "".join(
        f"    {key}: {cost}\n" for key, cost in zip(("synaptic_op_pj", "neuron_update_pj", "spike_pj", "message_pj",
                                                    "host_value_pj"), (1, 2.5, 3, 4, 0)))
    spec = load_spec(write_spec(VALID.replace("      count: 8\n", "      count: 8\n" + custom)))
    assert spec.platform.energy.preset == "custom"
    assert spec.platform.energy.costs.as_dict() == {"synaptic_ops": 1.0, "neuron_updates": 2.5, "spikes": 3.0,
                                                    "messages": 4.0, "host_values": 0.0}
