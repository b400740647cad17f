"""Where a run may live: never the current folder, a parent of it or a folder of someone else's files.

A run directory is marked by `run.json` (the tool and the spec's name); folders written before the
marker existed are recognized by their `report.json` or their step manifests.
"""

import json
import re
from pathlib import Path

from runner.engine.atomic import write_atomic
from runner.engine.manifest import read_json
from runner.errors import UserError

MARKER = "run.json"
FORMAT = "crossbar-runner run directory"
WRITTEN_INTO = ("steps", "run.log")
"""Entries the runner writes inside rather than replaces: a link there would lead writes outside."""

LEFT_BY_START = re.compile(r"\.lock(\.\d+\.[0-9a-f]+)?|run\.log|\..+\.tmp-\d+")
"""What a run starting beside us (or killed at its start) may have written before its marker: the lock,
the log, temporary files."""
UNKNOWN = object()
"""The owner of a run directory from before the marker whose report does not name its spec."""


def _read_json(path: Path):
    try:
        return read_json(path) if path.is_file() and not path.is_symlink() else None
    except (OSError, ValueError):
        return None


def _marker(run_dir: Path) -> dict | None:
    marker = _read_json(run_dir / MARKER)
    return marker if isinstance(marker, dict) and marker.get("format") == FORMAT else None


def recorded_spec(run_dir: Path):
    """The spec name a run directory belongs to; UNKNOWN for an unnamed one of ours; None if it is not ours."""
    entries = [entry.name for entry in run_dir.iterdir()]  # listed first: a marker a starting run adds is then read
    marker = _marker(run_dir)
    if marker is not None:
        return marker.get("spec", UNKNOWN)
    report = _read_json(run_dir / "report.json")
    if isinstance(report, dict) and isinstance(report.get("steps"), list) and "spec" in report:
        return report["spec"]
    if any((run_dir / "steps").glob("*/manifest.json")) or all(map(LEFT_BY_START.fullmatch, entries)):
        return UNKNOWN
    return None


def check_location(run_dir: Path, where: str) -> None:
    """Refuse a run directory that is the current folder, one of its parents, or not a folder."""
    resolved, here = run_dir.resolve(), Path.cwd().resolve()
    if resolved == here or resolved in here.parents:
        what = "the current folder" if resolved == here else "a parent of the current folder"
        raise UserError(f"the run directory {where} is {resolved}, {what}: a run writes and deletes files in its "
                        "directory; name a folder of its own (e.g. runs/NAME) with --workdir or the spec's workdir")
    if run_dir.exists() and not run_dir.is_dir():
        raise UserError(f"the run directory {run_dir} exists and is not a folder; choose another --workdir")


def claim(run_dir: Path, spec_name: str, where: str) -> None:
    """Make `run_dir` this spec's run directory, or refuse (nothing written) when it holds other files."""
    check_location(run_dir, where)
    if run_dir.is_dir() and any(run_dir.iterdir()):
        owner = recorded_spec(run_dir)
        if owner is None:
            raise UserError(f"{run_dir} holds files and is not a run directory of this tool (it has no {MARKER}); "
                            "name a new or empty folder with --workdir or the spec's workdir (nothing was changed)")
        if owner is not UNKNOWN and owner != spec_name:
            raise UserError(f"{run_dir} holds the checkpoints of spec '{owner}', not '{spec_name}'; "
                            "give this run its own --workdir (nothing was changed)")
        linked = [name for name in WRITTEN_INTO if (run_dir / name).is_symlink()]
        if linked:
            raise UserError(f"{run_dir / linked[0]} is a symbolic link; the runner writes only inside its run "
                            "directory: replace the link with a real folder or file")
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        if _marker(run_dir) is None:
            write_atomic(run_dir / MARKER, json.dumps({"format": FORMAT, "spec": spec_name}, indent=1).encode())
    except OSError as error:
        where = f" ({error.filename})" if error.filename and Path(error.filename) != run_dir else ""
        raise UserError(f"cannot create or write the run directory {run_dir}{where}: {error.strerror or error}; "
                        "choose a writable folder with --workdir, or remove what stands in the way") from error
