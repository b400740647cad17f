"""User-facing errors: one clear message and an exit status, never a traceback."""


class UserError(Exception):
    """A mistake the user can fix (spec, data, platform); `exit_code` 2 for input, 1 for a failed run."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
