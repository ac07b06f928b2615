"""A large JSON/JSONL export's whole-log check runs in a process beside it
(actions/export_check.CheckBeside): its verdict counts only for the export's own snapshot
and only when the log passes; otherwise the check runs in the export's process, and an
export of a log that fails is never logged or put in place."""

from __future__ import annotations

import base64
import sqlite3

import pytest
from support.benchmark_logs import PASSPHRASE
from support.benchmark_logs import READER as EXPORTER
from support.exporting import export_and_verify
from typer.testing import CliRunner

from infoshare_cli.actions import export_check
from infoshare_cli.actions.export_check import CheckBeside, check_for_export
from infoshare_cli.actions.staff import unlock
from infoshare_cli.cli.main import app
from infoshare_cli.domain.staff import find_member
from infoshare_cli.integrity import signatures
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.outputs import text_workers
from infoshare_cli.reading.register import load_register


@pytest.fixture
def log(benchmark_log):
    """A log of 40 decisions as the benchmarks write them (conftest.py)."""
    return benchmark_log


def _exporter(ledger):
    return unlock(find_member(load_register(ledger), EXPORTER), PASSPHRASE)


def _beside_and_here(path):
    """(the check beside, the check here), both on one read snapshot of the log."""
    with Ledger.open(path) as ledger:
        ledger.conn.execute("BEGIN")
        signer = _exporter(ledger)
        beside = CheckBeside(ledger, signer)
        try:
            found = beside.result(ledger)
        finally:
            beside.close()
        here = check_for_export(ledger, signer)
        ledger.conn.execute("COMMIT")
    return found, here


def _forge_a_signature(path, seq=12):
    conn = sqlite3.connect(path)
    s = base64.b64decode(
        conn.execute("SELECT signature FROM entries WHERE seq = ?", (seq,)).fetchone()[0]
    )
    flipped = base64.b64encode(bytes([s[0] ^ 1]) + s[1:]).decode()
    saved = [r[0] for r in conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger'")]
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    for name in names:
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE entries SET signature = ? WHERE seq = ?", (flipped, seq))
    for sql in saved:
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_the_check_beside_finds_what_the_check_here_finds(log):
    found, here = _beside_and_here(log)
    assert found is not None and here.report is not None and here.report.ok
    assert found.passed == here.passed and found.passed.seq == here.report.head.seq
    assert found.log == here.log and found.rested_on is None is here.rested_on


def test_it_rests_on_the_exporters_own_statement_as_the_check_here_does(log):
    with Ledger.open(log) as ledger:
        signer = _exporter(ledger)
        check = check_for_export(ledger, signer)
        assert export_check.remember_check(ledger, signer, check)
    found, here = _beside_and_here(log)
    assert here.rested_on is not None
    assert found is not None and found.rested_on == here.rested_on
    assert found.passed == here.passed


def test_a_log_that_fails_gives_no_verdict_beside(log):
    """Only a pass counts from beside: a failing log is checked here, whose report names
    the problem."""
    _forge_a_signature(log)
    found, here = _beside_and_here(log)
    assert found is None
    assert not here.ok and here.report.first_bad.seq == 12


def test_entries_written_after_the_exports_snapshot_void_the_verdict(log):
    """The process beside sees the log when it starts reading. If someone wrote between
    the export's snapshot and that, it did not check what the export holds: no verdict."""
    with Ledger.open(log) as ledger:
        ledger.conn.execute("BEGIN")
        ledger.head()  # the export's snapshot starts here
        signer = _exporter(ledger)
        with Ledger.open(log) as other, other.batch():
            other.append("setting", signer.staff_id, {"note": "meanwhile"}, signer.sign)
        beside = CheckBeside(ledger, signer)
        try:
            assert beside.result(ledger) is None
        finally:
            beside.close()
        ledger.conn.execute("COMMIT")


@pytest.mark.parametrize(
    "boot",
    [
        "raise SystemExit(3)",
        "import json, sys; sys.path[:] = json.loads(sys.argv[1])\n"
        "from infoshare_cli.ledger import workers\n"
        "workers.run_child(lambda body: b'not marshal')",
        # a process that says "passed" for a log it never read
        "import json, sys, marshal; sys.path[:] = json.loads(sys.argv[1])\n"
        "from infoshare_cli.ledger import workers\n"
        "said = marshal.dumps(([0, None, None], (1, 'h', 'k', 's'), None, 'x'))\n"
        "workers.run_child(lambda body: said)",
    ],
)
def test_a_process_that_fails_or_answers_wrongly_gives_no_verdict(log, monkeypatch, boot):
    monkeypatch.setattr(export_check, "_BOOT", boot)
    found, here = _beside_and_here(log)
    assert found is None and here.ok


@pytest.fixture
def beside_always(monkeypatch):
    """The CLI's threshold lowered so that this small log's export takes the way of a large
    one: its check beside it, its texts made by workers in batches of 7."""
    monkeypatch.setattr(signatures, "PROCESSES_FROM", 0)
    monkeypatch.setattr(text_workers, "BATCH", 7)
    monkeypatch.setattr(text_workers, "worker_count", lambda: 2)
    ran = []
    real = CheckBeside.result

    def result(self, ledger):
        found = real(self, ledger)
        ran.append(found)
        return found

    monkeypatch.setattr(CheckBeside, "result", result)
    return ran


def _export(log, out, fmt="jsonl"):
    argv = ["export", "--db", str(log), "--by", EXPORTER, "--format", fmt, "--out", str(out)]
    return CliRunner().invoke(app, argv, input=PASSPHRASE + "\n")


def _exports_logged(log):
    conn = sqlite3.connect(log)
    try:
        return conn.execute("SELECT count(*) FROM entries WHERE kind = 'export'").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_an_export_checked_beside_is_logged_and_verifies(cli, log, tmp_path, beside_always, fmt):
    export_and_verify(cli, log, fmt, tmp_path / f"out.{fmt}", by=EXPORTER, passphrase=PASSPHRASE)
    assert len(beside_always) == 1 and beside_always[0] is not None  # the verdict came from beside
    assert _exports_logged(log) == 1
    # ...and the exporter signed the head that passed, for their next export to rest on
    again = _export(log, tmp_path / f"again.{fmt}", fmt)
    assert again.exit_code == 0, again.output
    assert "had passed your own check" in " ".join(again.output.split())


def test_an_export_of_a_log_that_fails_is_not_logged_or_kept(log, tmp_path, beside_always):
    """The file is written while the check runs; the check fails: the same refusal as when
    the check runs first, no file at --out, no partial file left, nothing logged."""
    _forge_a_signature(log)
    out = tmp_path / "out.jsonl"
    result = _export(log, out)
    assert result.exit_code != 0
    said = " ".join(result.output.split())
    assert "Nothing was exported: this log fails `infoshare verify`" in said
    assert "#12" in said
    assert beside_always == [None]  # beside gave no verdict; the check here found it
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "log.sqlite3"] == []
    assert _exports_logged(log) == 0


def test_allow_unverified_checks_first(log, tmp_path, beside_always):
    """An export that carries a warning needs the verdict before its first line."""
    _forge_a_signature(log)
    out = tmp_path / "out.jsonl"
    argv = ["export", "--db", str(log), "--by", EXPORTER, "--format", "jsonl", "--out", str(out)]
    result = CliRunner().invoke(app, [*argv, "--allow-unverified"], input=PASSPHRASE + "\n")
    assert result.exit_code == 0, result.output
    assert beside_always == []
    assert "FAILS `infoshare verify`" in out.read_text(encoding="utf-8").splitlines()[0]
