"""Shared fixtures: real SQLite logs in temporary folders, staff with known passphrases,
and a clean, fixed environment for every test.

The helpers the test files share live in ``tests/support/`` (importable as ``support.*``).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

# The tests folder on sys.path, so that ``import support.people`` works however pytest
# was started (from the repository root, from tests/, or with another import mode).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.benchmark_logs import load_make_log  # noqa: E402
from support.cheap_keys import SITE, use_cheap_keys  # noqa: E402
from support.people import StaffedLog, build_staffed_log  # noqa: E402
from support.reading import AUTO, as_reader  # noqa: E402
from support.review_log import Built, build_review_log  # noqa: E402

from infoshare_cli.checklist.loading import load_question_set  # noqa: E402

use_cheap_keys()  # before any test module is collected (see the fixture below)

TERMINAL_COLUMNS, TERMINAL_LINES = "100", "40"


@pytest.fixture(scope="session", autouse=True)
def _plain_environment():
    """Every test starts from the same environment, whatever the shell running pytest has
    exported: no INFOSHARE_* setting (INFOSHARE_DEBUG would turn refusals into
    tracebacks, INFOSHARE_DB would point at someone's real log) and a terminal of a
    fixed size (rich and the screens wrap at COLUMNS). Session-wide, so that the logs the
    session fixtures build are made in the same environment; a test that changes the
    environment does so with its own ``monkeypatch``, which puts it back.

    Keys are sealed with a cheap Argon2id cost, here and in every process the tests start
    (support/cheap_keys.py says why and how; tests/test_reseal.py uses the real one)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(
            "PYTHONPATH", os.pathsep.join(filter(None, [str(SITE), os.environ.get("PYTHONPATH")]))
        )
        for name in list(os.environ):
            if name.startswith("INFOSHARE_"):
                patch.delenv(name)
        patch.setenv("COLUMNS", TERMINAL_COLUMNS)
        patch.setenv("LINES", TERMINAL_LINES)
        yield


@pytest.fixture(scope="session")
def _template_log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "log.sqlite3"
    build_staffed_log(path)
    return path


@pytest.fixture(scope="session")
def _built_review_log(tmp_path_factory, _template_log):
    path = tmp_path_factory.mktemp("review") / "log.sqlite3"
    shutil.copy(_template_log, path)
    return path, build_review_log(path)


@pytest.fixture
def built_review_log(_built_review_log, tmp_path) -> tuple[StaffedLog, Built]:
    """A fresh copy of the log ``support.review_log`` builds (every status, co-signatures,
    corrections, revisits; built once a session), and what the build returned (its
    decisions' ids and numbers)."""
    source, built = _built_review_log
    path = tmp_path / "log.sqlite3"
    shutil.copy(source, path)
    path.chmod(0o600)
    return StaffedLog(path), built


@pytest.fixture(scope="session")
def _benchmark_log(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("benchmark") / "log.sqlite3"
    load_make_log().make_log(path, 40)
    return path


@pytest.fixture
def benchmark_log(_benchmark_log, tmp_path) -> Path:
    """A fresh copy of a log of 40 decisions as benchmarks/make_log.py writes it (read as
    ``support.benchmark_logs.READER`` with ``PASSPHRASE``); made once a session."""
    path = tmp_path / "log.sqlite3"
    shutil.copy(_benchmark_log, path)
    path.chmod(0o600)
    return path


@pytest.fixture
def staffed_log(_template_log, tmp_path) -> StaffedLog:
    """A fresh copy (a real SQLite file) of the staffed log for each test."""
    path = tmp_path / "log.sqlite3"
    shutil.copy(_template_log, path)
    path.chmod(0o600)
    return StaffedLog(path)


@pytest.fixture(scope="session")
def qset():
    return load_question_set()


@pytest.fixture
def cli():
    """Run `infoshare` in-process with typer's CliRunner; returns (exit_code, output)."""
    from infoshare_cli.cli.main import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None, db: Path | None = None, reader=AUTO):
        # A reading command reads as Alex unless it names its reader (support/reading.py).
        argv, input = as_reader(args, input, reader)
        env = {"INFOSHARE_DB": str(db)} if db is not None else {}
        return runner.invoke(app, argv, input=input, env=env)

    return run
