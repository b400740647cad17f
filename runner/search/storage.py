"""Where a study lives: an RDB URL (`sqlite:///FILE`, `postgresql://...`) with optuna's heartbeat, or a journal
file (`journal:FILE`), which has none. Paths are relative to the spec's folder."""

from pathlib import Path

from runner.errors import UserError

SCHEMES = ("sqlite", "postgresql", "journal")
MAX_RETRY = 3
"""How often a trial whose worker died is retried before it stays failed."""
HEARTBEAT = 30
"""Seconds between a running trial's heartbeats when the spec sets none; two missed ones make it stale."""


def storage_problem(url: str) -> str | None:
    """Why `url` names no storage we can use (None when it names one)."""
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if ":" not in url or scheme not in SCHEMES:
        return (f"'{url}' is not a storage: expected sqlite:///FILE, postgresql://USER@HOST[:PORT]/DATABASE "
                "or journal:FILE")
    if scheme == "sqlite" and not url.startswith("sqlite:///"):
        return f"'{url}': a sqlite URL names a file after three slashes: sqlite:///search.db"
    if scheme == "journal" and not url.removeprefix("journal:"):
        return "'journal:' names no file: journal:search.journal"
    return None


def has_heartbeat(url: str) -> bool:
    return not url.startswith("journal:")


def shown(url: str) -> str:
    """The URL as messages and reports show it: the password hidden."""
    if has_heartbeat(url):
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    return url


def resolved(url: str, spec_dir: Path) -> str:
    """`url` with a relative file made absolute against the spec's folder (the URL a worker elsewhere needs)."""
    for prefix in ("sqlite:///", "journal:"):
        if url.startswith(prefix) and not Path(url[len(prefix):]).is_absolute():
            return prefix + str((spec_dir / url[len(prefix):]).resolve())
    return url


def open_storage(url: str, heartbeat: int | None, where: str):
    """The optuna storage of `url` (RDB: with a `heartbeat` every so many seconds, HEARTBEAT when None); a database
    that cannot be reached or a missing driver is a UserError."""
    import optuna
    if not has_heartbeat(url):
        from optuna.storages.journal import JournalFileBackend
        try:
            return optuna.storages.JournalStorage(JournalFileBackend(url.removeprefix("journal:")))
        except OSError as error:
            raise UserError(f"{where}: cannot open the journal file {url}: {error.strerror or error}; "
                            "fix the path or its permissions") from error
    from sqlalchemy.exc import SQLAlchemyError
    patience = {"timeout": 60} if url.startswith("sqlite") else {"connect_timeout": 10}
    try:
        return optuna.storages.RDBStorage(
            url, engine_kwargs={"connect_args": patience}, heartbeat_interval=heartbeat or HEARTBEAT,
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY))
    except ImportError as error:
        raise UserError(f"{where}: {shown(url)} needs the PostgreSQL driver ({error.name} is not installed): "
                        "pip install 'crossbar-runner[postgresql]'") from error
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise UserError(f"{where}: cannot open the study storage {shown(url)}: {reason}; start the database, "
                        "or fix the URL (the password belongs in PGPASSWORD or ~/.pgpass, not in the spec)") from error
