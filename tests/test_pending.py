"""`infoshare pending`: oldest first, outcome labels, and decisions waiting too long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import yaml
from support.people import PASSPHRASES, SAM, answers_file_data
from support.reading import read_as, sealed_as_the_tool

import infoshare_cli.ledger.store as log_module


def _decide(cli, staffed_log, tmp_path, outcome: str, case_ref: str):
    answers = tmp_path / f"{case_ref}.yaml"
    answers.write_text(yaml.safe_dump(answers_file_data(outcome, case_ref=case_ref)))
    result = cli("decide", "--answers", answers, input=PASSPHRASES[SAM] + "\n", db=staffed_log.path)
    assert result.exit_code == 0, result.output


def test_pending_shows_labels_oldest_first_and_flags_the_overdue(cli, tmp_path, monkeypatch):
    from types import SimpleNamespace

    from support.people import build_staffed_log

    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # The whole log starts three days ago (a clock turned back between entries is refused).
    staffed_log = SimpleNamespace(path=tmp_path / "log.sqlite3")
    with monkeypatch.context() as m:
        m.setattr(log_module, "_now", lambda: three_days_ago)
        build_staffed_log(staffed_log.path)
        _decide(cli, staffed_log, tmp_path, "do_not_share", "C-OLD")
    _decide(cli, staffed_log, tmp_path, "seek_advice", "C-NEW")

    result = cli("pending", db=staffed_log.path)

    assert result.exit_code == 0, result.output
    assert result.output.index("C-OLD") < result.output.index("C-NEW")
    assert "Do not share" in result.output and "Seek advice first" in result.output
    assert "3 days" in result.output and "just now" in result.output
    assert "1 waiting more than 2 days" in result.output


def test_pending_says_so_when_nothing_waits(cli, staffed_log):
    result = cli("pending", db=staffed_log.path)
    assert result.exit_code == 0
    assert "Nothing is awaiting co-signature." in result.output


def test_a_mistyped_id_is_not_repeated_back(cli, staffed_log):
    # Someone types a child's name where an id belongs: the error must not echo it.
    result = cli("show", "Jane Smith", db=staffed_log.path)
    assert result.exit_code == 1
    assert "That is not a decision number" in result.output
    assert "Jane" not in result.output


def test_show_never_prints_control_characters_from_the_log(cli, staffed_log, tmp_path):
    # New entries refuse control characters; a log written some other way must still be
    # safe to read: an escape code must never reach the reader's terminal.
    from infoshare_cli.ledger.store import Ledger

    _decide(cli, staffed_log, tmp_path, "do_not_share", "C-ESC")
    with Ledger.open(staffed_log.path) as ledger, read_as(ledger):
        decision = next(ledger.entries(kinds=("decision",)))
        payload = {k: v for k, v in decision.payload.items() if k not in ("id", "record")}
        payload["answers"]["purpose"]["reason"] = "Cleared \x1b[2J the screen"
        body = sealed_as_the_tool(ledger, "decision", payload)
        ledger.append("decision", decision.actor, body, lambda data: "not-a-signature")
        new_id = ledger.head().seq
    result = cli("show", f"e{new_id}", db=staffed_log.path)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "Cleared \ufffd[2J the screen" in result.output
    assert "signature does NOT verify" in result.output


def test_log_case_and_printable_records_never_carry_control_characters(cli, staffed_log, tmp_path):
    from infoshare_cli.ledger.store import Ledger

    _decide(cli, staffed_log, tmp_path, "do_not_share", "C-ESC")
    with Ledger.open(staffed_log.path) as ledger, read_as(ledger):
        decision = next(ledger.entries(kinds=("decision",)))
        payload = {k: v for k, v in decision.payload.items() if k not in ("id", "record")}
        payload["case_ref"] = "C-ESC\x1b[2J"
        payload["answers"]["purpose"]["reason"] = "Cleared \x1b[2J the screen"
        body = sealed_as_the_tool(ledger, "decision", payload)
        ledger.append("decision", "s-forged", body, lambda data: "not-a-signature")
        new_id = ledger.head().seq
    for args in (("log",), ("case", "C-ESC\x1b[2J"), ("show", f"e{new_id}", "--format", "md")):
        result = cli(*args, db=staffed_log.path)
        assert result.exit_code == 0, (args, result.output)
        assert "\x1b" not in result.output, args
    html_out = tmp_path / "record.html"
    result = cli("show", f"e{new_id}", "--format", "html", "--out", html_out, db=staffed_log.path)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in html_out.read_text(encoding="utf-8")
    assert "Cleared \ufffd[2J the screen" in html_out.read_text(encoding="utf-8")


def test_square_brackets_in_a_case_reference_are_shown_as_typed(cli, tmp_path, monkeypatch):
    # rich reads "[...]" in a plain string as markup: "[/x]" stopped the table with an
    # error, "[bold]" vanished. A case reference is the setting's own text, shown as typed.
    from types import SimpleNamespace

    from support.people import build_staffed_log

    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    staffed_log = SimpleNamespace(path=tmp_path / "log.sqlite3")
    ref = "C-[/x][bold]7"
    with monkeypatch.context() as m:
        m.setattr(log_module, "_now", lambda: three_days_ago)
        build_staffed_log(staffed_log.path)
        answers = tmp_path / "answers.yaml"
        answers.write_text(yaml.safe_dump(answers_file_data("share", case_ref=ref)))
        result = cli(
            "decide", "--answers", answers, input=PASSPHRASES[SAM] + "\n", db=staffed_log.path
        )
        assert result.exit_code == 0, result.output
    monkeypatch.setenv("COLUMNS", "200")
    for command in ("stats", "pending", "log"):
        result = cli(command, db=staffed_log.path)
        assert result.exit_code == 0, (command, result.output)
        assert ref in result.stdout, command
