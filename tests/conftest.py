"""Shared fixtures and independent measuring tools.

Loudness and true peak are measured with ffmpeg's ebur128 filter — a separate BS.1770
implementation from the pyloudnorm meter the code under test uses to set the gain.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from radio.audio.ffmpeg import ffmpeg_exe

ROOT = Path(__file__).resolve().parent.parent


SHARED = "RADIO_TEST_SHARED"


def pytest_configure(config):
    # One folder for the whole run, made by the first process (xdist's controller, whose
    # environment its workers inherit): measured speaking rates (not the developer's home
    # folder) and the station prototypes of tests/fixtures.py, built once for all workers.
    if SHARED not in os.environ:
        os.environ[SHARED] = tempfile.mkdtemp(prefix="radio-test-run-")
        config._radio_made_shared = True
    os.environ["RADIO_CACHE_DIR"] = os.path.join(os.environ[SHARED], "cache")
    _cheap_password_hashes()


def _cheap_password_hashes() -> None:
    """Argon2id at its default cost (a fifth of a second of CPU per hash) is the point on a
    station; the suite makes some 400 accounts and logs in as many times, which was a fifth
    of its CPU. Accounts made here carry cheap parameters in their hashes, and every
    verification — in this process or a studio server's — reads them from the hash."""
    from argon2 import PasswordHasher

    from radio.studio import accounts

    accounts._hasher = lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def pytest_unconfigure(config):
    if getattr(config, "_radio_made_shared", False):
        import shutil

        shutil.rmtree(os.environ.pop(SHARED), ignore_errors=True)


@dataclass(frozen=True)
class Ebur128:
    integrated_lufs: float
    true_peak_dbtp: float
    loudness_range_lu: float
    sample_peak_dbfs: float


def ebur128(path: Path) -> Ebur128:
    result = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-af",
         "ebur128=peak=sample+true:framelog=quiet", "-f", "null", "-"],
        capture_output=True, text=True, check=True)
    summary = result.stderr[result.stderr.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    loudness_range = float(re.search(r"LRA:\s+(-?[\d.]+) LU", summary).group(1))
    sample_part, true_part = summary[summary.index("Sample peak:"):].split("True peak:")
    peak = lambda part: float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", part).group(1))  # noqa: E731
    return Ebur128(integrated, peak(true_part), loudness_range, peak(sample_part))


def decode(path: Path, rate: int = 44100) -> np.ndarray:
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1",
                          "-ar", str(rate), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.float32)


def run_cli(*args: str, cwd: Path | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None, process: bool = False) -> subprocess.CompletedProcess:
    """`radio ARGS` as a user types it: its exit code, standard output and error.

    Run inside this process (the same `main`, argument parsing and error printing; a fresh
    console of the width COLUMNS asks for) unless it needs a process of its own: ``process``,
    text on standard input, or an environment beyond COLUMNS. A new interpreter costs a
    quarter of a second of CPU, a hundred times over in this suite."""
    extra = dict(env or {})
    columns = extra.pop("COLUMNS", None)
    if process or stdin is not None or extra:
        return subprocess.run([sys.executable, "-m", "radio", *args], capture_output=True, text=True,
                              cwd=cwd, input=stdin, timeout=600,
                              env={**os.environ, **env} if env else None)
    return _run_in_process(list(args), cwd, int(columns) if columns else 80)


def _run_in_process(args: list[str], cwd: Path | None, width: int) -> subprocess.CompletedProcess:
    import contextlib
    import io

    from rich.console import Console

    from radio import cli

    out, err = io.StringIO(), io.StringIO()
    saved = (cli.console, cli.errors, sys.argv, os.getcwd(), os.environ.get("COLUMNS"))
    cli.console = Console(file=out, width=width)
    cli.errors = Console(file=err, width=width, stderr=True)
    sys.argv = ["radio", *args]
    os.environ["COLUMNS"] = str(width)  # typer's own help and usage panels read it
    code = 0
    try:
        if cwd is not None:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli.main()
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    finally:
        cli.console, cli.errors, sys.argv = saved[0], saved[1], saved[2]
        os.chdir(saved[3])
        if saved[4] is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved[4]
    return subprocess.CompletedProcess(["radio", *args], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """The real `radio demo`, run once per test run, as a user would: through the command
    line. Parallel workers share one run (the first to take the lock makes it; the others
    read what it printed), since xdist's grouping does not keep these tests on one worker."""
    import fcntl
    import json

    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every xdist worker
    out, record = shared / "demo" / "audio_out", shared / "demo" / "result.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(shared / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not record.exists():
            made = run_cli("demo", "--out", str(out), process=True)
            record.write_text(json.dumps({"args": made.args, "returncode": made.returncode,
                                          "stdout": made.stdout, "stderr": made.stderr}), encoding="utf-8")
    saved = json.loads(record.read_text(encoding="utf-8"))
    result = subprocess.CompletedProcess(saved["args"], saved["returncode"], saved["stdout"], saved["stderr"])
    assert result.returncode == 0, result.stderr
    return out / "an-lac" / "2026-12", result
