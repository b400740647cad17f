"""A helper process of `--workers N`: joins the study of one spec's architecture_search and runs trials in it.

    python -m runner.search.worker SPEC --step NAME --storage URL --study NAME --threads T --device D
"""

import argparse
import sys

import torch

from runner.api import data_for
from runner.cli import set_threads
from runner.engine.spec_view import SpecView
from runner.errors import UserError
from runner.search.nsga import search_job
from runner.search.storage import open_storage
from runner.search.study import open_study, work
from runner.spec import load_spec
from runner.steps.architecture_search import ArchitectureSearchStep


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runner.search.worker")
    parser.add_argument("spec")
    for flag in ("--step", "--storage", "--study", "--device"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args(argv)
    try:
        set_threads(args.threads)
        spec = load_spec(args.spec)
        entry = next(e for e in spec.steps if e.name == args.step)
        job = search_job(SpecView(spec, entry, ArchitectureSearchStep.reads), entry.params, data_for(spec),
                         torch.device(args.device))
        storage = open_storage(args.storage, entry.params["heartbeat"], f"{spec.path}:{entry.line}")
        study = open_study(storage, args.study, job)
        print(f"joined study {args.study} ({len(study.trials)} trials recorded)", flush=True)
        work(study, job, log=lambda m: print(m, flush=True))
    except UserError as error:
        print(f"error: {error.message}", flush=True)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
