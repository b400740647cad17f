"""The runner command as a user meets it: exit codes, messages without tracebacks, kills and resumes."""

import os
import signal
import subprocess
import sys
import time

from tests.engine.conftest import SMALL

RUNNER = [sys.executable, "-m", "runner.cli"]


def runner(*args, timeout=300):
    return subprocess.run(RUNNER + [str(a) for a in args], capture_output=True, text=True, timeout=timeout)


def test_bad_spec_exits_2_with_one_message_and_no_traceback(small_spec):
    spec = small_spec(SMALL.replace("  epochs: 3", "  epochs: three"))
    result = runner(spec, "--check")
    assert result.returncode == 2
    assert "small.yaml:22: training.epochs: expected an integer >= 1, got 'three'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_check_and_list(small_spec, tmp_path):
    spec = small_spec()
    check = runner(spec, "--check")
    assert check.returncode == 0 and "spec is sound (8 steps)" in check.stdout
    listing = runner(spec, "--list", "--workdir", tmp_path / "run")
    assert listing.returncode == 0
    assert [line.split()[1] for line in listing.stdout.splitlines()[2:]] == ["pending"] * 8


def test_unknown_from_step_is_a_clear_error(small_spec, tmp_path):
    result = runner(small_spec(), "--from", "nothing", "--workdir", tmp_path / "run")
    assert result.returncode == 2 and "--from nothing: no step of that name" in result.stderr
    assert "Traceback" not in result.stderr


def wait_for(path, text, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"'{text}' never appeared in {path}")


def test_sigkill_mid_step_keeps_earlier_checkpoints_and_a_rerun_completes(small_spec, tmp_path):
    spec = small_spec(SMALL.replace("  epochs: 3", "  epochs: 3000"))
    workdir = tmp_path / "run"
    process = subprocess.Popen(RUNNER + [str(spec), "--workdir", str(workdir), "--quiet"])
    wait_for(workdir / "run.log", "[pretraining] running")
    time.sleep(0.5)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    listing = runner(spec, "--list", "--workdir", workdir).stdout
    rows = {line.split()[0]: line.split()[1] for line in listing.splitlines()[2:]}
    assert rows["model_configuration"] == rows["model_building"] == "done"
    assert rows["pretraining"] == "pending"
    small_spec(SMALL)
    finished = runner(spec, "--workdir", workdir, "--quiet")
    assert finished.returncode == 0, finished.stderr
    assert not list((workdir / "steps").glob(".staging-*"))


def test_ctrl_c_exits_130_and_keeps_checkpoints(small_spec, tmp_path):
    spec = small_spec(SMALL.replace("  epochs: 3", "  epochs: 3000"))
    workdir = tmp_path / "run"
    process = subprocess.Popen(RUNNER + [str(spec), "--workdir", str(workdir), "--quiet"],
                               stderr=subprocess.PIPE, text=True)
    wait_for(workdir / "run.log", "[pretraining] running")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert (workdir / "steps" / "model_building" / "manifest.json").is_file()


def test_report_md_is_written_and_rebuilt_from_checkpoints(small_spec, tmp_path):
    spec, workdir = small_spec(), tmp_path / "run"
    assert runner(spec, "--workdir", workdir, "--quiet").returncode == 0
    text = (workdir / "report.md").read_text()
    assert "| simulation | done |" in text and "## Mapping" in text and "synaptic operations" in text
    for plot in ("metrics.png", "utilization.png"):
        assert (workdir / plot).stat().st_size > 1000
    (workdir / "report.md").unlink()
    rebuilt = runner(spec, "--workdir", workdir, "--report")
    assert rebuilt.returncode == 0 and (workdir / "report.md").read_text() == text


def test_export_of_the_hard_core_mapping_reads_back(small_spec, tmp_path):
    import json
    import numpy as np
    spec, workdir = small_spec(), tmp_path / "run"
    assert runner(spec, "--workdir", workdir, "--quiet").returncode == 0
    result = runner(spec, "--workdir", workdir, "--export", "json", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    document = json.loads((tmp_path / "out" / "mapping.json").read_text())
    arrays = np.load(tmp_path / "out" / "mapping.npz", allow_pickle=False)
    first = document["soft_cores"][0]
    weights = arrays["weights"][first["weights_at"]:first["weights_at"] + first["axons"] * first["neurons"]]
    assert weights.shape == (first["axons"] * first["neurons"],)
    assert len(document["hard_cores"]) >= document["lower_bound"] >= 1
    check_hard_cores(document, arrays, np.load(tmp_path / "out" / "hard_cores.npz", allow_pickle=False))
    refused = runner(spec, "--workdir", workdir, "--export", "nir", tmp_path / "x.nir")
    assert refused.returncode == 2 and "NIR has no fire-once (time-to-first-spike) neuron" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "x.nir").exists()


def check_hard_cores(document, arrays, hard):
    """Every soft core's block sits in its hard core's crossbar at its offsets, with its sources, thresholds, kind
    and values; everything else is unused: zero weights, off axons, kind -1, never-firing thresholds."""
    import numpy as np
    weights, sources, kinds = hard["weights"].copy(), hard["sources"].copy(), hard["kinds"].copy()
    for core in document["soft_cores"]:
        h = document["hard_cores"][core["hard_core"]]
        size = h["axons"] * h["neurons"]
        crossbar = weights[h["weights_at"]:h["weights_at"] + size].reshape(h["axons"], h["neurons"])
        a0, n0, a, m = core["axon_offset"], core["neuron_offset"], core["axons"], core["neurons"]
        block = arrays["weights"][core["weights_at"]:core["weights_at"] + a * m].reshape(a, m)
        np.testing.assert_array_equal(crossbar[a0:a0 + a, n0:n0 + m], block)
        crossbar[a0:a0 + a, n0:n0 + m] = 0
        axons, neurons = slice(h["sources_at"] + a0, h["sources_at"] + a0 + a), slice(h["neurons_at"] + n0,
                                                                                      h["neurons_at"] + n0 + m)
        np.testing.assert_array_equal(sources[axons], arrays["sources"][core["sources_at"]:core["sources_at"] + a])
        np.testing.assert_array_equal(hard["thresholds"][neurons],
                                      arrays["thresholds"][core["thresholds_at"]:core["thresholds_at"] + m])
        assert hard["produces"][neurons].tolist() == list(range(core["first_value"], core["first_value"] + m))
        assert set(kinds[neurons].tolist()) == {document["kinds"][core["kind"]]}
        sources[axons], kinds[neurons] = 0, document["kinds"]["unused"]
    assert not weights.any() and not sources.any() and set(kinds.tolist()) == {-1}
    unused = hard["kinds"] == -1
    assert unused.any() and np.all(hard["thresholds"][unused] == np.inf) and np.all(hard["produces"][unused] == -1)
    assert sum(h["used_neurons"] for h in document["hard_cores"]) == int((~unused).sum())
    assert sum(h["used_axons"] for h in document["hard_cores"]) == sum(c["axons"] for c in document["soft_cores"])
    assert [h["neurons_at"] for h in document["hard_cores"]] == np.cumsum(
        [0] + [h["neurons"] for h in document["hard_cores"]])[:-1].tolist()
