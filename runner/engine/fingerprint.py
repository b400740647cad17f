"""Step fingerprints: every input of a step recorded and hashed, so a stale step can say what changed."""

import dataclasses
import hashlib
import json

from runner.engine.spec_view import covers


def key_value(spec, entry, key: str):
    """The value of spec key `key` as the step of `entry` sees it (None where the spec has none)."""
    if key == "seed":
        return spec.seed
    if key.startswith("training."):
        value = getattr(spec.training_for(entry), key.split(".", 1)[1])
        return dataclasses.asdict(value) if dataclasses.is_dataclass(value) else value
    if key.startswith("steps."):
        _, step_type, param = key.split(".", 2)
        return spec.step_param(step_type, param)
    value = spec.sections
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def step_inputs(spec, entry, step, *, code: str, files: dict, resources, upstream: dict) -> dict:
    """Everything the step's output depends on, as plain JSON values (a training step's also on the thread
    count, and the device of a step that trains or runs torch there)."""
    keys = {k: key_value(spec, entry, k) for k in step.reads}
    inputs = {"type": entry.type, "params": dict(entry.params), "keys": keys,
              "files": files, "code": code, "threads": resources.threads if step.trains else None,
              "device": resources.device if step.trains or step.on_device else None, "upstream": upstream}
    return json.loads(json.dumps(inputs, sort_keys=True, default=str))


def fingerprint(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def _shown(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def changes(old, new: dict) -> list[str]:
    """Why a checkpoint made from inputs `old` is stale for inputs `new`, one phrase per changed input."""
    if not isinstance(old, dict) or set(old) != set(new):
        return ["it was written by an earlier version of the runner"]
    reasons = []
    for group, label in (("keys", "{} changed"), ("params", "parameter {} changed")):
        for key in sorted(set(old[group]) | set(new[group])):
            before, after = old[group].get(key), new[group].get(key)
            if before != after:
                reasons.append(f"{label.format(key)} ({_shown(before)} -> {_shown(after)})")
    reasons += [f"{kind} changed" for kind in sorted(new["files"]) if old["files"].get(kind) != new["files"][kind]]
    if old["code"] != new["code"]:
        reasons.append("the project code it runs changed")
    for key, what in (("threads", "the thread count"), ("device", "the device")):
        if old[key] != new[key]:
            reasons.append(f"{what} changed ({old[key]} -> {new[key]})")
    reasons += [f"upstream step '{s}' changed" for s in sorted(new["upstream"])
                if old["upstream"].get(s) != new["upstream"][s]]
    return reasons or [f"its type changed ({old['type']} -> {new['type']})"]


def reads_data(step) -> bool:
    return covers(step.reads, "data")
