"""Benchmark fixtures: trained chips from run directories, inputs, threads.

Run: pytest benchmarks/ --benchmark-only   (threads: $BENCH_THREADS, default 2; batch 1000)
A chip comes from `runs/<spec name>/` (or `$RUNNER_RUNS/<spec name>/`): spike sparsity depends on
trained weights, so a missing run directory fails with the command that makes it.
"""

import os
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the runner does: a busy core must not stall the others

import numba
import pytest
import torch

from runner.api import data_for
from runner.errors import UserError
from runner.run_directory import RunDirectory
from runner.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
BATCH = 1000


def run_directory(spec_name: str) -> RunDirectory:
    runs = Path(os.environ.get("RUNNER_RUNS", ROOT / "runs"))
    try:
        return RunDirectory(runs / spec_name, spec=ROOT / "spec" / f"{spec_name}.yaml")
    except UserError:
        pytest.fail(f"no run directory {runs / spec_name}: make it with `runner spec/{spec_name}.yaml` "
                    "from the repository root", pytrace=False)


def spec_inputs(spec_name: str, count: int = BATCH):
    """The first `count` test samples of the spec's data, flattened, float64."""
    spec = load_spec(ROOT / "spec" / f"{spec_name}.yaml")
    data = data_for(spec)
    x = data.test_x[:count]
    return x, x.reshape(len(x), -1).double().numpy()


def peak_growth(run) -> tuple[int, object]:
    """(bytes the peak resident set grows by while `run()` runs, its result); Linux, from /proc/self."""
    Path("/proc/self/clear_refs").write_text("5")  # the peak restarts from the current resident set
    before = status_bytes("VmRSS")
    result = run()
    return status_bytes("VmHWM") - before, result


def status_bytes(field: str) -> int:
    line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith(field))
    return int(line.split()[1]) * 1024


@pytest.fixture(autouse=True, scope="session")
def pinned_threads():
    torch.set_num_threads(THREADS)
    numba.set_num_threads(min(THREADS, numba.config.NUMBA_NUM_THREADS))
