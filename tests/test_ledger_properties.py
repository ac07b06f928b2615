"""The ledger's promises, checked after real decisions: no UPDATE or DELETE gets through raw
SQLite, and four `infoshare decide` processes writing at once leave a complete, intact chain."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, answers_file_data
from support.reading import read_as

from infoshare_cli.ledger.entries import APPEND_ONLY_MESSAGE, GENESIS_HASH, compute_hash
from infoshare_cli.reading.records import signature_ok

INFOSHARE = Path(sys.executable).parent / ("infoshare.exe" if os.name == "nt" else "infoshare")


def lines(*items: str) -> str:
    return "".join(f"{item}\n" for item in items)


def _rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM entries ORDER BY seq").fetchall()


def _assert_chain_intact(staffed_log) -> list:
    with staffed_log.open() as ledger, read_as(ledger):
        entries = list(ledger.entries())
        for e in entries:
            e.payload  # noqa: B018 (opened while the keys are at hand)
        prev = GENESIS_HASH
        for expected_seq, e in enumerate(entries, start=1):
            assert e.seq == expected_seq
            assert e.prev_hash == prev, e.seq
            assert e.hash == compute_hash(
                e.seq, e.kind, e.recorded_at, e.actor, e.payload_text, e.prev_hash
            ), e.seq
            assert signature_ok(ledger, e), e.seq
            prev = e.hash
    return entries


@pytest.fixture
def decided_log(staffed_log, cli, tmp_path):
    """The staffed log with a co-signed decision and one awaiting co-signature."""
    for outcome, extra, passphrases in (
        ("share_without_consent", ("--cosigner", PRIYA), (PASSPHRASES[SAM], PASSPHRASES[PRIYA])),
        ("do_not_share", (), (PASSPHRASES[SAM],)),
    ):
        path = tmp_path / f"{outcome}.yaml"
        path.write_text(yaml.safe_dump(answers_file_data(outcome)), encoding="utf-8")
        result = cli(
            "decide",
            "--answers",
            path,
            "--by",
            SAM,
            *extra,
            input=lines(*passphrases),
            db=staffed_log.path,
        )
        assert result.exit_code == 0, result.output
    return staffed_log


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE entries SET payload = replace(payload, 'do_not_share', 'share')"
        " WHERE kind = 'decision'",
        "UPDATE entries SET actor = 'someone-else' WHERE kind = 'cosign'",
        "UPDATE entries SET recorded_at = '2000-01-01T00:00:00.000000Z'",
        "DELETE FROM entries WHERE kind = 'cosign'",
        "DELETE FROM entries WHERE seq = (SELECT max(seq) FROM entries)",
        "DELETE FROM entries",
    ],
)
def test_update_and_delete_are_refused(decided_log, sql):
    before = _rows(decided_log.path)
    assert any(row[1] == "decision" for row in before)
    assert any(row[1] == "cosign" for row in before)
    conn = sqlite3.connect(decided_log.path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match=APPEND_ONLY_MESSAGE):
            conn.execute(sql)
        conn.rollback()
    finally:
        conn.close()
    assert _rows(decided_log.path) == before
    _assert_chain_intact(decided_log)


REPLACE_DECISION = (
    "INSERT OR REPLACE INTO entries SELECT seq, kind, recorded_at, actor, "
    'replace(payload, \'"outcome":"share\', \'"outcome":"C-9999\'), prev_hash, hash, signature '
    "FROM entries WHERE kind = 'decision'"
)


def test_insert_or_replace_is_refused(decided_log):
    before = _rows(decided_log.path)
    conn = sqlite3.connect(decided_log.path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match=APPEND_ONLY_MESSAGE):
            conn.execute(REPLACE_DECISION)
    finally:
        conn.rollback()
        conn.close()
    assert _rows(decided_log.path) == before


def test_a_replaced_entry_is_caught_by_verify(decided_log, cli):
    """The trigger refuses INSERT OR REPLACE (test above); someone with a SQLite tool can
    drop it, replace the entries and put it back. verify must still see the change."""
    assert cli("verify", db=decided_log.path).exit_code == 0
    first_decision = next(row[0] for row in _rows(decided_log.path) if row[1] == "decision")
    conn = sqlite3.connect(decided_log.path)
    try:
        (trigger,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'entries_no_replace'"
        ).fetchone()
        conn.execute("DROP TRIGGER entries_no_replace")
        conn.execute(REPLACE_DECISION)
        conn.execute(trigger)
        conn.commit()
    finally:
        conn.close()
    assert any("C-9999" in row[4] for row in _rows(decided_log.path))  # the edit is in
    result = cli("verify", db=decided_log.path)
    assert result.exit_code == 1, result.output
    assert "does NOT verify" in result.output
    assert f"First bad entry: Entry #{first_decision} (a decision, " in result.output
    assert "its contents do not match its hash" in result.output


def test_the_views_read_the_decisions(decided_log):
    with sqlite3.connect(decided_log.path) as conn:
        rows = conn.execute("SELECT outcome, status FROM decisions ORDER BY decision_id").fetchall()
    assert rows == [("share_without_consent", "agreed"), ("do_not_share", "awaiting co-signature")]


@pytest.mark.skipif(not INFOSHARE.exists(), reason="the infoshare script is not installed")
def test_four_processes_decide_at_once(staffed_log, tmp_path):
    before = staffed_log.count()
    env = {**os.environ, "INFOSHARE_DB": str(staffed_log.path), "NO_COLOR": "1"}
    env.pop("INFOSHARE_DEBUG", None)
    runs = [
        ("C-P1", "share", SAM, PRIYA),
        ("C-P2", "share_without_consent", PRIYA, ALEX),
        ("C-P3", "do_not_share", SAM, None),
        ("C-P4", "seek_advice", ALEX, None),
    ]
    processes = []
    for case_ref, outcome, by, cosigner in runs:
        path = tmp_path / f"{case_ref}.json"
        path.write_text(json.dumps(answers_file_data(outcome, case_ref=case_ref)), "utf-8")
        args = [str(INFOSHARE), "decide", "--answers", str(path), "--by", by]
        stdin = lines(PASSPHRASES[by])
        if cosigner:
            args += ["--cosigner", cosigner]
            stdin += lines(PASSPHRASES[cosigner])
        proc = subprocess.Popen(
            args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        processes.append((case_ref, proc, stdin))
    for case_ref, proc, stdin in processes:
        out, err = proc.communicate(stdin, timeout=60)
        assert proc.returncode == 0, (case_ref, out, err)
        assert "Decision recorded" in out
        assert "Traceback" not in err

    assert staffed_log.count() == before + 6  # four decisions, two co-signatures
    entries = _assert_chain_intact(staffed_log)
    decisions = {e.payload["case_ref"]: e for e in entries if e.kind == "decision"}
    assert set(decisions) == {"C-P1", "C-P2", "C-P3", "C-P4"}
    cosigned = {
        e.payload["decision"]: e.payload["decision_hash"] for e in entries if e.kind == "cosign"
    }
    assert cosigned == {
        decisions["C-P1"].seq: decisions["C-P1"].hash,
        decisions["C-P2"].seq: decisions["C-P2"].hash,
    }
    # each co-signature sits right after its decision: they were written together
    for seq in cosigned:
        assert entries[seq].kind == "cosign" and entries[seq].payload["decision"] == seq

    with sqlite3.connect(staffed_log.path) as conn:  # the view reads only plaintext fields
        statuses = dict(conn.execute("SELECT decision_id, status FROM decisions").fetchall())
    assert {case: statuses[entry.seq] for case, entry in decisions.items()} == {
        "C-P1": "agreed",
        "C-P2": "agreed",
        "C-P3": "awaiting co-signature",
        "C-P4": "awaiting co-signature",
    }
