"""The list of decisions awaiting co-signature (schema 0007): derived data that can be
trusted only because `verify` checks it against the entries and `rebuild` makes it again.

Every attack edits a real log file with plain sqlite3, as someone holding a copy could.
"""

from __future__ import annotations

import shutil

import pytest
from support.ledger_attacks import build_decided_log, copy_log, decide, raw, run_cli
from support.people import ALEX, PASSPHRASES, SAM

from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.awaiting import awaiting_problems
from infoshare_cli.ledger.store import Ledger


def listed(path) -> list[int]:
    conn = raw(path)
    try:
        return [d for (d,) in conn.execute("SELECT decision FROM decisions_awaiting ORDER BY 1")]
    finally:
        conn.close()


def by_the_view(path) -> list[int]:
    conn = raw(path)
    try:
        rows = conn.execute(
            "SELECT decision_id FROM decisions WHERE status = 'awaiting co-signature' ORDER BY 1"
        )
        return [d for (d,) in rows]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    path = tmp_path_factory.mktemp("awaiting") / "log.sqlite3"
    build_decided_log(path)
    decide(path, path.parent, "share", SAM, None, case="C-2001")  # #13, left awaiting
    decide(path, path.parent, "do_not_share", SAM, None, case="C-2002")  # #14, awaiting
    return path


@pytest.fixture
def log(_template, tmp_path):
    return copy_log(_template, tmp_path / "log.sqlite3")


def pending_ids(path) -> str:
    result = run_cli(path, "pending")
    assert result.exit_code == 0, result.output
    return result.output


def test_the_tool_keeps_the_list_as_it_writes(log):
    assert listed(log) == by_the_view(log) == [13, 14]
    result = run_cli(
        log, "cosign", "e13", "--by", "Priya Shah", input="priya passphrase two\nagree\nFine.\n"
    )
    assert result.exit_code == 0, result.output
    assert listed(log) == by_the_view(log) == [14]
    assert verify_path(log).ok


def test_a_removed_row_is_named_by_verify_and_rebuild_puts_it_back(log):
    conn = raw(log)
    conn.execute("DELETE FROM decisions_awaiting WHERE decision = 14")
    conn.close()
    # The attack works on the screen: pending no longer lists #14...
    assert "C-2002" not in pending_ids(log) and "C-2001" in pending_ids(log)
    # ...but verify names it, and says the signed record itself holds.
    report = verify_path(log)
    assert not report.ok and report.only_derived
    assert [p.message for p in report.problems] == [
        "Decision #14 awaits co-signature but is missing from the list of decisions "
        "awaiting it, so `pending` does not show it"
    ]
    result = run_cli(log, "verify", reader=None)
    assert result.exit_code != 0
    assert "Every signed entry holds" in result.output and "rebuild" in result.output
    result = run_cli(log, "rebuild", "--as", ALEX, input=PASSPHRASES[ALEX] + "\n")
    assert result.exit_code == 0, result.output
    assert "(2 decisions)" in result.output
    assert listed(log) == [13, 14] and verify_path(log).ok
    assert "C-2002" in pending_ids(log)


def test_an_added_row_is_named_by_verify_and_shown_by_no_reader(log):
    conn = raw(log)
    conn.execute("INSERT INTO decisions_awaiting VALUES (7)")  # agreed long ago
    conn.execute("INSERT INTO decisions_awaiting VALUES (8)")  # a co-signature
    conn.execute("INSERT INTO decisions_awaiting VALUES (99)")  # nothing at all
    conn.close()
    # the readers still apply the rule to what the list names
    assert "C-1042" not in pending_ids(log)
    result = run_cli(log, "log", "--status", "awaiting")
    assert result.exit_code == 0 and "C-1042" not in result.output, result.output
    messages = [p.message for p in verify_path(log).problems]
    assert messages == [
        f"The list of decisions awaiting co-signature names #{n}, which is not a decision "
        "awaiting co-signature"
        for n in (7, 8, 99)
    ]
    assert run_cli(log, "rebuild", "--as", ALEX, input=PASSPHRASES[ALEX] + "\n").exit_code == 0
    assert listed(log) == [13, 14] and verify_path(log).ok


def test_many_differences_are_counted_not_listed(log):
    conn = raw(log)
    conn.executemany("INSERT INTO decisions_awaiting VALUES (?)", [(n,) for n in range(100, 130)])
    conn.close()
    with Ledger.open(log, readonly=True) as ledger:
        problems = awaiting_problems(ledger.conn)
    assert len(problems) == 21 and problems[-1].startswith("and 10 more")


def test_a_log_from_before_the_list_gets_it_when_opened(tmp_path):
    """The golden log (written before 0007) verifies as it is, and has the list made from
    its entries by the migration when any other command opens it."""
    from pathlib import Path

    golden = Path(__file__).parent / "data" / "golden.db"
    path = tmp_path / "golden.db"
    shutil.copy(golden, path)
    path.chmod(0o600)
    report = verify_path(path)
    assert report.ok and "0007_awaiting" in report.not_yet_applied
    with Ledger.open(path):
        pass
    assert listed(path) == by_the_view(path)
    assert verify_path(path).ok


@pytest.mark.parametrize("index", ["entries_decision_facts", "entries_cosign_facts"])
def test_an_index_stats_counts_from_dropped_or_altered_is_named(log, index):
    """The indexes `stats` reads (schema 0009) are SQLite's own: an edit to their content is
    SQLite's integrity check's to find; dropping or redefining one is named by verify's
    schema check, and `stats` then refuses plainly instead of counting from something else."""
    conn = raw(log)
    conn.execute(f"DROP INDEX {index}")
    conn.close()
    result = run_cli(log, "stats")
    assert result.exit_code != 0
    assert "could not be read" in result.output and "verify" in result.output
    assert "Traceback" not in result.output
    messages = [p.message for p in verify_path(log).schema]
    assert f"The index '{index}' is missing from the log file." in messages
    conn = raw(log)
    conn.execute(f"CREATE INDEX {index} ON entries(kind) WHERE kind = 'decision'")
    conn.close()
    messages = [p.message for p in verify_path(log).schema]
    assert any(f"The index '{index}' has been altered" in m for m in messages), messages
