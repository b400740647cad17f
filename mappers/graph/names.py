"""Node names: one per node of a mapper graph, unique, and free of the marks that end a layer's name in a
core's name (its position and tile)."""

import re

from mappers.ir.graph import CORE_NAME_MARKS


def checked_names(names, count: int) -> tuple[str, ...]:
    """`names` as a tuple, or ValueError when they are not one non-empty unique name per node without a mark;
    `node{i}` for every node when `names` is None."""
    if names is None:
        return tuple(f"node{i}" for i in range(count))
    names = tuple(names)
    if len(names) != count:
        raise ValueError(f"{len(names)} names for {count} nodes: a mapper graph needs one name per node")
    bad = [n for n in names if not isinstance(n, str) or not n or any(mark in n for mark in CORE_NAME_MARKS)]
    if bad:
        raise ValueError(f"node name {bad[0]!r} is empty or holds one of {' '.join(CORE_NAME_MARKS)}, which mark a "
                         "core's position and tile in its name")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"node name {repeated[0]!r} is given to several nodes: names must be unique")
    return names


def unique_name(wanted: str, taken: set[str]) -> str:
    """`wanted` with every character but letters, digits and `._-` made `_`, suffixed `_2`, `_3`... until it is
    not in `taken` (which it joins)."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", wanted) or "_"
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name
