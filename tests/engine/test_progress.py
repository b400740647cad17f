"""Progress outside a terminal: plain lines, throttled, never a carriage return."""

import io
import re
import subprocess
import sys

from tqdm import tqdm

from runner.engine.console import Console, LineProgress


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_line_progress_prints_at_most_once_per_interval_and_a_last_line():
    clock, out = FakeClock(), io.StringIO()
    bar = LineProgress(1000, "simulation", interval=5.0, clock=clock, file=out)
    for second in range(1, 13):  # one update a second for 12 s
        clock.now = 100.0 + second
        bar.update(50)
    assert out.getvalue().splitlines() == ["simulation 250/1000 (5.0s)", "simulation 500/1000 (10.0s)"]
    clock.now = 112.5
    bar.close()
    assert out.getvalue().splitlines()[2:] == ["simulation 600/1000 (12.5s)"]
    assert bar.n == 600


def test_line_progress_shows_the_postfix_and_prints_no_repeat_at_close():
    clock, out = FakeClock(), io.StringIO()
    bar = LineProgress(3, "epochs", interval=0.0, clock=clock, file=out)
    for epoch in range(3):
        clock.now += 2.0
        bar.set_postfix(loss=f"{1 / (epoch + 1):.3f}", val="0.9000")
        bar.update()
    bar.close()
    assert out.getvalue() == ("epochs 1/3, loss 1.000, val 0.9000 (2.0s)\nepochs 2/3, loss 0.500, val 0.9000 (4.0s)\n"
                              "epochs 3/3, loss 0.333, val 0.9000 (6.0s)\n")


def test_console_outside_a_terminal_prints_plain_lines(monkeypatch, tmp_path):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    console = Console(interval=0.0)
    console.log_path = tmp_path / "run.log"
    bar = console.progress(2, "trials")
    assert isinstance(bar, LineProgress)
    bar.update()
    console.log("[search] trial 0 done")
    bar.update(bar.total - bar.n)
    bar.close()
    assert out.getvalue().splitlines()[:2] == ["trials 1/2 (0.0s)", "[search] trial 0 done"]
    assert re.fullmatch(r"trials 2/2 \(\d+\.\ds\)", out.getvalue().splitlines()[2])
    assert "\r" not in out.getvalue() and b"\r" not in console.log_path.read_bytes()


def test_quiet_console_prints_nothing_and_a_terminal_keeps_tqdm(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    quiet = Console(quiet=True)
    quiet.log("hidden")
    bar = quiet.progress(10, "simulation")
    bar.update(10)
    bar.close()
    assert out.getvalue() == ""
    monkeypatch.setattr(out, "isatty", lambda: True, raising=False)
    terminal_bar = Console().progress(10, "simulation")
    assert isinstance(terminal_bar, tqdm)
    terminal_bar.close()


def test_a_run_into_a_pipe_writes_plain_lines_only(small_spec, tmp_path):
    workdir = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "runner.cli", str(small_spec()), "--workdir", str(workdir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)  # bytes: text mode hides \r
    assert result.returncode == 0, result.stderr
    for output in (result.stdout, result.stderr, (workdir / "run.log").read_bytes()):
        assert b"\r" not in output
    lines = result.stdout.decode().split("\n")
    epochs = [line for line in lines if line.startswith("[pretraining] epoch ")]
    assert [line.split(":")[0] for line in epochs] == [f"[pretraining] epoch {i}/3" for i in (1, 2, 3)]
    assert all(re.fullmatch(r"\[pretraining\] epoch \d/3: loss \d\.\d{4}, validation accuracy \d\.\d{4}", line)
               for line in epochs)
    assert any(re.fullmatch(r"epochs 3/3, loss \d\.\d{3}, val \d\.\d{4} \(\d+\.\ds\)", line) for line in lines)
    assert any(re.fullmatch(r"simulation \d+/\d+ \(\d+\.\ds\)", line) for line in lines)
