"""A storage that is no storage, a database nobody answers at, a heartbeat the journal cannot keep, workers without
a search: one message each, exit status 2, no traceback."""

import pytest

from runner.cli import main
from tests.search.conftest import free_port
from tests.search.specs import search_spec

LINE = 21
"""The line of `- architecture_search:` in the test spec (its `storage:` is on line 26)."""


@pytest.mark.parametrize("storage, heartbeat, message", [
    ("mysql://db/search", None, "26: steps[0].architecture_search.storage: 'mysql://db/search' is not a storage: "
                                "expected sqlite:///FILE"),
    ("sqlite://search.db", None, "26: steps[0].architecture_search.storage: 'sqlite://search.db': a sqlite URL "
                                 "names a file after three slashes"),
    ("journal:search.journal", 5, f"{LINE}: steps.architecture_search: heartbeat: the journal storage has no "
                                  "heartbeat"),
])
def test_a_storage_the_spec_cannot_use_is_a_spec_error(tmp_path, capsys, storage, heartbeat, message):
    spec = search_spec(tmp_path, "bad", storage=storage, heartbeat=heartbeat)
    assert main([str(spec), "--check"]) == 2
    err = capsys.readouterr().err
    assert f"bad.yaml:{message}" in err and "Traceback" not in err


def test_an_unreachable_database_names_the_spec_line_and_hides_the_password(tmp_path, capsys):
    url = f"postgresql://runner:secret@127.0.0.1:{free_port()}/search"
    spec = search_spec(tmp_path, "away", storage=url)
    assert main([str(spec), "--workdir", str(tmp_path / "run"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"away.yaml:{LINE}: cannot open the study storage postgresql://runner:***@127.0.0.1" in err
    assert "start the database, or fix the URL" in err and "secret" not in err and "Traceback" not in err


def test_workers_need_a_search(small_spec, tmp_path, capsys):
    assert main([str(small_spec()), "--workers", "2", "--workdir", str(tmp_path / "run")]) == 2
    assert "--workers 2: " in capsys.readouterr().err


@pytest.fixture
def small_spec(tmp_path):
    from tests.engine.conftest import SMALL
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return lambda: path


def test_an_rdb_storage_always_keeps_a_heartbeat(tmp_path):
    """Without `heartbeat:` in the spec a dead worker's trial is still found and retried."""
    from runner.search.storage import HEARTBEAT, open_storage
    storage = open_storage(f"sqlite:///{tmp_path / 'study.db'}", None, "here")
    assert storage.heartbeat_interval == HEARTBEAT and storage.get_heartbeat_stale_trial_callback() is not None
