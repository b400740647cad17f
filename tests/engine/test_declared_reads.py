"""Every step of every spec in spec/, in every spiking mode, runs under the view that refuses undeclared
spec reads: a step that reads a key it does not declare (and so would not go stale with it) fails here."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from runner.data import DataSplits, data_shape
from runner.engine.pipeline import Pipeline
from runner.engine.spec_view import SpecView, UndeclaredRead
from runner.models import build_for_spec
from runner.spec import load_spec
from runner.spec.loader import build_spec
from runner.steps import STEPS
from runner.steps.weight_preloading import trained_tensors
from tests.specs import SPEC_FILES as SPECS

MODES = ("ttfs", "ttfs_quantized", "rate")
SMALL_PARAMS = {"epochs": 1, "tuner_epochs": 1, "max_cycles": 1, "trials": 2, "proxy_epochs": 1, "max_samples": 16,
                "batch_size": 160, "samples": 16}
"""Brief runs; `batch_size` 160 holds every tiny split in one batch (simulation's torch references get a tenth)."""


def tiny_data(spec) -> DataSplits:
    """A few learnable samples of the spec's input shape (one noisy prototype per class)."""
    shape, classes = data_shape(**spec.section("data"))
    generator = torch.Generator().manual_seed(0)
    prototypes = torch.rand(classes, *shape, generator=generator)

    def split(n):
        y = torch.arange(n) % classes
        return (prototypes[y] + 0.1 * torch.rand(n, *shape, generator=generator)).clamp(0, 1), y
    return DataSplits("tiny", *split(96), *split(40), *split(16), classes)


def variant(spec, mode: str):
    """`spec` in spiking `mode`, without the steps that do not apply to it, trained and simulated briefly."""
    values = {k: spec.section(k) for k in ("data", "model", "platform", "training")}
    values.update(name=spec.name, seed=spec.seed, workdir=spec.workdir, spiking={"mode": mode, **({
        "encoding": "uniform", "firing": spec.spiking.firing, "thresholding": spec.spiking.thresholding,
        "synaptic_delay": spec.spiking.synaptic_delay} if mode == "rate" else {}),
        "steps": min(spec.spiking.steps, 8)})
    values["training"].update(tolerance=1e-6, epochs=1)
    entries = []
    for entry in spec.steps:
        modes = STEPS[entry.type].modes
        if modes and mode not in modes:
            continue
        params = {k: (SMALL_PARAMS.get(k, v) if v is not None else None) for k, v in entry.params.items()
                  if not (k == "levels" and mode != "rate")}
        entries.append(dataclasses.replace(entry, params=params))
    return build_spec(Path(spec.path), values, tuple(entries))


def run_variant(spec, tmp_path, data=None):
    pipeline = Pipeline(spec, STEPS, rebuild=lambda recipe: build_for_spec(spec, recipe), run_dir=tmp_path / "run",
                        load_data=lambda _: data or tiny_data(spec), threads=1)
    pipeline.console.quiet = True
    return pipeline, pipeline.run()


def spec_modes(path: Path) -> tuple[str, ...]:
    """The modes a spec's model can run in: an imported NIR network is rate-coded."""
    return ("rate",) if load_spec(path).model.builder == "nir" else MODES


@pytest.mark.parametrize("path, mode", [(p, m) for p in SPECS for m in spec_modes(p)],
                         ids=lambda v: v.stem if isinstance(v, Path) else v)
def test_every_step_reads_only_what_it_declares(path, mode, tmp_path):
    _, report = run_variant(variant(load_spec(path), mode), tmp_path)
    assert all(step["status"] == "done" for step in report["steps"])


def test_weight_preloading_reads_only_what_it_declares(tmp_path):
    spec = load_spec(SPECS[0].with_name("quickstart_mlp_ttfs.yaml"))
    pipeline, _ = run_variant(variant(spec, "ttfs"), tmp_path / "a")
    model = pipeline._value("pretraining", "model")
    np.savez(tmp_path / "weights.npz", **{k: v.numpy() for k, v in trained_tensors(model).items()})
    preload = dataclasses.replace(spec, path=str(tmp_path / "spec.yaml"), steps=tuple(
        dataclasses.replace(e, type="weight_preloading", name="weight_preloading", params={"path": "weights.npz"})
        if e.type == "pretraining" else e for e in spec.steps))
    _, report = run_variant(variant(preload, "ttfs"), tmp_path / "b")
    assert [s["name"] for s in report["steps"]][2] == "weight_preloading"


def test_an_undeclared_read_is_refused_with_the_key():
    spec = load_spec(SPECS[0].with_name("quickstart_mlp_ttfs.yaml"))
    entry = spec.steps[0]
    view = SpecView(spec, entry, ("spiking.mode", "training.lr"))
    assert view.spiking.mode == "ttfs" and view.training().lr == spec.training.lr
    for read in (lambda: view.spiking.steps, lambda: view.seed, lambda: view.section("data"),
                 lambda: view.training().tolerance, lambda: view.platform.cores,
                 lambda: view.step_param("activation_quantization", "levels")):
        with pytest.raises(UndeclaredRead, match=f"step '{entry.name}' read spec key"):
            read()
