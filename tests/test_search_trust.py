"""The search index is derived data: attacks on it in a real log, found by verify, and repaired.

Each attack edits the log file with plain sqlite3, as someone holding the file could, so
that `log -q` loses a decision or finds words never written.
"""

from __future__ import annotations

import json

import pytest
from support.ledger_attacks import build_decided_log, copy_log, raw, run_cli

from infoshare_cli.integrity.verify import verify_path


@pytest.fixture(scope="module")
def _decided_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("decided") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


@pytest.fixture
def log(_decided_template, tmp_path):
    return copy_log(_decided_template, tmp_path / "log.sqlite3")


def found(log, words: str) -> list[int]:
    result = run_cli(log, "log", "-q", words, "--json")
    assert result.exit_code == 0, result.output
    return [r["id"] for r in json.loads(result.stdout)]


def search_messages(log) -> str:
    report = verify_path(log)
    assert not report.ok
    assert report.first_bad is None and report.schema == []  # the entries are intact
    return " ".join(p.message for p in report.derived)


def repair(log) -> None:
    result = run_cli(log, "repair-search")
    assert result.exit_code == 0, result.output
    assert "rebuilt from the entries (6 decisions, co-signatures and corrections)" in (
        result.stdout
    )
    assert verify_path(log).ok


def test_a_healthy_log_has_a_matching_search_index(log):
    assert verify_path(log).ok
    assert found(log, "curiosity") == [9]


def test_a_search_made_to_lose_a_decision(log):
    conn = raw(log)
    conn.execute("UPDATE decision_text SET body = 'nothing to see' WHERE rowid = 9")
    conn.close()
    assert found(log, "curiosity") == []
    messages = search_messages(log)
    assert "does not hold what entries #9 say" in messages
    assert "infoshare repair-search" in messages
    repair(log)
    assert found(log, "curiosity") == [9]


def test_a_search_made_to_find_words_never_written(log):
    conn = raw(log)
    conn.execute(
        "INSERT INTO decision_text(rowid, decision, body) VALUES (3, 10, 'a fractured wrist')"
    )
    conn.close()
    assert found(log, "fractured") == [10]
    assert "holds text for entries that do not have it (#3)" in search_messages(log)
    repair(log)
    assert found(log, "fractured") == []


def test_a_row_deleted_from_the_search_index(log):
    conn = raw(log)
    conn.execute("DELETE FROM decision_text WHERE rowid = 10")
    conn.close()
    assert found(log, "unclear") == []
    assert "does not hold what entries #10 say" in search_messages(log)
    repair(log)
    assert found(log, "unclear") == [10]


def test_the_full_text_index_edited_behind_its_rows(log):
    # The stored rows still say the right thing, but the index that searches use was
    # edited underneath them: SQLite's own FTS5 check finds it.
    conn = raw(log)
    conn.execute("DELETE FROM decision_text_data WHERE id > 10")
    conn.close()
    assert "full-text index does not match its own rows" in search_messages(log)
    repair(log)
    assert found(log, "curiosity") == [9]


def test_verify_on_screen_names_the_search_index(log):
    conn = raw(log)
    conn.execute("UPDATE decision_text SET body = 'x' WHERE rowid = 7")
    conn.close()
    result = run_cli(log, "verify")
    assert result.exit_code == 1
    assert "search index" in result.stdout and "repair-search" in result.stdout
    assert json.loads(run_cli(log, "verify", "--json").stdout)["search_index"] != "ok"


def test_new_entries_after_a_repair_are_still_indexed(log, tmp_path):
    from support.ledger_attacks import decide
    from support.people import PRIYA, SAM

    repair(log)
    decide(log, tmp_path, "share", SAM, PRIYA, case="C-2000")
    assert 13 in found(log, "C-2000") and verify_path(log).ok
