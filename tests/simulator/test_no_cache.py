"""Where numba finds no writable cache folder, the project still imports and simulates, uncached."""

import json
import subprocess
import sys
from pathlib import Path

from simulator import simulate
from tests.simulator.random_programs import random_inputs, random_program

SCRIPT = """
import json
import numba.core.caching as caching

def unwritable(self):
    raise PermissionError(13, "read-only file system", self.get_cache_path())

caching._CacheLocator.ensure_cache_path = unwritable  # every folder numba would cache in is unwritable

from mappers.hardware.packing import pack
from simulator import simulate
from simulator.kernels import run_ttfs
from tests.simulator.random_programs import random_inputs, random_program

program = random_program(0, "ttfs_quantized", 16, integer=True)
print(json.dumps({"cache": type(run_ttfs._cache).__name__,
                  "scores": simulate(program, random_inputs(0, 5)).scores.tolist(),
                  "placement": pack([4, 4], [4, 4], [0, 0], [8], [8], [1]).hard_core.tolist()}))
"""


def test_runs_without_a_writable_cache():
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["cache"] == "NullCache"
    program = random_program(0, "ttfs_quantized", 16, integer=True)
    assert result["scores"] == simulate(program, random_inputs(0, 5)).scores.tolist()
    assert result["placement"] == [0, 0]
