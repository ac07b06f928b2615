"""`infoshare log`, `show`, `case`, `stats` and `correct`, on real log files."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from support.people import ALEX, PASSPHRASES, PRIYA, SAM
from support.reading import read_as
from support.review_log import SCRIPT, payload_for

from infoshare_cli.ledger.sealing import reading
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.filters import REVIEW_KEYS, make_filters, parse_day
from infoshare_cli.reading.queries import count_decisions, iter_decisions, overdue_decisions
from infoshare_cli.reading.records import load_decision

WIDE = {"COLUMNS": "200"}


@pytest.fixture
def review_log(built_review_log):
    log, built = built_review_log
    return log, built.ids, built.numbers


def log_json(cli, db, *args):
    result = cli("log", "--json", *args, db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- log ---------------------------------------------------------------------------------


def test_log_table_newest_first_with_names_and_statuses(cli, review_log, monkeypatch):
    log, ids, numbers = review_log
    for k, v in WIDE.items():
        monkeypatch.setenv(k, v)
    result = cli("log", db=log.path)
    assert result.exit_code == 0, result.output
    out = result.stdout
    rows = [line.split()[0] for line in out.splitlines() if line.strip()[:1].isdigit()]
    assert rows == ["5", "4", "3", "2", "1"]  # decision numbers, newest first
    assert "#" not in out  # no entry numbers on a screen for people
    for word in ("awaiting co-signature", "agreed", "not agreed", "superseded", "corrected"):
        assert word in out
    assert "Priya Shah" in out and "Sam Lee" in out and "C-1042" in out


def test_log_json_has_the_stable_keys_and_right_statuses(cli, review_log):
    log, ids, numbers = review_log
    rows = log_json(cli, log.path)
    assert [r["id"] for r in rows] == sorted(ids.values(), reverse=True)
    for row in rows:
        assert set(REVIEW_KEYS) <= set(row)
    by_id = {r["id"]: r for r in rows}
    # A correction is a flag beside the state, never a state of its own.
    assert by_id[ids["agreed_corrected"]]["status"] == "agreed"
    assert by_id[ids["agreed_corrected"]]["corrected"] is True
    assert by_id[ids["awaiting"]]["corrected"] is False
    assert by_id[ids["awaiting"]]["status"] == "awaiting co-signature"
    assert by_id[ids["superseded"]]["status"] == "superseded"
    assert by_id[ids["revisit"]]["status"] == "agreed"
    assert by_id[ids["not_agreed"]]["status"] == "not agreed"
    first = by_id[ids["agreed_corrected"]]
    assert first["decided_by"] == SAM and first["cosigned_by"] == PRIYA
    assert first["answers"]["consent"] == {
        "answer": "refused",
        "reason": "Parent refused when asked on Monday.",
    }
    assert first["basis"] == ["public interest: evidence of significant harm"]
    assert first["corrections"][0]["by"] == ALEX
    assert first["corrections"][0]["why"].endswith(SCRIPT)
    assert by_id[ids["awaiting"]]["cosigned_by"] is None
    assert by_id[ids["revisit"]]["revisits"] == ids["superseded"]
    assert by_id[ids["superseded"]]["revisited_by"] == [ids["revisit"]]


def test_sql_status_agrees_with_the_record_status(review_log):
    log, ids, numbers = review_log
    with log.open() as ledger, read_as(ledger):
        for review in iter_decisions(ledger):
            status = load_decision(ledger, review["id"]).status
            assert (review["status"], review["corrected"]) == (status.state, status.corrected)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--case", "c-1042"), ["revisit", "superseded", "agreed_corrected"]),
        (("--case", "C-7"), ["awaiting"]),
        (("--outcome", "do-not-share"), ["not_agreed", "awaiting"]),
        (("--outcome", "share without consent"), ["agreed_corrected"]),
        (("--status", "awaiting"), ["awaiting"]),
        (("--status", "not-agreed"), ["not_agreed"]),
        (("--status", "superseded"), ["superseded"]),
        (("--status", "corrected"), ["agreed_corrected"]),
        (("--status", "agreed"), ["revisit", "agreed_corrected"]),  # corrected stays agreed
        (("--by", ALEX), ["revisit"]),
        (("--by", "sam lee", "--case", "C-1042"), ["superseded", "agreed_corrected"]),
        (("-q", "unexplain"), ["agreed_corrected"]),  # a reason: 'unexplained bruising'
        (("-q", "bruis"), ["revisit", "agreed_corrected"]),  # and what was shared
        (("-q", "script alert"), ["agreed_corrected"]),  # the correction's text
        (("-q", "zebra"), ["not_agreed"]),
        (("-q", "already know enough"), ["superseded"]),  # a co-signer's comment
        (("-q", "curiosity"), ["awaiting"]),
        (("-q", 'NEAR( "x" OR'), []),  # FTS syntax typed by a person is only words
        (("--since", "today", "-n", "2"), ["not_agreed", "revisit"]),
        (("--until", "yesterday"), []),
        (("--since", "tomorrow"), []),
        (("-n", "2"), ["not_agreed", "revisit"]),
    ],
)
def test_log_filters(cli, review_log, args, expected):
    log, ids, numbers = review_log
    rows = log_json(cli, log.path, *args)
    assert [r["id"] for r in rows] == [ids[name] for name in expected]


def test_count_zero_means_all(cli, review_log):
    log, ids, numbers = review_log
    assert len(log_json(cli, log.path, "-n", "0")) == len(ids)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "31/02/2026"), "is not a date"),
        (("--until", "next tuesday"), "year-month-day"),
        (("--since", "2026-11-10", "--until", "2026-11-01"), "is before --since"),
        (("--status", "maybe"), "not a status"),
        (("--outcome", "shout"), "not an outcome"),
        (("--by", "Nobody Here"), "Nobody called 'Nobody Here'"),
        (("-q", "  ...  "), "at least one word"),
    ],
)
def test_bad_filters_give_clear_messages(cli, review_log, args, message):
    log, *_ = review_log
    result = cli("log", *args, db=log.path)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_dates_as_people_type_them():
    today = datetime(2026, 11, 26).date()
    assert parse_day("2026-11-01", today=today).isoformat() == "2026-11-01"
    assert parse_day("01/11/2026", today=today).isoformat() == "2026-11-01"
    assert parse_day("1 November 2026", today=today).isoformat() == "2026-11-01"
    assert parse_day("yesterday", today=today).isoformat() == "2026-11-25"
    assert parse_day("7 days ago", today=today).isoformat() == "2026-11-19"
    assert parse_day("2 weeks ago", today=today).isoformat() == "2026-11-12"


def test_empty_log_says_so(cli, staffed_log):
    result = cli("log", db=staffed_log.path)
    assert result.exit_code == 0
    assert "No decisions have been recorded yet" in result.stdout
    assert log_json(cli, staffed_log.path) == []
    result = cli("stats", db=staffed_log.path)
    assert "No decisions recorded yet" in result.stdout


def test_no_match_is_not_an_error(cli, review_log):
    log, *_ = review_log
    result = cli("log", "--case", "C-0000", db=log.path)
    assert result.exit_code == 0
    assert "No decisions match (case C-0000)." in result.stdout


# --- show --------------------------------------------------------------------------------


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_show_html_parses_and_escapes_what_was_typed(cli, review_log):
    log, ids, numbers = review_log
    result = cli("show", numbers["agreed_corrected"], "--format", "html", db=log.path)
    assert result.exit_code == 0, result.output
    page = result.stdout
    parser = Collect()
    parser.feed(page)
    parser.close()
    assert "script" not in parser.tags
    assert SCRIPT.replace("'", "&#x27;").replace("<", "&lt;").replace(">", "&gt;") in page
    text = "".join(parser.text)
    assert SCRIPT in text  # shown as the words that were typed
    for words in (
        "Little Acorns Nursery",
        "Information sharing checklist, version 2018.4",
        "Parent refused when asked on Monday.",
        "What was wrong",
        "It was shared on 27 November.",
        "Decided by Sam Lee",
        "signature verifies",
        "Co-signed by Priya Shah",
    ):
        assert words in text


def test_show_markdown_has_the_whole_record(cli, review_log):
    log, ids, numbers = review_log
    result = cli("show", numbers["superseded"], "--format", "md", db=log.path)
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert md.startswith(f"# Information sharing decision {numbers['superseded']}\n")
    assert "**Setting:** Little Acorns Nursery" in md
    assert "did not agree" in md and "We already know enough to decide." in md
    assert f"Taken again as decision {numbers['revisit']}." in md
    assert "Duty social worker, Children's Social Care" in md  # the advice record
    corrected = cli("show", numbers["agreed_corrected"], "--format", "md", db=log.path).stdout
    assert "## Corrections" in corrected
    assert "\\<script\\>" in corrected and "<script>" not in corrected


def test_show_out_writes_owner_only_and_never_overwrites(cli, review_log, tmp_path):
    log, ids, numbers = review_log
    target = tmp_path / "record.html"
    result = cli("show", numbers["revisit"], "--format", "html", "--out", target, db=log.path)
    assert result.exit_code == 0, result.output
    assert f"Wrote decision {numbers['revisit']} to" in result.stderr
    if os.name != "nt":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    target.write_text("keep me", encoding="utf-8")
    result = cli("show", numbers["revisit"], "--format", "html", "--out", target, db=log.path)
    assert result.exit_code == 1 and "already exists" in result.stderr
    assert target.read_text(encoding="utf-8") == "keep me"
    result = cli(
        "show", numbers["revisit"], "--format", "html", "--out", target, "--force", db=log.path
    )
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir() if ".partial" in p.name] == []


def test_show_unknown_id_and_bad_format(cli, review_log):
    log, *_ = review_log
    for args in (("999",), ("999", "--format", "html"), ("e2", "--format", "md")):
        result = cli("show", *args, db=log.path)
        assert result.exit_code == 1
        assert "There is no decision 999" in result.stderr or "not a decision" in result.stderr
    result = cli("show", "1", "--format", "pdf", db=log.path)
    assert result.exit_code == 1


def test_show_json_and_screen_include_corrections(cli, review_log, monkeypatch):
    log, ids, numbers = review_log
    monkeypatch.setenv("COLUMNS", "200")
    data = json.loads(cli("show", numbers["agreed_corrected"], "--json", db=log.path).stdout)
    assert data["corrections"][0]["right"] == "It was shared on 27 November."
    assert data["corrections"][0]["signature_ok"] is True
    screen = cli("show", numbers["agreed_corrected"], db=log.path).stdout
    assert "Corrected by Alex Morgan" in screen and "It was shared on 27 November." in screen


# --- case and stats ----------------------------------------------------------------------


def test_case_chronology_is_oldest_first(cli, review_log, monkeypatch):
    log, ids, numbers = review_log
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("case", "c-1042", db=log.path)
    assert result.exit_code == 0, result.output
    out = result.stdout
    marks = [
        f"Decision {numbers['agreed_corrected']} ",
        f"Co-signed decision {numbers['agreed_corrected']}",
        f"Decision {numbers['superseded']} ",
        f"Decision {numbers['revisit']} ",
        f"Takes decision {numbers['superseded']} again.",
        f"Correction to decision {numbers['agreed_corrected']}",
    ]
    positions = [out.index(m) for m in marks]
    assert positions == sorted(positions)
    rows = json.loads(cli("case", "C-1042", "--json", db=log.path).stdout)
    assert [r["id"] for r in rows] == sorted(
        [ids["agreed_corrected"], ids["superseded"], ids["revisit"]]
    )
    missing = cli("case", "C-404", db=log.path)
    assert missing.exit_code == 1 and "No decisions about case C-404" in missing.stderr


def test_stats_counts(cli, review_log, monkeypatch):
    log, ids, numbers = review_log
    result = cli("stats", "--json", db=log.path)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    totals = data["totals"]
    assert totals["total"] == 5
    assert totals["by_outcome"] == {
        "share": 1,
        "share_without_consent": 1,
        "do_not_share": 2,
        "seek_advice": 1,
    }
    assert totals["by_status"] == {
        "agreed": 2,  # one of them corrected: still agreed
        "awaiting co-signature": 1,
        "corrected": 1,
        "not agreed": 1,
        "superseded": 1,
    }
    assert len(data["months"]) == 1 and data["months"][0]["total"] == 5
    assert data["overdue"] == []  # all recorded just now
    with log.open() as ledger, read_as(ledger):
        later = datetime.now(UTC) + timedelta(days=3)
        assert [d["id"] for d in overdue_decisions(ledger, now=later)] == [ids["awaiting"]]
    monkeypatch.setenv("COLUMNS", "120")  # the bars and the tables: room for every heading
    screen = cli("stats", db=log.path).stdout
    assert "█" in screen and "Nothing has been awaiting co-signature" in screen


# --- correct -----------------------------------------------------------------------------


def test_correct_appends_a_signed_correction_and_keeps_the_original(cli, review_log):
    log, ids, numbers = review_log
    target = ids["revisit"]
    with log.open() as ledger:
        before = ledger.get(target)
    number = numbers["revisit"]
    args = ("correct", number, "--by", PRIYA, "--wrong", "Recipient role", "--right", "DSL")
    result = cli(*args, "--why", "Misheard", input=PASSPHRASES[PRIYA] + "\n", db=log.path)
    assert result.exit_code == 0, result.output
    assert f"Decision {number}: correction by Priya Shah saved." in result.stdout
    with log.open() as ledger, read_as(ledger):
        assert ledger.get(target) == before
        record = load_decision(ledger, target)
        assert record.status.label() == "agreed, corrected"
        assert record.corrections[-1].payload["right"] == "DSL"
        assert record.corrections[-1].payload["decision_hash"] == before.hash
    assert log_json(cli, log.path, "--status", "corrected", "--case", "C-1042")[0]["id"] == target


def test_correct_without_the_texts_or_a_name_explains(cli, review_log):
    log, ids, numbers = review_log
    count = log.count()
    result = cli("correct", numbers["awaiting"], "--by", SAM, "--wrong", "x", db=log.path)
    assert result.exit_code == 1 and "--wrong, --right and --why" in result.stderr
    result = cli("correct", numbers["awaiting"], "--wrong", "a", "--right", "b", "--why", "c")
    assert result.exit_code == 1
    result = cli(
        "correct", numbers["awaiting"], "--wrong", "a", "--right", "b", "--why", "c", db=log.path
    )
    assert result.exit_code == 1 and "--by NAME" in result.stderr
    wrong = "nope\n" * 3
    result = cli(
        "correct", numbers["awaiting"], "--by", SAM, "--wrong", "a", "--right", "b", "--why", "c",
        input=wrong, db=log.path,
    )  # fmt: skip
    assert result.exit_code == 1 and "wrong passphrases" in result.stderr
    result = cli("correct", "7000", "--by", SAM, "--wrong", "a", "--right", "b", "--why", "c",
                 db=log.path)  # fmt: skip
    assert result.exit_code == 1 and "There is no decision 7000" in result.stderr
    assert log.count() == count


def test_review_needs_a_terminal(cli, review_log):
    log, *_ = review_log
    result = cli("review", db=log.path)
    assert result.exit_code == 1 and "needs a terminal" in result.stderr


# --- search: in memory, after an unlock; nothing in the clear on disk -----------------------


def _append_many(path: str, word: str, n: int) -> None:
    from support.people import signer

    from infoshare_cli.actions.private import append_sealed, new_record

    payload = payload_for("do_not_share", "C-1")
    with Ledger.open(path) as ledger:
        sam = signer(ledger, SAM)
        for i in range(n):
            body = json.loads(json.dumps(payload))
            body["answers"]["purpose"]["reason"] = f"{word} tally {i}"
            with ledger.batch():
                append_sealed(ledger, "decision", sam, body, new_record(ledger, sam))


def test_search_finds_what_concurrent_writers_sealed(staffed_log):
    words = ["alpha", "bravo", "charlie", "delta"]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(staffed_log.path), w, 15)) for w in words]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with staffed_log.open() as ledger, read_as(ledger, PRIYA):
        for word in words:
            assert count_decisions(ledger, make_filters(search=word)) == 15
        assert count_decisions(ledger, make_filters(search="tally")) == 60
        assert count_decisions(ledger, make_filters(search="TALL alph")) == 15
    raw = staffed_log.path.read_bytes()
    assert b"alpha" not in raw and b"tally" not in raw


def test_search_without_an_unlock_finds_nothing(review_log):
    log, *_ = review_log
    with log.open() as ledger, reading(ledger.conn, None):
        assert count_decisions(ledger, make_filters(search="zebra")) == 0
        assert count_decisions(ledger, make_filters(case="C-7")) == 0
        assert count_decisions(ledger, make_filters()) > 0  # the outcome and status are plain


def test_an_older_log_loses_its_plaintext_search_table_on_upgrade(review_log):
    from infoshare_cli.ledger.schema import _SCHEMA_0002

    log, ids, numbers = review_log
    with log.open() as ledger:  # put back 0002's table as a log from before 0005 had it
        conn = ledger.db.conn
        for statement in _SCHEMA_0002:
            conn.execute(statement)
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0005_private'")
        assert conn.execute("SELECT count(*) FROM decision_text").fetchone()[0] > 0
    with log.open() as ledger:
        tables = {n for (n,) in ledger.conn.execute("SELECT name FROM sqlite_master")}
        assert not {"decision_text", "entries_feed_search", "entries_case_ref"} & tables
        with read_as(ledger):
            found = [r["id"] for r in iter_decisions(ledger, make_filters(search="zebra"))]
        assert found == [ids["not_agreed"]]


def test_queries_use_the_indexes(review_log):
    from infoshare_cli.reading.queries import _select

    log, *_ = review_log
    with log.open() as ledger, read_as(ledger):
        for filters in (make_filters(case="C-7"), make_filters(), make_filters(search="bruising")):
            sql, params = _select(ledger, filters)
            plan = " ".join(
                str(row[3])
                for row in ledger.db.execute(f"EXPLAIN QUERY PLAN {sql} ORDER BY seq DESC", params)
            )
            assert "entries_kind" in plan
            assert "entries_decision_ref" in plan and "entries_revisits" in plan
