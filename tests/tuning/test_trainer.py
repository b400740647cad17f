"""The trainer: each training option changes what is learnt, the same seed learns the same, the layout is kept."""

from dataclasses import replace

import pytest
import torch

from mappers.zoo import Recipe, build_model
from runner.data import DataSplits
from runner.spec.settings import AugmentationSettings, TrainingSettings
from runner.tuning.trainer import train

BASE = TrainingSettings(lr=0.01, epochs=1, batch_size=32, tolerance=0.9, weight_decay=0.0, optimizer="adam",
                        label_smoothing=0.0, augmentation=AugmentationSettings(0, False), precision="float32")


def striped_images(n: int, seed: int):
    """Images of 3 classes: a bright row at a class-dependent height, on noise."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=generator)
    x = torch.rand(n, 1, 8, 8, generator=generator) * 0.3
    x[torch.arange(n), 0, 1 + 3 * y] = 1.0
    return x, y


@pytest.fixture(scope="module")
def data():
    (tx, ty), (vx, vy) = striped_images(192, 0), striped_images(64, 1)
    return DataSplits("stripes", tx, ty, vx, vy, vx, vy, 3)


def trained(data, settings, seed: int = 0) -> dict:
    torch.manual_seed(0)
    model = build_model(Recipe("conv", {"channels": (4,), "pool_after": (0,)}, (1, 8, 8), 3))
    train(model, data, settings, epochs=2, seed=seed)
    assert all(t.is_contiguous() for t in model.state_dict().values())  # channels-last only while training
    return model.state_dict()


def same(a: dict, b: dict) -> bool:
    return all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("change", [
    {"augmentation": AugmentationSettings(1, False)}, {"augmentation": AugmentationSettings(0, True)},
    {"label_smoothing": 0.2}, {"precision": "bfloat16"},
])
def test_each_option_changes_the_training_and_is_reproducible(data, change):
    base, changed = trained(data, BASE), trained(data, replace(BASE, **change))
    assert not same(base, changed)
    assert same(changed, trained(data, replace(BASE, **change)))


def test_adamw_decays_apart_from_the_gradient_as_adam_does_not(data):
    adam = trained(data, replace(BASE, weight_decay=0.5))
    adamw = trained(data, replace(BASE, optimizer="adamw", weight_decay=0.5))
    assert not same(adam, adamw)


def test_another_seed_shuffles_and_augments_otherwise(data):
    settings = replace(BASE, augmentation=AugmentationSettings(1, True))
    assert not same(trained(data, settings, seed=0), trained(data, settings, seed=1))


def test_bfloat16_trains_float32_weights_through_quantized_activations(data):
    torch.manual_seed(0)
    model = build_model(Recipe("conv", {"channels": (4,), "pool_after": (0,)}, (1, 8, 8), 3))
    for _, owner in model.activations():
        owner.activation.levels.fill_(8)
        owner.activation.clamp_rate.fill_(1.0)
        owner.activation.quantize_rate.fill_(1.0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    train(model, data, replace(BASE, precision="bfloat16"), epochs=1, seed=0)
    assert not same(before, model.state_dict())
    assert all(t.dtype == before[k].dtype for k, t in model.state_dict().items())


def test_zero_epochs_leave_the_weights_and_return_the_validation_accuracy(data):
    torch.manual_seed(0)
    model = build_model(Recipe("conv", {"channels": (4,), "pool_after": (0,)}, (1, 8, 8), 3))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    val = train(model, data, BASE, epochs=0, seed=0)
    assert same(before, model.state_dict())
    assert val == float((model(data.val_x).argmax(1) == data.val_y).double().mean())
