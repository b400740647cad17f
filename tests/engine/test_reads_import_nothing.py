"""Commands that only read a run never execute the user's module; executing it writes nothing beside it."""

import pytest

from runner.cli import main
from tests.engine.conftest import SMALL

MODULE = """\
import pathlib
import torch
pathlib.Path(__file__).with_name("IMPORTED").touch()
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(12, 3)
    def forward(self, x):
        return self.fc(x)
"""


@pytest.fixture
def torch_spec(small_spec, tmp_path):
    (tmp_path / "net.py").write_text(MODULE)
    text = SMALL.replace("  builder: mlp\n  config:\n    hidden:\n      - 24",
                         "  builder: torch\n  config:\n    file: net.py\n    class: Net")
    return small_spec(text.replace("  - model_building", "  - torch_mapping"))


@pytest.mark.parametrize("flags", [["--list"], ["--report"], ["--export", "json", "out"]])
def test_reading_commands_never_import_the_module(torch_spec, tmp_path, flags):
    main([str(torch_spec), "--workdir", str(tmp_path / "run"), *flags])
    assert not (tmp_path / "IMPORTED").exists()


def test_check_runs_the_users_file_and_leaves_no_bytecode_beside_it(torch_spec, tmp_path):
    assert main([str(torch_spec), "--check"]) == 0
    assert (tmp_path / "IMPORTED").exists() and not (tmp_path / "__pycache__").exists()
