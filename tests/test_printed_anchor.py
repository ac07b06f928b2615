"""Every printed decision record carries the log's head as an anchor line, so the paper
copy in a child's file is itself an anchor: entries removed after the newest monthly
anchor are found with it."""

from __future__ import annotations

import re

import pytest
from support.ledger_attacks import (
    DECIDED_ENTRIES,
    PRIYA,
    SAM,
    Tamper,
    build_decided_log,
    copy_log,
    decide,
    run_cli,
    take_anchor,
)

from infoshare_cli.integrity.anchors import parse_anchor
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.store import Ledger

LINE = re.compile(r"infoshare-anchor:v2:[0-9a-f:-]+")


@pytest.fixture(scope="module")
def _template(tmp_path_factory):
    path = tmp_path_factory.mktemp("printed") / "log.sqlite3"
    build_decided_log(path)
    return path


@pytest.fixture
def log(_template, tmp_path):
    return copy_log(_template, tmp_path / "log.sqlite3")


def printed_anchor(log, fmt: str, decision: str = "1") -> str:  # decision 1: entry #7
    result = run_cli(log, "show", decision, "--format", fmt)
    assert result.exit_code == 0, result.output
    found = LINE.findall(result.stdout)
    assert found, result.stdout[-600:]
    assert len(set(found)) == 1  # the line, and the same line in the command to check it
    assert f"verify --anchor {found[0]}" in result.stdout
    return found[0]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_printed_record_carries_the_head_as_an_anchor(log, fmt):
    line = printed_anchor(log, fmt)
    anchor = parse_anchor(line)
    with Ledger.open(log) as ledger:
        head = ledger.head()
    assert (anchor.count, anchor.hash) == (DECIDED_ENTRIES, head.hash)
    assert anchor.keys == parse_anchor(take_anchor(log)["anchor"]).keys
    result = run_cli(log, "verify", "--anchor", line)
    assert result.exit_code == 0, result.output
    assert "carries no signatures" in result.stdout  # printed, not countersigned


def test_entries_removed_after_the_monthly_anchor_are_caught_by_a_printed_record(log, tmp_path):
    monthly = take_anchor(log)["signed"]  # at entry #12
    decide(log, tmp_path, "share", SAM, PRIYA, case="C-3001")  # #13 and #14
    printed = printed_anchor(log, "md", "4")  # decision 4 (entry #13) goes in the file
    assert parse_anchor(printed).count == DECIDED_ENTRIES + 2
    with Tamper(log) as conn:  # the two newest entries removed cleanly (with the row the
        conn.execute("DELETE FROM entries WHERE seq > ?", (DECIDED_ENTRIES,))  # case index
        conn.execute("DELETE FROM case_index WHERE decision > ?", (DECIDED_ENTRIES,))  # kept)
        conn.execute("DELETE FROM decision_numbers WHERE seq > ?", (DECIDED_ENTRIES,))
    assert verify_path(log).ok  # the chain alone cannot tell...
    assert run_cli(log, "verify", "--anchor", monthly).exit_code == 0  # ...nor the anchor
    result = run_cli(log, "verify", "--anchor", monthly, "--anchor", printed)
    assert result.exit_code == 1, result.output  # ...but the paper copy can
    assert f"only {DECIDED_ENTRIES} entries" in result.stdout


def test_a_log_whose_head_fails_prints_no_anchor(log):
    """The head is checked as a reader checks it: a forged newest entry gives no anchor."""
    with Tamper(log) as conn:
        conn.execute("UPDATE entries SET signature = ? WHERE seq = ?", ("AAAA", DECIDED_ENTRIES))
    result = run_cli(log, "show", "1", "--format", "md")
    assert result.exit_code == 0, result.output
    assert "infoshare-anchor:" not in result.stdout
