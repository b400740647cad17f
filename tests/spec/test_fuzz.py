"""Property-based fuzzing of the spec loader: any text ends in a spec or one clear UserError, never a crash."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.errors import UserError
from runner.spec import load_spec
from tests.spec.conftest import VALID

LINES = VALID.splitlines()
TOKENS = st.sampled_from(["", "-", ":", "{", "}", "[", "]", "&a", "*a", "!!int", "'", '"', "#", "  ", "\t",
                          "null", "~", "yes", "1e9", "-1", "0", "999999999999999999999", "a: b: c", "- - x"])


def loads_cleanly(path, text: str) -> None:
    path.write_text(text)
    try:
        load_spec(path)
    except UserError as error:
        assert error.exit_code == 2 and error.message.strip()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_arbitrary_text(tmp_path, text):
    loads_cleanly(tmp_path / "fuzz.yaml", text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(LINES) - 1), st.sampled_from(["drop", "dup", "token", "indent"]),
                          TOKENS), min_size=1, max_size=4))
def test_mutated_valid_specs(tmp_path, mutations):
    lines = list(LINES)
    for index, kind, token in mutations:
        index %= len(lines)
        if kind == "drop":
            del lines[index]
        elif kind == "dup":
            lines.insert(index, lines[index])
        elif kind == "token":
            lines[index] = lines[index] + token if index % 2 else token + lines[index]
        else:
            lines[index] = "  " + lines[index]
        if not lines:
            break
    loads_cleanly(tmp_path / "fuzz.yaml", "\n".join(lines) + "\n")
