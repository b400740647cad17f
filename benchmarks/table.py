"""Turn pytest-benchmark's JSON into the README tables: python -m benchmarks.table BENCH.json"""

import json
import sys


def rows(path: str) -> list[dict]:
    return json.loads(open(path).read())["benchmarks"]


ENGINES = ("kernel", "kernel_soft", "reference", "hard_reference", "dense")


def simulation_table(benchmarks: list[dict]) -> list[str]:
    speed = {}
    for b in benchmarks:
        info = b["extra_info"]
        if "program" in info and info["engine"] in ENGINES:
            key = (info["program"], info.get("mode", "dense"), info["engine"])
            speed[key] = info["samples"] / b["stats"]["median"]
    lines = ["| program | mode | kernel, hard cores | kernel, soft cores | hard / soft | reference "
             "| kernel / reference | hard-core reference | dense floor | kernel / dense |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    cell = lambda value: f"{value:,.0f}" if value else "-"
    ratio = lambda a, b: f"{a / b:.2f}x" if a and b else "-"
    for (program, mode, engine), value in sorted(speed.items()):
        if engine != "kernel":
            continue
        soft, reference, hard = (speed.get((program, mode, e)) for e in ("kernel_soft", "reference", "hard_reference"))
        dense = speed.get((program, "dense", "dense"))
        lines.append(f"| {program} | {mode} | {cell(value)} | {cell(soft)} | {ratio(value, soft)} | "
                     f"{cell(reference)} | {ratio(value, reference)} | {cell(hard)} | {cell(dense)} | "
                     f"{ratio(value, dense)} |")
    return lines


def table(header: str, benchmarks: list[dict], row) -> list[str]:
    """A markdown table: `header` ("name:align | ..."), then a line per benchmark that `row(info, median, name)`
    returns cells for."""
    names, aligns = zip(*(column.split(":") for column in header.split(" | ")))
    lines = ["| " + " | ".join(names) + " |", "| " + " | ".join("---:" if a == "r" else "---" for a in aligns) + " |"]
    for b in benchmarks:
        cells = row(b["extra_info"], b["stats"]["median"], b["name"])
        if cells:
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def time_table(benchmarks: list[dict]) -> list[str]:
    """The kernel with the time options beside its default run of the same program and mode."""
    speed = {(b["extra_info"].get("program"), b["extra_info"].get("mode"), b["extra_info"].get("engine")):
             b["extra_info"]["samples"] / b["stats"]["median"] for b in benchmarks if "program" in b["extra_info"]}

    def row(info, median, name):
        base = speed.get((info.get("program"), info.get("mode"), "kernel"))
        if info.get("engine") not in ("kernel_cycles", "kernel_delay"):
            return None
        option = "cycle by cycle" if info["engine"] == "kernel_cycles" else "one-cycle delay"
        value = info["samples"] / median
        return (info["program"], info["mode"], option, f"{value:,.0f}", f"{base:,.0f}" if base else "-",
                f"{value / base:.2f}x" if base else "-")

    return table("program:l | mode:l | option:l | samples/s:r | default samples/s:r | option / default:r",
                 benchmarks, row)


def mapping_table(benchmarks: list[dict]) -> list[str]:
    return table("benchmark:l | soft cores:r | median seconds:r", benchmarks, lambda info, median, name: (
        name, f"{info['soft_cores']:,}", f"{median:.4f}") if "soft_cores" in info else None)


def one_thread_table(benchmarks: list[dict]) -> list[str]:
    return table("program:l | mode:l | kernel samples/s, 1 thread:r", benchmarks, lambda info, median, name: (
        info["program"], info["mode"], f"{info['samples'] / median:,.0f}") if info.get("engine") == "kernel, 1 thread"
        else None)


def memory_table(benchmarks: list[dict]) -> list[str]:
    def row(info, median, name):
        if info.get("engine") != "memory":
            return None
        growth, program, batch = info["rss_growth"], info["program_bytes"], info["batch_bytes"]
        return (info["program"], info["mode"], info["scope"], f"{growth / 1e6:.1f}", f"{program / 1e6:.1f}",
                f"{batch / 1e6:.1f}", f"{growth / (2 * program + batch):.2f}")

    return table("program:l | mode:l | measured:l | peak RSS growth, MB:r | program, MB:r | one batch of activations, "
                 "MB:r | growth / (2 program + batch):r", benchmarks, row)


def startup_table(benchmarks: list[dict]) -> list[str]:
    return table("start:l | median seconds:r", benchmarks, lambda info, median, name: (
        info["start"], f"{median:.2f}") if "start" in info else None)


if __name__ == "__main__":
    data = rows(sys.argv[1])
    tables = (simulation_table, time_table, one_thread_table, memory_table, mapping_table, startup_table)
    print("\n\n".join("\n".join(table(data)) for table in tables))
