"""`runner SPEC --check` answers from the spec alone: no data loaded, no download started, nothing cached."""

import os
import subprocess
import sys

import pytest

from runner.check import chip_fit
from runner.data import data_shape
from runner.spec import load_spec
from tests.data.conftest import Quiet, mlp_spec, serve

SPEC = mlp_spec("offline", "  provider: fashion_mnist\n  root: {root}\n  download: true\n", hidden=32)


class Recording(Quiet):
    def do_GET(self):
        self.server.asked.append(self.path)
        self.send_error(404)


def test_check_with_download_on_and_no_data_opens_no_connection(tmp_path):
    server, url = serve(Recording)
    server.asked = []
    (tmp_path / "empty").mkdir()
    spec = tmp_path / "offline.yaml"
    spec.write_text(SPEC.format(root=tmp_path / "empty"))
    env = {**os.environ, "RUNNER_DATA_URL": url, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-m", "runner.cli", str(spec), "--check"], capture_output=True,
                            text=True, timeout=300, env=env)
    server.shutdown()
    assert (result.returncode, result.stderr, server.asked) == (0, "", [])
    assert result.stdout.splitlines()[0] == f"{spec}: spec is sound (3 steps)"
    assert result.stdout.splitlines()[1] == (f"{spec}: 11 soft cores on 8 hard cores (per type [8]; lower bound 8); "
                                             "the chip has 8 of 256x256")
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("section, shape", [
    ({"provider": "fashion_mnist", "download": True}, ((1, 28, 28), 10)), ({"provider": "mnist"}, ((1, 28, 28), 10)),
    ({"provider": "digits"}, ((1, 8, 8), 10)),
    ({"provider": "synthetic", "samples": 400, "features": 12, "classes": 3}, ((12,), 3))])
def test_data_shape_comes_from_the_section(section, shape):
    assert data_shape(**section) == shape


@pytest.mark.parametrize("provider, cores", [("mnist", "11 soft cores on 8 hard cores (per type [8]; lower bound 8)"),
                                             ("digits", "2 soft cores on 1 hard cores (per type [1]; lower bound 1)")])
def test_chip_fit_takes_the_input_shape_from_the_spec(tmp_path, provider, cores):
    spec = tmp_path / "offline.yaml"
    spec.write_text(SPEC.format(root=tmp_path / "nowhere").replace("fashion_mnist", provider)
                    .replace("  download: true\n", "").replace(f"  root: {tmp_path / 'nowhere'}\n", ""))
    assert chip_fit(load_spec(spec)) == [f"{cores}; the chip has 8 of 256x256"]
