"""Plain-text tables for the terminal: step status and the end-of-run summary."""


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _num(value, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_status(rows: list[dict]) -> None:
    print(_table(["step", "status", "metric", "seconds", "why not done"],
                 [[r["name"], r["status"], _num(r["metric"]), _num(r["seconds"], 1), r["why"]] for r in rows]))


def print_summary(report: dict, run_dir) -> None:
    rows = [[s["name"], s["status"], _num(s["metric"]), _num(s["seconds"], 1), "yes" if s["reused"] else "no"]
            for s in report["steps"]]
    print(_table(["step", "status", "metric", "seconds", "reused"], rows))
    sim = report.get("simulation")
    if sim:
        print(f"chip accuracy {sim['accuracy']:.4f} (model {sim['model_accuracy']:.4f}, float "
              f"{sim['float_accuracy']:.4f}); model agreement {sim['model_agreement']:.4f}; on the first "
              f"{sim['reference_samples']:,} samples agreement {sim['agreement']:.4f} with the soft-core reference, "
              f"{sim['hard_agreement']:.4f} with the hard-core reference; {sim['soft_cores']} soft cores on "
              f"{sim['hard_cores']} hard cores (bound {sim['hard_cores_lower_bound']}); "
              f"{sim['samples_per_second']:,} samples/s")
    print(f"results: {run_dir}/report.json")
