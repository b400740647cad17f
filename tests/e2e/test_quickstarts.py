"""The quickstart specs end to end, exactly as users run them (in a temporary run directory)."""

from pathlib import Path

import nir
import numpy as np
import pytest

from mappers.hardware.hard_program import hard_program
from mappers.ir.graph import layer_of
from runner.api import data_for, open_pipeline
from runner.check import platform_budget
from runner.errors import UserError
from runner.nir_export import export_nir
from runner.report_md import write_report
from runner.run_directory import RunDirectory
from runner.spec import load_spec
from runner.steps.departure import departure_per_layer, first_departure, looked_at
from simulator.hard_reference import HardCoreReference
from tests.test_nir_consumer import nirtorch_scores
from tests.test_nir_export import check_against_program

SPECS = Path(__file__).resolve().parents[2] / "spec"


def simulate_spec(name, tmp_path):
    report = open_pipeline(str(SPECS / name), workdir=str(tmp_path / "run"), quiet=True).run()
    assert all(step["status"] == "done" for step in report["steps"])
    return report["simulation"]


def test_quickstart_mlp_ttfs_and_the_readme_python_example(tmp_path, monkeypatch, capsys):
    workdir = tmp_path / "runs" / "quickstart_mlp_ttfs"
    report = open_pipeline(str(SPECS / "quickstart_mlp_ttfs.yaml"), workdir=str(workdir), quiet=True).run()
    sim = report["simulation"]
    assert sim["accuracy"] >= 0.96
    assert sim["accuracy"] >= sim["float_accuracy"] - 0.005
    assert sim["agreement"] >= 0.999
    assert sim["hard_cores"] >= sim["hard_cores_lower_bound"]
    readme = (SPECS.parent / "README.md").read_text()
    example = readme.split("## From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "spec").symlink_to(SPECS)  # the example runs from a checkout's root
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    namespace = {}
    exec(example, namespace)
    printed = capsys.readouterr().out.splitlines()
    assert float(printed[0]) == sim["accuracy"]
    assert len(namespace["out"].predictions) == 5 and namespace["out"].spike_counts.sum() > 0


def test_quickstart_mlp_ttfs_quantized_is_an_exact_integer_chip(tmp_path):
    sim = simulate_spec("quickstart_mlp_ttfs_quantized.yaml", tmp_path)
    assert sim["model_agreement"] == 1.0 and sim["agreement"] == 1.0
    assert sim["accuracy"] >= sim["float_accuracy"] - 0.01
    assert sim["first_departure"] is None and set(sim["departure"]) == {"fc1", "fc2"}
    assert all(layer["differs"] == 0 for layer in sim["departure"].values())
    assert sum(sim["synaptic_ops_per_sample"].values()) > sum(sim["spikes_per_sample"].values()) > 0


def test_cycle_by_cycle_quickstart_reports_time_and_the_raster(tmp_path):
    """S = 16, two hidden layers: windows 0 (inputs), 1 and 2 (the hidden layers fire), the output read at the end
    of window 2; the raster holds every spike of the first 4 test samples at its cycle."""
    sim = simulate_spec("quickstart_mlp_ttfs_quantized.yaml", tmp_path)
    assert sim["evaluation"] == "cycles" and sim["latency_cycles"] == 48 and sim["initiation_interval_cycles"] == 32
    assert sim["latency_per_layer"] == {"fc1": [0, 32], "fc2": [16, 48], "fc3": [32, 48]}
    assert sim["latency_us"] == 0.48 and sim["throughput_per_second"] == 1e9 / (32 * 10)
    raster = sim["raster"]
    assert raster["samples"] == 4 and raster["cycles"] == 48 and list(raster["layers"]) == ["input", "fc1", "fc2"]
    assert not any(raster["layers"]["fc1"][:16]) and not any(raster["layers"]["fc2"][:32])
    spec = load_spec(SPECS / "quickstart_mlp_ttfs_quantized.yaml")
    x = data_for(spec).test_x[:4].reshape(4, -1).numpy()
    chip = RunDirectory(tmp_path / "run").simulate(x, evaluation="cycles", record=4)
    assert [sum(raster["layers"][name]) for name in ("fc1", "fc2")] == chip.spike_counts[:2].tolist()
    assert chip.messages.sum() > 0  # the run directory simulates the placed chip: spikes leave their hard cores
    assert sum(raster["layers"]["input"]) == int((np.floor(x * 16 + 0.5) > 0).sum())
    assert "![spikes per layer and cycle](raster.png)" in write_report(RunDirectory(tmp_path / "run")).read_text()
    assert (tmp_path / "run" / "raster.png").stat().st_size > 0


def test_departure_points_at_the_first_layer_that_differs(tmp_path):
    """Raise the thresholds of the second hidden layer's hard-core neurons: the chip departs there, not before;
    a sample the chip and the model disagree on deep in the test set is looked at too."""
    spec = load_spec(SPECS / "quickstart_mlp_ttfs_quantized.yaml")
    simulate_spec("quickstart_mlp_ttfs_quantized.yaml", tmp_path)
    run = RunDirectory(tmp_path / "run")
    mapping = run.latest("hard_mapping")
    program = hard_program(mapping, spec.spiking.mode, spec.spiking.steps)
    for b, core in enumerate(mapping.ir.cores):
        if layer_of(core.layer) == "fc2":
            start = program.neuron_offset[program.block_hard_core[b]] + program.block_neuron_offset[b]
            program.thresholds[start:start + program.block_neurons[b]] *= 3
    x = data_for(spec).test_x
    budget, chip = platform_budget(spec.platform)[0], HardCoreReference(program)
    departure = departure_per_layer(run.latest("model"), budget, chip, x, spec.spiking, 0)
    assert departure["fc1"]["differs"] == 0 and departure["fc2"]["differs"] > 0.05
    assert first_departure(departure) == "fc2"
    predictions = np.zeros(len(x), np.int64)
    disagreeing = predictions.copy()
    disagreeing[300] = 1
    samples = looked_at(spec.spiking.mode, disagreeing, predictions)
    assert samples.tolist() == list(range(200)) + [300]
    departure = departure_per_layer(run.latest("model"), budget, chip, x[300:301], spec.spiking, 0)
    assert first_departure(departure) == "fc2"


def test_rate_mlp_quickstart_runs_in_nirtorch_as_on_the_chip(tmp_path):
    sim = simulate_spec("quickstart_mlp_rate.yaml", tmp_path)
    assert sim["agreement"] == 1.0
    assert sim["accuracy"] >= sim["float_accuracy"] - 0.01
    spec, run = load_spec(SPECS / "quickstart_mlp_rate.yaml"), RunDirectory(tmp_path / "run")
    graph = nir.read(export_nir(run, spec.spiking, tmp_path / "chip.nir"))
    check_against_program(graph, run.chip())
    x = data_for(spec).test_x.reshape(len(data_for(spec).test_x), -1).numpy().astype(np.float64)
    chip = run.simulate(x)
    scores = nirtorch_scores(graph, x)
    np.testing.assert_allclose(scores, chip.scores, rtol=1e-12, atol=0)
    assert np.array_equal(np.argmax(scores, axis=1), chip.predictions)


def test_rate_conv_quickstart_and_its_host_max_pool_which_nir_cannot_say(tmp_path):
    sim = simulate_spec("quickstart_conv_rate.yaml", tmp_path)
    assert sim["agreement"] == 1.0
    assert sim["accuracy"] >= sim["float_accuracy"] - 0.01
    spiking = load_spec(SPECS / "quickstart_conv_rate.yaml").spiking
    with pytest.raises(UserError, match=r"compute op\(s\) \(max\) on the host.*platform.max_pool: cores"):
        export_nir(RunDirectory(tmp_path / "run"), spiking, tmp_path / "chip.nir")
    assert not (tmp_path / "chip.nir").exists()


def test_quickstart_mlp_sanafe_fires_every_neuron_as_our_chip_does(tmp_path):
    report = open_pipeline(str(SPECS / "quickstart_mlp_sanafe.yaml"), workdir=str(tmp_path / "run"), quiet=True).run()
    sanafe = report["sanafe_simulation"]
    assert sanafe["samples"] == 100 and sanafe["neurons"] == 192
    assert sanafe["spike_counts_equal"] == sanafe["spike_counts"] == 19_200 and sanafe["spikes_identical"] == 1
    assert sanafe["scores_identical"] == 1 and sanafe["agreement"] == 1.0 and sanafe["first_difference"] is None
    assert sanafe["spikes_per_sample"] == sanafe["chip_spikes_per_sample"] > 0
    assert sanafe["timesteps"] == report["simulation"]["latency_cycles"] + 1
    energy = sanafe["energy_j"]
    assert energy["total"] == pytest.approx(sum(v for k, v in energy.items() if k != "total"))
    assert energy["synapse"] > 0
    ours = sanafe["our_energy_j"]  # our model on the same run, with the same Loihi costs: the README's cross-check
    assert ours["total"] == pytest.approx(sum(v for k, v in ours.items() if k != "total"))
    assert ours["total"] == pytest.approx(energy["total"], rel=0.05)
    assert sanafe["latency_s"] > 0
    text = write_report(RunDirectory(tmp_path / "run")).read_text()
    assert "## SANA-FE" in text and "19,200 of 19,200" in text


@pytest.mark.parametrize("change, message", [
    (("  synaptic_delay: 1\n", ""), "sanafe_simulation needs spiking.synaptic_delay: 1"),
    (("  mode: rate\n", "  mode: ttfs_quantized\n"), "'sanafe_simulation' applies to spiking modes rate"),
])
def test_sanafe_simulation_refuses_what_sanafe_cannot_run_before_anything_runs(tmp_path, change, message):
    text = (SPECS / "quickstart_mlp_sanafe.yaml").read_text().replace(*change)
    if "ttfs" in change[1]:
        text = "\n".join(line for line in text.splitlines() if not line.startswith(("  encoding", "  firing",
                                                                                   "  thresholding", "  synaptic")))
    (tmp_path / "spec.yaml").write_text(text)
    with pytest.raises(UserError) as info:
        open_pipeline(str(tmp_path / "spec.yaml"), workdir=str(tmp_path / "run"), quiet=True)
    assert info.value.exit_code == 2 and message in info.value.message and "spec.yaml:" in info.value.message
