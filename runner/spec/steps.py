"""The `steps:` list: names, parameters, `as:` instance names and duplicates."""

from runner.spec.nodes import Node
from runner.spec.schema import Errors, Map, Str, suggest
from runner.spec.sections import STEP_PARAMS
from runner.spec.settings import StepEntry, frozen


def _entry(node: Node, path: str, errors: Errors) -> tuple[str, Node | None, int] | None:
    """(type, parameter node, key line) of one list item, or None when it is malformed."""
    if isinstance(node.value, str):
        return node.value, None, node.line
    if isinstance(node.value, dict) and len(node.value) == 1:
        (name, params), = node.value.items()
        return name, params, node.key_lines[name]
    errors.append((node.line, path, "expected a step name, or one 'name:' key with its parameters below it"))
    return None


def check_steps(node: Node, errors: Errors) -> tuple[StepEntry, ...]:
    """Every entry validated against its step type's parameters; instance names unique."""
    if not isinstance(node.value, list) or not node.value:
        errors.append((node.line, "steps", "expected a non-empty block list of steps (- step_name)"))
        return ()
    entries, seen = [], {}
    for i, item in enumerate(node.value):
        parsed = _entry(item, f"steps[{i}]", errors)
        if parsed is None:
            continue
        step_type, params_node, line = parsed
        path = f"steps[{i}].{step_type}"
        if step_type not in STEP_PARAMS:
            errors.append((line, f"steps[{i}]", f"unknown step '{step_type}'{suggest(step_type, STEP_PARAMS)}"))
            continue
        schema = Map({**STEP_PARAMS[step_type], "as": (Str(r"[A-Za-z0-9_]+", "a step name"), None)})
        params = schema.check(params_node or Node(None, line), path, errors) or {}
        name = params.pop("as", None) or step_type
        if name in seen:
            errors.append((line, path, f"'{name}' is already the name of the step at line {seen[name]}; "
                                       "give this one a distinct name with `as: other_name`"))
        seen.setdefault(name, line)
        entries.append(StepEntry(step_type, name, frozen(params), line))
    return tuple(entries)
