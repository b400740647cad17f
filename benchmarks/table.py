"""Turn pytest-benchmark's JSON into the README tables: python -m benchmarks.table BENCH.json"""

import json
import sys


def rows(path: str) -> list[dict]:
    return json.loads(open(path).read())["benchmarks"]


def simulation_table(benchmarks: list[dict]) -> list[str]:
    speed = {}
    for b in benchmarks:
        info = b["extra_info"]
        if "program" in info and info["engine"] in ("kernel", "reference", "dense"):
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


def one_thread_table(benchmarks: list[dict]) -> list[str]:
    lines = ["| program | mode | kernel samples/s, 1 thread |", "| --- | --- | ---: |"]
    for b in benchmarks:
        info = b["extra_info"]
        if info.get("engine") == "kernel, 1 thread":
            lines.append(f"| {info['program']} | {info['mode']} | {info['samples'] / b['stats']['median']:,.0f} |")
    return lines


def memory_table(benchmarks: list[dict]) -> list[str]:
    lines = ["| program | mode | measured | peak RSS growth, MB | program, MB | one batch of activations, MB | "
             "growth / (2 program + batch) |", "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
    for b in benchmarks:
        info = b["extra_info"]
        if info.get("engine") == "memory":
            growth, program, batch = info["rss_growth"], info["program_bytes"], info["batch_bytes"]
            lines.append(f"| {info['program']} | {info['mode']} | {info['scope']} | {growth / 1e6:.1f} | {program / 1e6:.1f} | "
                         f"{batch / 1e6:.1f} | {growth / (2 * program + batch):.2f} |")
    return lines


def startup_table(benchmarks: list[dict]) -> list[str]:
    lines = ["| start | median seconds |", "| --- | ---: |"]
    for b in benchmarks:
        if "start" in b["extra_info"]:
            lines.append(f"| {b['extra_info']['start']} | {b['stats']['median']:.2f} |")
    return lines


if __name__ == "__main__":
    data = rows(sys.argv[1])
    tables = (simulation_table, one_thread_table, memory_table, mapping_table, startup_table)
    print("\n\n".join("\n".join(table(data)) for table in tables))
