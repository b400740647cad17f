"""The quickstart specs end to end, exactly as users run them (in a temporary run directory)."""

from pathlib import Path

import nir
import pytest

from runner.api import open_pipeline
from runner.nir_export import export_nir
from runner.run_directory import RunDirectory
from runner.spec import load_spec
from tests.test_nir_export import check_against_program

SPECS = Path(__file__).resolve().parents[2] / "spec"


def simulate_spec(name, tmp_path):
    report = open_pipeline(str(SPECS / name), workdir=str(tmp_path / "run"), quiet=True).run()
    assert all(step["status"] == "done" for step in report["steps"])
    return report["simulation"]


def test_quickstart_mlp_ttfs(tmp_path):
    sim = simulate_spec("quickstart_mlp_ttfs.yaml", tmp_path)
    assert sim["accuracy"] >= 0.96
    assert sim["accuracy"] >= sim["float_accuracy"] - 0.005
    assert sim["agreement"] >= 0.999
    assert sim["hard_cores"] >= sim["hard_cores_lower_bound"]


def test_quickstart_mlp_ttfs_quantized_is_an_exact_integer_chip(tmp_path):
    sim = simulate_spec("quickstart_mlp_ttfs_quantized.yaml", tmp_path)
    assert sim["model_agreement"] == 1.0 and sim["agreement"] == 1.0
    assert sim["accuracy"] >= sim["float_accuracy"] - 0.01


@pytest.mark.parametrize("spec", ["quickstart_mlp_rate.yaml", "quickstart_conv_rate.yaml"])
def test_rate_quickstarts(spec, tmp_path):
    sim = simulate_spec(spec, tmp_path)
    assert sim["agreement"] == 1.0
    assert sim["accuracy"] >= sim["float_accuracy"] - 0.01
    written = export_nir(tmp_path / "run", load_spec(SPECS / spec).spiking, tmp_path / "chip.nir")
    check_against_program(nir.read(written), RunDirectory(tmp_path / "run").chip())
