"""What the user sees: messages (also appended to run.log) and progress bars."""

import sys
import time
from pathlib import Path

from tqdm import tqdm


class Console:
    """Prints unless `quiet`; always appends to the run log once `log_path` is set."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet
        self.log_path: Path | None = None

    def log(self, message: str) -> None:
        if not self.quiet:
            tqdm.write(message, file=sys.stdout)
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "a") as f:
                f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {message}\n")

    def progress(self, total: int, description: str) -> tqdm:
        """A progress bar over `total` units (hidden when quiet)."""
        return tqdm(total=total, desc=description, disable=self.quiet, leave=False,
                    dynamic_ncols=True, file=sys.stdout)
