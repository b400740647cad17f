"""The specs that come with the project: spec/*.yaml but the sweep files (spec/sweep_*.yaml), which name a spec."""

from pathlib import Path

SPEC_FILES = sorted(p for p in (Path(__file__).resolve().parents[1] / "spec").glob("*.yaml")
                    if not p.name.startswith("sweep_"))
