"""Loading the user's `file:` and `class:`: only that file runs, and every mistake is one clear message."""

import os
import subprocess
import sys

import pytest
import torch

from mappers.torch_fx.user_module import UnusableModule, build_torch
from runner.errors import UserError
from runner.spec import load_spec
from runner.models import resolved_config
from tests.engine.conftest import SMALL

NET = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, width: int, classes: int = 3):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(8, width), nn.Linear(width, classes)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
"""
EXITS_IN_INIT = NET.replace("super().__init__()\n", "super().__init__()\n        raise SystemExit('bye')\n")


def write(tmp_path, text: str, name: str = "net.py"):
    path = tmp_path / name
    path.write_text(text)
    return path


def build(path, arguments=None, name="Net"):
    return build_torch({"file": str(path), "class": name, "arguments": arguments or {"width": 4}}, (8,), 3)


def problem(path, arguments=None, name="Net") -> str:
    with pytest.raises(UnusableModule) as info:
        build(path, arguments, name)
    return info.value.problems[0]


def test_the_file_alone_runs_under_a_private_name(tmp_path):
    real_json = sys.modules.get("json")
    graph = build(write(tmp_path, NET, "json.py"))
    assert graph(torch.zeros(2, 8)).shape == (2, 3)
    assert sys.modules.get("json") is real_json
    assert any(name.startswith("_crossbar_user_model_") for name in sys.modules)


@pytest.mark.parametrize("text,expected", [
    (NET + "raise RuntimeError('no GPU here')\n", ":12: running net.py raised RuntimeError: no GPU here"),
    ("import not_a_package_anywhere\n" + NET, ":1: running net.py raised ModuleNotFoundError: No module named"),
    ("import sys\nsys.exit(3)\n" + NET, ":2: running net.py raised sys.exit(3); the module file must import without"),
    ("from torch import nn\n\nclass Net(nn.Module:\n    pass\n", ":3: syntax error: "),
    ("class Net:\n    return 1\n", ":2: syntax error: 'return' outside function"),
])
def test_a_module_that_cannot_run_names_the_file_and_line(tmp_path, text, expected):
    path = write(tmp_path, text)
    assert problem(path).startswith(str(path)) and expected in problem(path)


def test_a_missing_file_a_folder_or_another_kind_of_file_is_refused(tmp_path):
    assert "missing.py does not exist; `file:` must name the .py file that defines class Net" in \
           problem(tmp_path / "missing.py")
    (tmp_path / "models.py").mkdir()
    assert "models.py is a folder" in problem(tmp_path / "models.py")
    assert "net.txt is not a Python file (.py)" in problem(write(tmp_path, NET, "net.txt"))


def test_the_class_must_be_defined_at_the_top_of_the_file(tmp_path):
    path = write(tmp_path, NET)
    assert problem(path, name="Other") == (f"{path} defines no top-level class Other; the classes it defines: Net; "
                                           "fix `class:` or `file:`")
    function = write(tmp_path, "import sys\nsys.exit(1)\n\ndef Net():\n    pass\n", "function.py")
    assert "defines no top-level class Net (Net is a function); the classes it defines: none" in problem(function)


def test_a_class_that_is_not_an_nn_module_is_refused_before_it_is_called(tmp_path):
    path = write(tmp_path, "class Helper:\n    pass\n\n\nclass Net:\n    def __init__(self, **kw):\n"
                           "        raise AssertionError('must not be called')\n")
    assert problem(path) == (f"{path}:5: Net is not a torch.nn.Module subclass; derive it from nn.Module "
                             "(class Net(nn.Module)) or name such a class in `class:`")


def test_wrong_arguments_name_the_class_the_arguments_and_its_signature(tmp_path):
    path = write(tmp_path, NET)
    signature = "it takes Net(width: int, classes: int = 3); fix `arguments:` in the spec or the constructor"
    unknown = problem(path, {"width": 4, "depth": 2})
    assert unknown.startswith(f"{path}:5: Net(width=4, depth=2) raised TypeError: ") and signature in unknown
    assert "unexpected keyword argument 'depth'" in unknown
    missing = problem(path, {"classes": 3})
    assert "Net(classes=3) raised TypeError: " in missing and "'width'" in missing and signature in missing


def test_an_exit_or_error_in_the_constructor_names_its_line(tmp_path):
    path = write(tmp_path, EXITS_IN_INIT)
    assert problem(path).startswith(f"{path}:8: Net(width=4) raised sys.exit('bye'); it takes Net(width: int")
    failing = write(tmp_path, NET.replace("nn.Linear(8, width)", "nn.Linear(8, width // 0)"), "failing.py")
    assert problem(failing).startswith(f"{failing}:8: Net(width=4) raised ZeroDivisionError: ")


@pytest.mark.parametrize("text", ["raise KeyboardInterrupt\n" + NET,
                                  EXITS_IN_INIT.replace("raise SystemExit('bye')", "raise KeyboardInterrupt")])
def test_an_interrupt_while_loading_is_not_swallowed(tmp_path, text):
    with pytest.raises(KeyboardInterrupt):
        build(write(tmp_path, text))


def test_a_standard_library_file_is_parsed_not_run_when_it_defines_no_such_class():
    path = os.__file__
    assert problem(path, name="system").startswith(f"{path} defines no top-level class system; the classes")


def line_of(spec: str, start: str) -> int:
    return next(i for i, line in enumerate(open(spec).read().splitlines(), 1) if line.startswith(start))


def spec_with(tmp_path, config: str, **files) -> str:
    for name, text in files.items():
        write(tmp_path, text, name)
    text = SMALL.replace("  builder: mlp\n  config:\n    hidden:\n      - 24\n",
                         f"  builder: torch\n  config:\n{config}")
    (tmp_path / "spec.yaml").write_text(text.replace("  - model_building", "  - torch_mapping").replace(
        "  features: 12", "  features: 8"))
    return str(tmp_path / "spec.yaml")


def test_the_file_is_relative_to_the_spec_folder(tmp_path):
    spec = load_spec(spec_with(tmp_path, "    file: models/net.py\n    class: Net\n    arguments:\n      width: 4\n"))
    assert resolved_config(spec) == {"file": str(tmp_path / "models" / "net.py"), "class": "Net",
                                     "arguments": {"width": 4}}


@pytest.mark.parametrize("config,expected", [
    ("    module: models/net.py:Net\n", "model.config.module: `module:` is no longer read (nothing is imported by "
     "name): write `file: models/net.py` (relative to this spec's folder, or absolute) and `class: Net`"),
    ("    module: torchvision.models:ResNet\n", "write `file:` with the path of the .py file of `torchvision.models` "
     "(relative to this spec's folder, or absolute) and `class: ResNet`"),
    ("    file: net.py\n    class: 3Net\n", "model.config.class: '3Net' is not valid: expected a Python class name"),
    ("    file: os\n    class: system\n", "model.config.file: 'os' is not valid: expected the path of a Python file"),
])
def test_the_spec_names_a_file_and_a_class_never_a_module(tmp_path, config, expected):
    with pytest.raises(UserError) as info:
        load_spec(spec_with(tmp_path, config))
    assert info.value.message.startswith("1 error(s) in the spec:") and expected in info.value.message


def check(spec: str, cwd) -> str:
    result = subprocess.run([sys.executable, "-m", "runner.cli", spec, "--check"], capture_output=True, text=True,
                            cwd=cwd)
    output = result.stdout + result.stderr
    assert result.returncode == 2 and "Traceback" not in output and "internal error" not in output, output
    return result.stderr


def test_the_old_module_form_runs_nothing_through_the_cli(tmp_path):
    spec = spec_with(tmp_path, "    module: os:system\n    arguments:\n      command: touch PWNED\n")
    message = check(spec, tmp_path)
    assert not (tmp_path / "PWNED").exists() and not os.path.exists("PWNED")
    assert message == (f"error: 1 error(s) in the spec:\n{spec}:{line_of(spec, '    module:')}: model.config.module: "
                       "`module:` is no longer read (nothing is imported by name): write `file:` with the path of the "
                       ".py file of `os` (relative to this spec's folder, or absolute) and `class: system`\n")


@pytest.mark.parametrize("files,arguments,expected", [
    ({"net.py": "raise RuntimeError('no GPU here')\n" + NET}, "", "net.py:1: running net.py raised RuntimeError: no"),
    ({"net.py": "import sys\nsys.exit(0)\n" + NET}, "", "net.py:2: running net.py raised sys.exit(0)"),
    ({"net.py": EXITS_IN_INIT}, "      width: 4\n", "net.py:8: Net(width=4) raised sys.exit('bye')"),
    ({"net.py": NET}, "      width: 4\n      depth: 2\n", "unexpected keyword argument 'depth'; it takes Net("),
    ({"net.py": "class Net:\n    pass\n"}, "", "net.py:1: Net is not a torch.nn.Module subclass"),
    ({}, "", "net.py does not exist; `file:` must name the .py file that defines class Net"),
])
def test_a_bad_user_module_is_one_message_and_exit_2_through_the_cli(tmp_path, files, arguments, expected):
    spec = spec_with(tmp_path, f"    file: net.py\n    class: Net\n    arguments:\n{arguments}", **files)
    message = check(spec, tmp_path)
    step = line_of(spec, "  - torch_mapping")
    assert message.startswith(f"error: {spec}:{step}: steps.torch_mapping: {tmp_path}") and expected in message
    assert message.count("\n") == 1
