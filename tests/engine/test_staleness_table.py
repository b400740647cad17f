"""For every spec in spec/ and every key it sets: the steps a change of that key makes stale are exactly
those that declare reading it and the steps downstream of them. Run with -s to print the table."""

import copy
from pathlib import Path

import pytest

from runner.engine.pipeline import Pipeline
from runner.models import build_for_spec
from runner.spec import load_spec
from runner.spec.loader import build_spec
from runner.steps import STEPS
from tests.specs import SPEC_FILES as SPECS

OTHER = {"<": "<=", "<=": "<", "uniform": "deterministic", "default": "novena", "per_neuron": "per_core",
         "per_core": "per_neuron", "adam": "sgd", "sgd": "adam"}
SECTIONS = ("data", "model", "platform", "spiking", "training")
OVERRIDDEN = {"training.epochs": "epochs", "training.lr": "lr", "training.batch_size": "batch_size"}


def changed(value):
    """Another value of the same kind, or None when the key has no such simple alternative."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1 if isinstance(value, int) else value / 2 or 0.5
    if isinstance(value, str):
        return OTHER.get(value)
    if isinstance(value, (list, tuple)) and value:
        first = changed(value[0]) if not isinstance(value[0], dict) else {**value[0], next(iter(value[0])): 0}
        return None if first is None else [first, *value[1:]]
    return None


def leaves(value, prefix: str):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaves(child, f"{prefix}.{key}")
    elif value is not None:
        yield prefix, value


def pipeline(spec) -> Pipeline:
    return Pipeline(spec, STEPS, rebuild=lambda recipe: build_for_spec(spec, recipe), validate=False)


def mutated(spec, key: str, value):
    values = {name: spec.section(name) for name in SECTIONS}
    values.update(name=spec.name, seed=spec.seed, workdir=spec.workdir)
    *path, leaf = key.split(".")
    node = values
    for part in path:
        node = node[part]
    node[leaf] = value
    return build_spec(Path(spec.path), values, spec.steps)


def expected(base: Pipeline, key: str) -> list[str]:
    """The declaring steps of `key` (as their settings see it) and everything downstream of them."""
    affected = set()
    for entry, (name, step), writers in zip(base.entries, base.chain, base.writers):
        overridden = key in OVERRIDDEN and entry.params.get(OVERRIDDEN[key]) is not None
        reads = any(key == d or key.startswith(d + ".") or d.startswith(key + ".") for d in step.reads)
        if (reads and not overridden) or set(writers.values()) & affected:
            affected.add(name)
    return [name for name, _ in base.chain if name in affected]


def table(path: Path) -> list[tuple[str, list[str], list[str]]]:
    spec = load_spec(path)
    base = pipeline(spec)
    keys = [("seed", spec.seed)] + [kv for section in SECTIONS for kv in leaves(spec.section(section), section)]
    rows = []
    for key, value in keys:
        other = changed(value)
        if other is None or key == "spiking.mode":
            continue
        prints = pipeline(mutated(spec, key, copy.deepcopy(other))).fingerprints
        rows.append((key, [n for n in base.fingerprints if prints[n] != base.fingerprints[n]], expected(base, key)))
    return rows


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_a_key_makes_exactly_its_readers_and_their_dependents_stale(path):
    rows = table(path)
    print(f"\n{path.name}: the steps a change of each key makes stale")
    for key, stale, _ in rows:
        print(f"  {key:34s} {f'{stale[0]} and {len(stale) - 1} after it' if stale else '(none)'}")
    assert rows and all(stale == want for _, stale, want in rows), [r for r in rows if r[1] != r[2]]
