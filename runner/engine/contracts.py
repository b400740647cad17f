"""Check a chain of steps against their contracts before anything runs."""

from runner.engine.step import PipelineStep


def contract_errors(chain: list[tuple[str, type[PipelineStep]]]) -> list[tuple[int, str]]:
    """(position, message) for every key a step needs that no earlier step provides."""
    available: dict[str, str] = {}
    errors = []
    for position, (name, step) in enumerate(chain):
        for key in step.requires + step.updates:
            if key not in available:
                errors.append((position, f"step '{name}' requires '{key}', but no earlier step promises it; "
                              "add the step that provides it earlier in steps"))
        for key in step.writes():
            available[key] = name
        for key in step.clears:
            available.pop(key, None)
    return errors


def resolve_writers(chain: list[tuple[str, type[PipelineStep]]]) -> list[dict[str, str]]:
    """Per step, which earlier step's version each of its required keys resolves to."""
    latest: dict[str, str] = {}
    resolved = []
    for name, step in chain:
        resolved.append({key: latest[key] for key in step.requires + step.updates if key in latest})
        for key in step.writes():
            latest[key] = name
        for key in step.clears:
            latest.pop(key, None)
    return resolved


def mode_errors(chain: list[tuple[str, type[PipelineStep]]], mode: str) -> list[tuple[int, str]]:
    """(position, message) for every step that does not apply to spiking mode `mode`."""
    return [(position, f"step '{name}' applies to spiking modes {', '.join(step.modes)}, not '{mode}'; "
                       "remove it or change spiking.mode")
            for position, (name, step) in enumerate(chain) if step.modes and mode not in step.modes]
