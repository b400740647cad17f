"""load_sweep: a sweep file in (a base spec and its variants by dotted key), a validated `Sweep` out, or one
message listing every error with its file:line, as the spec loader reports them."""

import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

from runner.errors import UserError
from runner.spec import spec_error
from runner.spec.nodes import Node, ParseError, read_mapping, to_node
from runner.spec.schema import Errors, Field, Map, Seq, Str, suggest
from runner.spec.sections import TOP

SECTIONS = ("name", "spec", "workdir", "set", "grid", "variants")
KEY = re.compile(r"[A-Za-z_]\w*(\.\w+)*")
SWEEPABLE = ("seed", "data", "model", "platform", "spiking", "training", "steps")


@dataclass(frozen=True)
class Override:
    """Spec key `key` (dotted) set to `value` (as the sweep file's YAML holds it), written at `line`."""

    key: str
    value: object
    line: int


@dataclass(frozen=True)
class Variant:
    name: str
    overrides: tuple[Override, ...]


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file: its base spec, the folder its variants run in, the variants and the swept keys."""

    path: Path
    name: str
    base: Path
    folder: Path
    variants: tuple[Variant, ...]
    keys: tuple[str, ...]


class AnyValue(Field):
    """A value of any shape (scalar, list, mapping): the spec checks it once it is in place."""

    expected = "a value"

    def check(self, node, path, errors):
        if node.value is None:
            errors.append((node.line, path, "expected a value, got nothing"))
        return node


class Overrides(Field):
    """A mapping of dotted spec keys to what `item` checks."""

    expected = "a mapping of dotted spec keys (e.g. platform.weight_bits)"

    def __init__(self, item: Field):
        self.item = item

    def check(self, node, path, errors):
        if not isinstance(node.value, dict) or not node.value:
            errors.append((node.line, path, f"expected {self.expected}"))
            return None
        for key, child in node.value.items():
            problem = key_problem(key)
            if problem:
                errors.append((node.key_lines[key], f"{path}.{key}", problem))
            self.item.check(child, f"{path}.{key}", errors)
        return node


def key_problem(key: str) -> str:
    """Why `key` cannot be swept ('' when it can)."""
    if not KEY.fullmatch(key):
        return ("not a dotted spec key: expected names joined by dots (platform.cores.0.axons, "
                "steps.pretraining.epochs)")
    head, parts = key.split(".")[0], key.split(".")
    if head in ("name", "workdir"):
        return f"{head} is the sweep's to set (each variant's name and folder): sweep another key"
    if head not in SWEEPABLE:
        return f"unknown spec section '{head}'{suggest(head, SWEEPABLE)}"
    if head == "steps" and len(parts) != 3:
        return "a step parameter is steps.STEP.PARAMETER (STEP is the step's name or its `as:` name)"
    return ""


NAME = TOP["name"]
SCHEMA = Map({"name": NAME, "spec": Str(r".+\.ya?ml", "the path of the base spec (.yaml), relative to this file"),
              "workdir": (Str(), None), "set": (Overrides(AnyValue()), None),
              "grid": (Overrides(Seq(AnyValue(), min_items=1)), None),
              "variants": (Seq(Map({"name": NAME, "set": Overrides(AnyValue())}), min_items=1), None)})


def load_sweep(path, workdir: str | None = None) -> Sweep:
    """Parse and validate the sweep file at `path`; raises UserError (exit 2) listing every error."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such sweep file; check the path (sweeps that come with the project are "
                        "spec/sweep_*.yaml)")
    try:
        raw = read_mapping(path, "sweep file", SECTIONS)
    except ParseError as error:
        raise UserError(spec_error(path, error.line, "(document)", error.message)) from error
    root = to_node(raw)
    errors: Errors = []
    values = SCHEMA.check(root, "", errors) or {}
    if not errors and values["grid"] is None and values["variants"] is None:
        errors.append((1, "grid", "a sweep needs a grid, a list of variants, or both"))
    base = path.parent / values["spec"] if values.get("spec") else None
    if base is not None and not base.is_file():
        errors.append((root.value["spec"].line, "spec", f"{base}: no such spec file; name it relative to this file"))
    variants = [] if errors else _variants(root, raw)
    names = [v.name for v in variants]
    for name in sorted({n for n in names if names.count(n) > 1}):
        errors.append((1, "variants", f"two variants are named '{name}': name each variant of the list apart from "
                                      "the grid's (whose names are KEY-VALUE joined by '.')"))
    if errors:
        lines = [spec_error(path, line, keypath, message) for line, keypath, message in sorted(errors)]
        raise UserError(f"{len(errors)} error(s) in the sweep file:\n" + "\n".join(lines))
    folder = Path(workdir or values["workdir"] or Path("runs") / values["name"])
    keys = tuple(dict.fromkeys(o.key for v in variants for o in v.overrides))
    common = _overrides(root.value.get("set"), raw.get("set"))
    variants = [Variant(v.name, common + v.overrides) for v in variants]
    return Sweep(path, values["name"], base, folder, tuple(variants), keys)


def _variants(root: Node, raw) -> list[Variant]:
    """The grid's points (in order, the last key fastest), then the list's variants."""
    out = []
    grid = root.value.get("grid")
    if grid is not None:
        keys = list(grid.value)
        short = _short_names(keys)
        choices = [[Override(k, raw["grid"][k][i], node.line) for i, node in enumerate(grid.value[k].value)]
                   for k in keys]
        for point in itertools.product(*choices):
            name = ".".join(f"{short[o.key]}-{_shown(o.value)}" for o in point)
            out.append(Variant(re.sub(r"[^\w.-]", "_", name)[:100], point))
    for i, entry in enumerate((root.value.get("variants") or Node([], 1)).value):
        out.append(Variant(entry.value["name"].value, _overrides(entry.value["set"], raw["variants"][i]["set"])))
    return out


def _overrides(node: Node | None, raw) -> tuple[Override, ...]:
    """A `set:` mapping's overrides (none when there is no such mapping)."""
    return tuple(Override(k, raw[k], child.line) for k, child in node.value.items()) if node else ()


def value_text(value) -> str:
    """A sweep value on one line: lists and mappings as JSON."""
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def _short_names(keys: list[str]) -> dict[str, str]:
    """Each key by its last part where that names it alone among the grid's keys."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (tail if last.count(tail) == 1 else k) for k, tail in zip(keys, last)}


def _shown(value) -> str:
    if isinstance(value, (list, tuple)):
        return "x".join(map(_shown, value))
    if isinstance(value, dict):
        return "_".join(f"{k}{_shown(v)}" for k, v in value.items())
    return str(value)
