"""report.json: per step status, metric and the split it is measured on, seconds, fingerprint, reuse; plus step
figures."""

import json
from pathlib import Path

from runner.engine.atomic import write_atomic
from runner.engine.manifest import read_json


class Report:
    """Collects step rows and figures and rewrites report.json after every change."""

    def __init__(self, path: Path, spec_name: str, resources, splits: dict[str, str | None]):
        self.path, self.splits = path, splits
        self.data = {"spec": spec_name, "threads": resources.threads, "device": resources.device, "steps": []}

    def add_step(self, name: str, status: str, metric, seconds: float, fingerprint: str, reused: bool) -> None:
        self.data["steps"].append({"name": name, "status": status, "metric": metric, "split": self.splits[name],
                                   "seconds": round(seconds, 3), "fingerprint": fingerprint, "reused": reused})
        self.write()

    def add_figures(self, section: str, figures: dict) -> None:
        self.data[section] = figures
        self.write()

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(self.data, indent=1).encode())


def previous_statuses(path: Path) -> dict[str, str]:
    """Step statuses recorded by the last run (to show failures in --list)."""
    try:
        return {row["name"]: row["status"] for row in read_json(path)["steps"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
