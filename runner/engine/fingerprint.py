"""Step fingerprints: what a step's output depends on, hashed."""

import hashlib
import json


def fingerprint(step_type: str, params: dict, sections: dict, seed: int, upstream: list[str]) -> str:
    """Hash of the step's parameters, the spec sections it reads and its inputs' fingerprints."""
    payload = {"type": step_type, "params": params, "sections": sections, "seed": seed,
               "upstream": sorted(upstream)}
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
