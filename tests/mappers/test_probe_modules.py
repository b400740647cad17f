"""Hostile user modules: odd exceptions, unprintable errors and shapes that do not fit are each one message."""

from pathlib import Path

import pytest

from mappers.torch_fx.trace import Unrepresentable, described
from tests.mappers.test_user_module import NET, build, check, line_of, spec_with, write

ODD = "class E(BaseException):\n    pass\n\n\n"
UNPRINTABLE = "class S(Exception):\n    def __str__(self):\n        raise RuntimeError('str fails')\n\n\n"
INIT, FORWARD = "super().__init__()\n", "        return self.fc2"


def raising(prefix: str, statement: str, where: str) -> str:
    """NET after `prefix`, with `statement` run at module level, in __init__ or in forward."""
    if where == "module":
        return prefix + statement + "\n" + NET
    if where == "init":
        return prefix + NET.replace(INIT, f"{INIT}        {statement}\n")
    return prefix + NET.replace(FORWARD, f"        {statement}\n{FORWARD}")


def refusal(path) -> str:
    with pytest.raises(Unrepresentable) as info:
        build(path)
    assert len(info.value.problems) == 1
    return info.value.problems[0]


@pytest.mark.parametrize("prefix,statement,shown", [(ODD, "raise E('odd')", "E: odd"),
                                                    ("", "raise GeneratorExit()", "GeneratorExit"),
                                                    (UNPRINTABLE, "raise S()", "S")])
@pytest.mark.parametrize("where,expected", [
    ("module", "running net.py raised {}; the module file must import without errors"),
    ("init", "Net(width=4) raised {}; it takes Net(width: int, classes: int = 3); fix `arguments:`"),
    ("forward", "cannot trace Net: {} (at "),
])
def test_any_exception_of_the_users_code_is_one_message(tmp_path, prefix, statement, shown, where, expected):
    assert expected.format(shown) in refusal(write(tmp_path, raising(prefix, statement, where)))


def test_an_interrupt_while_tracing_is_not_swallowed(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        build(write(tmp_path, raising("", "raise KeyboardInterrupt", "forward")))


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("str fails")


class BadCode:
    def __repr__(self):
        raise ValueError("repr fails")


@pytest.mark.parametrize("error,expected", [(Unprintable(), "Unprintable"), (SystemExit(BadCode()), "SystemExit"),
                                            (ValueError("first\nsecond"), "ValueError: first"),
                                            (RuntimeError(""), "RuntimeError")])
def test_describing_an_error_never_raises_and_takes_one_line(error, expected):
    assert described(error) == expected


def test_an_odd_exception_in_the_constructor_is_exit_2_through_the_cli(tmp_path):
    spec = spec_with(tmp_path, "    file: net.py\n    class: Net\n    arguments:\n      width: 4\n",
                     **{"net.py": raising(ODD, "raise E('odd')", "init")})
    message = check(spec, tmp_path)
    assert "net.py:12: Net(width=4) raised E: odd; it takes Net(" in message and message.count("\n") == 1


SHAPES = "from torch import nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n" \
         "        self.fc = nn.Linear(7, 3)\n\n    def forward(self, x):\n        return self.fc(x)\n"


def test_a_layer_that_does_not_fit_the_input_is_one_short_message(tmp_path):
    spec = spec_with(tmp_path, "    file: net.py\n    class: Net\n", **{"net.py": SHAPES})
    Path(spec).write_text(Path(spec).read_text().replace("  features: 8", "  features: 12"))
    message = check(spec, tmp_path)
    assert message == (f"error: {spec}:{line_of(spec, '  - torch_mapping')}: steps.torch_mapping: Net cannot be "
                       "mapped to the chip:\n    Net does not run on inputs of shape (12,): RuntimeError: mat1 and "
                       f"mat2 shapes cannot be multiplied (1x12 and 7x3) (at {tmp_path / 'net.py'}:10)\n")
