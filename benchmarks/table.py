"""Turn pytest-benchmark's JSON into the README tables: python -m benchmarks.table BENCH.json"""

import json
import math
import sys


def rows(path: str) -> list[dict]:
    return json.loads(open(path).read())["benchmarks"]


ENGINES = ("kernel", "kernel_soft", "baseline", "reference", "hard_reference", "dense")
LIMIT_WIDTHS = (16, 64, 256)


def limits(benchmarks: list[dict]) -> dict:
    """The row-accumulate limit in additions per second, per (row width, dtype, threads)."""
    runs = [(b["extra_info"], b["stats"]["median"]) for b in benchmarks if b["extra_info"].get("engine") == "limit"]
    return {(info["width"], info["dtype"], info["threads"]): info["adds"] / median for info, median in runs}


def limit_share(info: dict, median: float, limit: dict) -> str:
    """A kernel run's synaptic operations per second against the limit at its rows' widths (each row width taken
    at the nearest measured one, in its precision and threads): the time its operations take at the limit over
    the measured time."""
    dtype = "float32" if info["dtype"] == "float32" else "float64"
    nearest = lambda width: min(LIMIT_WIDTHS, key=lambda w: abs(math.log2(w) - math.log2(max(int(width), 1))))
    at = [limit.get((nearest(width), dtype, info["threads"])) for width in info["synops_by_width"]]
    if not info["synops"] or None in at:
        return "-"
    at_limit = sum(ops / rate for ops, rate in zip(info["synops_by_width"].values(), at))
    return f"{info['synops'] / median / 1e9:.2f} G/s, {at_limit / median:.0%}"


def simulation_table(benchmarks: list[dict]) -> list[str]:
    speed, kernel_runs, limit = {}, {}, limits(benchmarks)
    for b in benchmarks:
        info = b["extra_info"]
        if "program" in info and info["engine"] in ENGINES:
            key = (info["program"], info.get("mode", "dense"), info["engine"])
            speed[key] = info["samples"] / b["stats"]["median"]
            if info["engine"] == "kernel":
                kernel_runs[key[:2]] = info, b["stats"]["median"]
    lines = ["| program | mode | kernel, hard cores | kernel, soft cores | hard / soft | baseline | kernel / baseline "
             "| reference | kernel / reference | hard-core reference | dense floor | kernel / dense "
             "| synaptic ops, share of the limit |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    cell = lambda value: f"{value:,.0f}" if value else "-"
    ratio = lambda a, b: f"{a / b:.2f}x" if a and b else "-"
    for (program, mode, engine), value in sorted(speed.items()):
        if engine != "kernel":
            continue
        soft, baseline, reference, hard = (speed.get((program, mode, e))
                                           for e in ("kernel_soft", "baseline", "reference", "hard_reference"))
        dense = speed.get((program, "dense", "dense"))
        lines.append(f"| {program} | {mode} | {cell(value)} | {cell(soft)} | {ratio(value, soft)} | "
                     f"{cell(baseline)} | {ratio(value, baseline)} | {cell(reference)} | {ratio(value, reference)} | "
                     f"{cell(hard)} | "
                     f"{cell(dense)} | {ratio(value, dense)} | {limit_share(*kernel_runs[program, mode], limit)} |")
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
    """The mixer with one thread: the kernel, the peer-style baseline beside it, the kernel's share of the limit."""
    limit = limits(benchmarks)
    speed = {(b["extra_info"]["mode"], b["extra_info"]["engine"]): b["extra_info"]["samples"] / b["stats"]["median"]
             for b in benchmarks if b["extra_info"].get("threads") == 1 and "program" in b["extra_info"]}

    def row(info, median, name):
        if info.get("engine") != "kernel, 1 thread":
            return None
        value, baseline = info["samples"] / median, speed.get((info["mode"], "baseline, 1 thread"))
        return (info["program"], info["mode"], f"{value:,.0f}", f"{baseline:,.0f}" if baseline else "-",
                f"{value / baseline:.2f}x" if baseline else "-", limit_share(info, median, limit))

    return table("program:l | mode:l | kernel samples/s, 1 thread:r | baseline samples/s, 1 thread:r | "
                 "kernel / baseline:r | synaptic ops, share of the limit:r", benchmarks, row)


def limit_table(benchmarks: list[dict]) -> list[str]:
    return table("row width:r | dtype:l | threads:r | G additions/s:r", benchmarks, lambda info, median, name: (
        str(info["width"]), info["dtype"], str(info["threads"]), f"{info['adds'] / median / 1e9:.2f}")
        if info.get("engine") == "limit" else None)


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
    tables = (simulation_table, one_thread_table, limit_table, time_table, memory_table, mapping_table,
              startup_table)
    print("\n\n".join("\n".join(table(data)) for table in tables))
