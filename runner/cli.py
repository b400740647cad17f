"""`runner SPEC`: run, resume, list or check a deployment pipeline; `runner sweep SWEEP`: run a sweep."""

import argparse
import os
from pathlib import Path
import signal
import sys

EXIT_INTERRUPTED = 130


def parse_args(argv):
    if argv[:1] == ["sweep"]:
        return parse_sweep_args(argv[1:])
    parser = argparse.ArgumentParser(prog="runner", description="Deploy a network onto a spiking crossbar chip.",
                                     epilog="runner sweep SWEEP.yaml runs a sweep over variants of a spec "
                                            "(runner sweep --help)")
    parser.add_argument("spec", help="the YAML spec to run")
    parser.add_argument("--from", dest="from_step", metavar="STEP",
                        help="re-run from this step on, reusing the earlier checkpoints")
    parser.add_argument("--until", metavar="STEP", help="stop after this step")
    parser.add_argument("--list", action="store_true", help="show every step's status, metric and seconds")
    parser.add_argument("--check", action="store_true", help="validate the spec and step contracts, run nothing")
    parser.add_argument("--report", action="store_true", help="rebuild report.md and its plots from the checkpoints")
    parser.add_argument("--export", nargs=2, metavar=("FORMAT", "PATH"),
                        help="write the deployed chip for other tools: `json DIR` (mapping.json + mapping.npz) or "
                             "`nir FILE` (NIR graph; rate-coded chips)")
    parser.add_argument("--workdir", metavar="DIR", help="the run directory (default: the spec's workdir)")
    parser.add_argument("--threads", type=int, help="CPU threads for torch and the simulator (default 2, or "
                        "$RUNNER_THREADS; at most the CPUs this process may use)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"),
                        help="where torch trains, adapts and runs the reference (default: the spec's device:, auto: "
                             "CUDA when torch sees one); the simulator's kernels run on the CPU")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="run an architecture search's trials in N processes on this machine (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser.parse_args(argv)


def parse_sweep_args(argv):
    parser = argparse.ArgumentParser(prog="runner sweep", description="Run a sweep over variants of a spec: every "
                                     "distinct step computed once, the steps run as Dask tasks.")
    parser.add_argument("sweep", help="the sweep file (a base spec and its variants)")
    parser.add_argument("--workers", type=int, help="worker processes of the local Dask cluster (default: the CPUs "
                        "this process may use, divided by --threads)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster (e.g. "
                        "tcp://host:8786) whose workers see the sweep folder at the same path")
    parser.add_argument("--threads", type=int, help="CPU threads of each step (default 1)")
    parser.add_argument("--workdir", metavar="DIR", help="the sweep folder (default: the sweep file's workdir, "
                        "else runs/NAME)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser.parse_args(argv, argparse.Namespace(command="sweep"))


def thread_count(given: int | None) -> int:
    """`--threads`, else $RUNNER_THREADS, else 2; capped, with a note, at the CPUs this process may use."""
    from runner.errors import UserError
    source = f"--threads {given}"
    if given is None:
        text = os.environ.get("RUNNER_THREADS", "2")
        source = f"RUNNER_THREADS={text!r}"
        try:
            given = int(text)
        except ValueError:
            given = 0
    if given < 1:
        raise UserError(f"{source}: expected a whole number of threads >= 1 (e.g. 2)")
    cpus = usable_cpus()
    if given > cpus:
        print(f"note: {given} threads asked for, {cpus} CPUs available: using {cpus}", file=sys.stderr)
    return min(given, cpus)


def usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def set_threads(threads: int) -> None:
    """Pin torch and numba to `threads` (passive OpenMP waits: a busy core must not stall us)."""
    import numba
    import torch
    torch.set_num_threads(threads)
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from runner.errors import UserError
    interrupts = []

    def on_interrupt(signum, frame):
        interrupts.append(signum)  # remembered: a library may swallow the KeyboardInterrupt raised inside it
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        code = execute(args)
        if interrupts:
            raise KeyboardInterrupt
        return code
    except UserError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        exit_interrupted()
    except Exception as error:
        if interrupts:  # Python turns an interrupt inside some operations (a class being made) into another error
            exit_interrupted()
        if args.debug:
            raise
        print(f"internal error: {type(error).__name__}: {error} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return 1


def exit_interrupted():
    """Say what Ctrl-C kept and end with 130 at once (the interpreter's shutdown could otherwise end the
    process by the signal itself)."""
    print("\ninterrupted: every finished step's checkpoint is kept; rerun to continue", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


MODES = ("check", "list", "report", "export")
"""What a command does instead of running; at most one, and none of them with --from or --until."""


def flag_errors(args) -> list[str]:
    """Flags that are empty or contradict each other."""
    empty = [f"--{name.replace('_step', '')}" for name in ("from_step", "until", "workdir")
             if getattr(args, name) is not None and not getattr(args, name).strip()]
    problems = [f"{flag}: empty; name a step or folder, or leave the flag out" for flag in empty]
    if args.export and not args.export[1].strip():
        problems.append("--export: the target is empty; name the folder (json) or file (nir) to write")
    chosen = [f"--{mode}" for mode in MODES if getattr(args, mode)]
    if len(chosen) > 1:
        problems.append(f"{' and '.join(chosen)}: choose one of them")
    if chosen and (args.from_step or args.until):
        problems.append(f"{chosen[0]} runs no step: --from and --until go with a run, not with {chosen[0]}")
    if args.workers < 1:
        problems.append(f"--workers {args.workers}: expected a number of processes >= 1")
    return problems


def execute_sweep(args) -> int:
    """`runner sweep`: exit 0 when every variant ran, 1 when one failed (the others' figures are written)."""
    from runner.errors import UserError
    from runner.sweep import run_sweep
    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers {args.workers}: expected a whole number of worker processes >= 1")
    if args.workers is not None and args.scheduler:
        raise UserError("--workers and --scheduler: choose one (an existing cluster has its own workers)")
    threads = thread_count(1 if args.threads is None else args.threads)
    result = run_sweep(args.sweep, workdir=args.workdir, workers=args.workers or max(1, usable_cpus() // threads),
                       scheduler=args.scheduler, threads=threads, quiet=args.quiet)
    failed = [row for row in result["variants"] if row["status"] != "done"]
    if failed:
        raise UserError(f"{len(failed)} of {len(result['variants'])} variant(s) failed: "
                        + "; ".join(f"{row['variant']}: {row['status']}" for row in failed), exit_code=1)
    return 0


def execute(args) -> int:
    if getattr(args, "command", None) == "sweep":
        return execute_sweep(args)
    from runner.api import open_pipeline
    from runner.errors import UserError
    from runner.summary import print_status, print_summary
    problems = flag_errors(args)
    if problems:
        raise UserError("\n".join(problems))
    threads = thread_count(args.threads)
    reads_only = args.list or args.report or args.export
    pipeline = open_pipeline(args.spec, workdir=args.workdir, quiet=args.quiet, validate=not reads_only,
                             threads=threads, device=args.device, workers=args.workers)
    if args.workers > 1 and not any(entry.type == "architecture_search" for entry in pipeline.spec.steps):
        raise UserError(f"--workers {args.workers}: {args.spec} has no architecture_search step, whose trials "
                        "the workers run; leave the flag out")
    if args.check:
        print(f"{args.spec}: spec is sound ({len(pipeline.chain)} steps)")
        if not any(entry.type == "architecture_search" for entry in pipeline.spec.steps):
            from runner.check import chip_fit
            for line in chip_fit(pipeline.spec):  # from the spec alone: no data loaded or fetched
                print(f"{args.spec}: {line}")
        return 0
    if args.list:
        print_status(pipeline.status())
        return 0
    from runner.report_md import write_report
    from runner.run_directory import RunDirectory
    if args.export:
        from runner.export import export_mapping
        from runner.nir_export import export_nir
        kind, target = args.export
        if kind not in ("json", "nir"):
            raise UserError(f"--export {kind}: unknown format; available: json (DIR), nir (FILE)")
        if Path(target).resolve().is_relative_to(pipeline.run_dir.resolve()):
            raise UserError(f"--export {kind} {target}: inside the run directory {pipeline.run_dir}, whose files are "
                            "the runner's; write the export somewhere else")
        run = RunDirectory(pipeline.run_dir, spec=args.spec)
        written = export_mapping(run, target) if kind == "json" else export_nir(run, pipeline.spec.spiking, target)
        print(f"wrote {written}")
        return 0
    if args.report:
        print(f"wrote {write_report(RunDirectory(pipeline.run_dir, spec=args.spec))}")
        return 0
    set_threads(threads)
    report = pipeline.run(from_step=args.from_step, until=args.until)
    write_report(RunDirectory(pipeline.run_dir, spec=args.spec))
    if not args.quiet:
        print_summary(report, pipeline.run_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
