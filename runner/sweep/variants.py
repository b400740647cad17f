"""Each variant as a complete spec: the base spec with its overrides, written to the sweep folder's specs/ and
validated as a whole before anything runs."""

import copy
import io
import os
from pathlib import Path

from strictyaml.ruamel import YAML
from strictyaml.ruamel.comments import CommentedMap

from runner.api import open_pipeline
from runner.engine.atomic import write_atomic
from runner.errors import UserError
from runner.spec import spec_error
from runner.spec.nodes import SPEC_SECTIONS, ParseError, read_mapping
from runner.spec.schema import suggest
from runner.sweep.sweep_file import Override, Sweep, Variant, value_text


class OverrideError(Exception):
    """An override that has no place in the base spec (a missing step, a list index beyond the list)."""

    def __init__(self, override: Override, message: str):
        super().__init__(message)
        self.override, self.message = override, message


def step_name(entry) -> str:
    """A `steps:` entry's name: its `as:` when it has one, else its type."""
    if not isinstance(entry, dict):
        return str(entry)
    (kind, params), = entry.items()
    return str(params["as"]) if isinstance(params, dict) and "as" in params else str(kind)


def _set_step_param(tree: CommentedMap, override: Override, value) -> None:
    _, name, param = override.key.split(".")
    steps = tree.get("steps") or []
    names = [step_name(entry) for entry in steps]
    if name not in names:
        raise OverrideError(override, f"the base spec has no step named '{name}'{suggest(name, names)}")
    i = names.index(name)
    if not isinstance(steps[i], dict):
        steps[i] = CommentedMap({steps[i]: None})
    (kind, params), = steps[i].items()
    if params is None:
        steps[i][kind] = params = CommentedMap()
    params[param] = value


def apply(tree: CommentedMap, override: Override) -> None:
    """Set `override.key` in the base spec's tree (mappings on the way are made when missing)."""
    parts, value = override.key.split("."), copy.deepcopy(override.value)
    if parts[0] == "steps":
        return _set_step_param(tree, override, value)
    node = tree
    for depth, part in enumerate(parts):
        last, where = depth == len(parts) - 1, ".".join(parts[:depth]) or "the spec"
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise OverrideError(override, f"{where} is a list of {len(node)} item(s): '{part}' is not an index "
                                              f"into it (0 to {len(node) - 1})")
            part = int(part)
        elif not isinstance(node, dict):
            raise OverrideError(override, f"{where} is a single value, not a section with '{part}' in it")
        elif not last and node.get(part) is None:
            node[part] = CommentedMap()
        if last:
            node[part] = value
        else:
            node = node[part]


def _relocate(tree: CommentedMap, base_dir: Path, spec_dir: Path) -> None:
    """Paths the spec names relative to its folder, made relative to the variant spec's folder."""
    def moved(path):
        return path if os.path.isabs(path) else os.path.relpath(base_dir / path, spec_dir)
    config = (tree.get("model") or {}).get("config")
    if isinstance(config, dict) and isinstance(config.get("file"), str):
        config["file"] = moved(config["file"])
    for entry in tree.get("steps") or []:
        params = next(iter(entry.values()), None) if isinstance(entry, dict) else None
        if isinstance(params, dict) and isinstance(params.get("path"), str):
            params["path"] = moved(params["path"])


def variant_text(base: CommentedMap, sweep: Sweep, variant: Variant) -> str:
    """The variant's spec: the base with its overrides, its own name and its run directory as workdir."""
    tree = copy.deepcopy(base)
    for override in variant.overrides:
        apply(tree, override)
    _relocate(tree, sweep.base.parent, sweep.folder / "specs")
    tree["name"] = variant.name
    if "workdir" in tree:
        del tree["workdir"]
    tree.insert(list(tree).index("name") + 1, "workdir", str(sweep.folder / variant.name))
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    text = io.StringIO()
    yaml.dump(tree, text)
    changes = ", ".join(f"{o.key}: {value_text(o.value)}" for o in variant.overrides)
    return f"# Variant '{variant.name}' of sweep {sweep.name}: {sweep.base.name} with {changes}.\n{text.getvalue()}"


def spec_path(sweep: Sweep, variant: Variant) -> Path:
    return sweep.folder / "specs" / f"{variant.name}.yaml"


def prepare(sweep: Sweep, threads: int) -> list:
    """Write every variant's spec and open it as a pipeline; one message for every invalid variant."""
    try:
        base = read_mapping(sweep.base, "spec", SPEC_SECTIONS)
    except ParseError as error:
        raise UserError(spec_error(sweep.base, error.line, "(document)", error.message)) from error
    problems, texts = set(), {}
    for variant in sweep.variants:
        try:
            texts[variant] = variant_text(base, sweep, variant)
        except OverrideError as error:
            problems.add((error.override.line, error.override.key, error.message))
    if problems:
        raise UserError(f"{len(problems)} error(s) in the sweep file:\n"
                        + "\n".join(spec_error(sweep.path, *problem) for problem in sorted(problems)))
    (sweep.folder / "specs").mkdir(parents=True, exist_ok=True)
    pipelines, invalid = [], []
    for variant, text in texts.items():
        write_atomic(spec_path(sweep, variant), text.encode())
        try:
            pipelines.append(open_pipeline(str(spec_path(sweep, variant)), quiet=True, threads=threads))
        except UserError as error:
            overrides = ", ".join(f"{o.key}: {value_text(o.value)} (line {o.line})" for o in variant.overrides)
            invalid.append(f"{sweep.path}:{variant.overrides[0].line}: variant '{variant.name}' ({overrides}) is not "
                           f"a valid spec:\n  " + error.message.replace("\n", "\n  "))
    if invalid:
        raise UserError(f"{len(invalid)} of {len(texts)} variant(s) are not valid specs (nothing ran):\n"
                        + "\n".join(invalid))
    return pipelines
