"""Turn pytest-benchmark's JSON into the README tables: python -m benchmarks.table BENCH.json"""

import json
import sys


def rows(path: str) -> list[dict]:
    return json.loads(open(path).read())["benchmarks"]


def simulation_table(benchmarks: list[dict]) -> list[str]:
    speed = {}
    for b in benchmarks:
        info = b["extra_info"]
        if "program" in info:
            speed[(info["program"], info.get("mode", "dense"), info["engine"])] = info["samples"] / b["stats"]["median"]
    lines = ["| program | mode | kernel samples/s | reference samples/s | kernel / reference | dense floor samples/s | kernel / dense |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for (program, mode, engine), value in sorted(speed.items()):
        if engine != "kernel":
            continue
        reference = speed.get((program, mode, "reference"))
        dense = speed.get((program, "dense", "dense"))
        lines.append(f"| {program} | {mode} | {value:,.0f} | {reference:,.0f} | {value / reference:.2f}x | "
                     f"{dense:,.0f} | {value / dense:.2f}x |")
    return lines


def mapping_table(benchmarks: list[dict]) -> list[str]:
    lines = ["| benchmark | soft cores | median seconds |", "| --- | ---: | ---: |"]
    for b in benchmarks:
        info = b["extra_info"]
        if "soft_cores" in info:
            lines.append(f"| {b['name']} | {info['soft_cores']:,} | {b['stats']['median']:.4f} |")
    return lines


if __name__ == "__main__":
    data = rows(sys.argv[1])
    print("\n".join(simulation_table(data) + [""] + mapping_table(data)))
