"""`--workers N`: N - 1 helper processes on this machine join the study beside the step's own process; their
output arrives as plain lines in the step's log."""

import subprocess
import sys
import threading


def start_helpers(count: int, *, spec: str, step: str, storage: str, study: str, threads: int, device: str,
                  log) -> list[subprocess.Popen]:
    """Start `count` helpers (`python -m runner.search.worker`) on the study; each line they print is logged."""
    helpers = []
    for k in range(1, count + 1):
        helper = subprocess.Popen(
            [sys.executable, "-m", "runner.search.worker", spec, "--step", step, "--storage", storage,
             "--study", study, "--threads", str(threads), "--device", device],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        log(f"worker {k} started (process {helper.pid})")
        threading.Thread(target=_relay, args=(helper, f"worker {k}: ", log), daemon=True).start()
        helpers.append(helper)
    return helpers


def _relay(helper: subprocess.Popen, prefix: str, log) -> None:
    for line in helper.stdout:
        log(prefix + line.rstrip())


def end_helpers(helpers: list[subprocess.Popen], log, *, stop: bool) -> None:
    """Wait for the helpers (with `stop`, terminate them first: the step failed or was interrupted)."""
    for k, helper in enumerate(helpers, 1):
        if stop and helper.poll() is None:
            helper.terminate()
        code = helper.wait()
        if code and not stop:
            log(f"worker {k} ended with status {code}"
                + (" (killed: a trial it ran is failed by the heartbeat and run again)" if code < 0 else ""))
