"""What the user sees: messages (also appended to run.log) and progress: tqdm bars in a terminal, plain lines else."""

import sys
import time
from pathlib import Path

from tqdm import tqdm

from runner.engine.atomic import append_text


class LineProgress:
    """Progress as plain lines (logs, pipes, CI): at most one every `interval` seconds, and a last one at close."""

    def __init__(self, total: int, description: str, *, interval: float, clock=time.monotonic, file=None):
        self.total, self.description, self.interval, self.clock = total, description, interval, clock
        self.file = file or sys.stdout
        self.n = 0
        self._postfix: dict = {}
        self._began = self._printed_at = clock()
        self._printed_n = 0

    def set_postfix(self, **values) -> None:
        self._postfix = values

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.clock() - self._printed_at >= self.interval:
            self._print()

    def close(self) -> None:
        if self.n != self._printed_n:
            self._print()

    def _print(self) -> None:
        self._printed_at, self._printed_n = self.clock(), self.n
        postfix = "".join(f", {key} {value}" for key, value in self._postfix.items())
        print(f"{self.description} {self.n}/{self.total}{postfix} ({self._printed_at - self._began:.1f}s)",
              file=self.file, flush=True)


class Console:
    """Prints unless `quiet`; always appends to the run log once `log_path` is set."""

    def __init__(self, quiet: bool = False, interval: float = 5.0):
        self.quiet = quiet
        self.interval = interval
        self.log_path: Path | None = None

    def log(self, message: str) -> None:
        if not self.quiet:
            if sys.stdout.isatty():
                tqdm.write(message, file=sys.stdout)  # above the live bars
            else:
                print(message, file=sys.stdout, flush=True)
        if self.log_path is not None:
            append_text(self.log_path, f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")

    def progress(self, total: int, description: str):
        """Progress over `total` units: a tqdm bar in a terminal, plain lines otherwise, nothing when quiet."""
        if self.quiet or sys.stdout.isatty():
            return tqdm(total=total, desc=description, disable=self.quiet, leave=False,
                        dynamic_ncols=True, file=sys.stdout)
        return LineProgress(total, description, interval=self.interval)
