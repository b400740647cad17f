"""Parse a spec file strictly and keep every value's line: strictyaml for strictness,
the YAML parser underneath it for positions (strictyaml's own line marks drift after comments)."""

from dataclasses import dataclass, field
from pathlib import Path

import strictyaml
from strictyaml.ruamel import YAML
from strictyaml.ruamel.comments import CommentedMap, CommentedSeq
from strictyaml.ruamel.error import MarkedYAMLError


@dataclass
class Node:
    """A parsed value (dict of Nodes, list of Nodes, str, or None when empty) and its 1-based line."""

    value: object
    line: int
    key_lines: dict[str, int] = field(default_factory=dict)


class ParseError(Exception):
    """The file cannot be read as a block-style YAML mapping; `line` is 1-based."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line, self.message = line, message


def _wrap(value, line: int) -> Node:
    if isinstance(value, CommentedMap):
        key_lines = {str(k): value.lc.key(k)[0] + 1 for k in value}
        nested = lambda v: v is None or isinstance(v, (CommentedMap, CommentedSeq))
        children = {str(k): _wrap(v, key_lines[str(k)] if nested(v) else value.lc.value(k)[0] + 1)
                    for k, v in value.items()}
        return Node(children, line, key_lines)
    if isinstance(value, CommentedSeq):
        return Node([_wrap(v, value.lc.item(i)[0] + 1) for i, v in enumerate(value)], line)
    return Node(None if value is None else str(value), line)


def _strictyaml_message(error: MarkedYAMLError) -> tuple[int, str]:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = (error.problem or error.context or "invalid YAML").strip()
    if isinstance(error, strictyaml.exceptions.FlowMappingDisallowed) or "flow" in problem.lower():
        return line, "flow style ({...} or [...]) is not allowed: write the mapping or list in block style"
    return line, problem


def _printable(code: int) -> bool:
    """YAML's printable set (tab and carriage return included; a byte-order mark too)."""
    return (code in (0x09, 0x0D, 0x85, 0xFEFF) or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF)


def _read_text(path: Path) -> str:
    """The file as text; YAML allows no control characters but tab and line breaks."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ParseError(line, "the file is not UTF-8 text") from error
    for number, line in enumerate(text.split("\n"), 1):
        bad = next((c for c in line if not _printable(ord(c))), None)
        if bad is not None:
            raise ParseError(number, f"control character U+{ord(bad):04X} is not allowed in YAML; remove it")
    return text


def read_mapping(path: Path, what: str, keys: tuple[str, ...]) -> CommentedMap:
    """The document at `path` as ruamel's round-trip mapping (typed values, comments kept); raises ParseError for
    empty, non-mapping or invalid YAML. `what` names the document and `keys` its sections in messages."""
    text = _read_text(path)
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        raise ParseError(1, f"the {what} is empty: expected a mapping with {', '.join(keys[:-1])} and {keys[-1]}")
    try:
        strictyaml.load(text, strictyaml.Any())
    except MarkedYAMLError as error:
        raise ParseError(*_strictyaml_message(error)) from error
    except Exception as error:  # strictyaml's own error handling can fail on odd input
        raise ParseError(1, f"not valid YAML ({type(error).__name__}: {str(error).splitlines()[0]})") from error
    try:
        root = YAML(typ="rt").load(text)
    except Exception as error:
        raise ParseError(1, f"not valid YAML ({type(error).__name__}: {str(error).splitlines()[0]})") from error
    if not isinstance(root, CommentedMap):
        raise ParseError(1, f"the {what} must be a mapping of sections ({keys[0]}:, {keys[1]}:, ...), not a "
                            f"{'list' if isinstance(root, CommentedSeq) else 'single value'}")
    return root


def to_node(root: CommentedMap) -> Node:
    """A parsed document as Nodes (every value a string with its line)."""
    return _wrap(root, 1)


SPEC_SECTIONS = ("name", "data", "model", "platform", "spiking", "training", "steps")


def parse(path: Path) -> Node:
    """The spec's root node; raises ParseError for empty, non-mapping or invalid YAML."""
    return to_node(read_mapping(path, "spec", SPEC_SECTIONS))
