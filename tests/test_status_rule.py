"""One status rule, held everywhere it is written down.

``domain.status`` defines a decision's state (awaiting, agreed, not agreed, superseded) and
keeps "corrected" apart as a flag. The SQL that filters by state, the ``decisions`` view
in the log's schema, the flat rows of the CSV export, ``pending`` and the overdue list of
``stats`` must all agree with it. This builds a real log holding every combination of
co-signatures, revisits and corrections, and checks each reader against the domain.
"""

from __future__ import annotations

import csv
import io
import itertools
import sqlite3

import pytest
from support.people import ALEX, PRIYA, SAM, build_staffed_log
from support.reading import append_as
from support.review_log import payload_for, signers

from infoshare_cli.actions.corrections import append_correction
from infoshare_cli.actions.erasing import erase_decisions
from infoshare_cli.domain.decisions import cosign_payload
from infoshare_cli.domain.status import (
    AGREED,
    AWAITING,
    ERASED,
    NOT_AGREED,
    SUPERSEDED,
    Status,
    decision_status,
    standing_cosignature,
)
from infoshare_cli.reading.filters import Filters, parse_status
from infoshare_cli.reading.queries import (
    iter_decisions,
    overdue_decisions,
    pending_decisions,
)
from infoshare_cli.reading.records import load_decision

# Who co-signs, in order, and with which verdict. "self" is the decider signing their own
# decision (the tool refuses it, an older or hand-made log may hold it): it never counts.
COSIGNINGS = {
    "none": [],
    "self": [("self", "agree")],
    "agree": [("other", "agree")],
    "disagree": [("other", "disagree")],
    "agree_then_disagree": [("other", "agree"), ("third", "disagree")],
    "disagree_then_self": [("other", "disagree"), ("self", "agree")],
}
EXPECTED_STATE = {
    "none": AWAITING,
    "self": AWAITING,
    "agree": AGREED,
    "disagree": NOT_AGREED,
    "agree_then_disagree": NOT_AGREED,
    "disagree_then_self": NOT_AGREED,
}
COMBINATIONS = list(itertools.product(COSIGNINGS, (False, True), (False, True), (False, True)))


@pytest.fixture(scope="module")
def every_combination(tmp_path_factory):
    """A log with one decision per (co-signings, superseded, corrected, erased); returns the
    path and {decision id: (co-signings, superseded, corrected, erased)}."""
    path = tmp_path_factory.mktemp("status") / "log.sqlite3"
    build_staffed_log(path)
    from infoshare_cli.ledger.store import Ledger

    made = {}
    with Ledger.open(path) as ledger:
        people = signers(ledger)
        decider = people[SAM]
        others = {"self": decider, "other": people[PRIYA], "third": people[ALEX]}
        to_erase = []
        for n, (cosigning, superseded, corrected, erased) in enumerate(COMBINATIONS):
            payload = payload_for("do_not_share", f"C-{n}")
            decision = append_as(ledger, "decision", decider, payload)
            for who, verdict in COSIGNINGS[cosigning]:
                signer = others[who]
                body = cosign_payload(decision.seq, decision.hash, verdict, "A comment.")
                append_as(ledger, "cosign", signer, body)
            if corrected:
                record = load_decision(ledger, decision.seq)
                append_correction(ledger, record, people[PRIYA], "the date", "26 Nov", "typo")
            if superseded:
                again = {**payload_for("do_not_share", f"C-{n}"), "revisits": decision.seq}
                append_as(ledger, "decision", decider, again)
            made[decision.seq] = (cosigning, superseded, corrected, erased)
            if erased:
                to_erase.append(decision.seq)
        # one co-signed erasure of them all, as `infoshare erase` writes it
        erase_decisions(ledger, people[ALEX], people[PRIYA], to_erase, "mistake", "A test.")
    return path, made


def expected(cosigning: str, superseded: bool, corrected: bool, erased: bool) -> Status:
    if erased:
        return Status(ERASED, corrected)
    return Status(SUPERSEDED if superseded else EXPECTED_STATE[cosigning], corrected)


def test_the_domain_rule_over_every_combination():
    for cosigning, superseded, corrected, erased in COMBINATIONS:
        who = {"self": "sam", "other": "priya", "third": "alex"}
        cosigns = [(who[w], {"verdict": v}) for w, v in COSIGNINGS[cosigning]]
        standing = standing_cosignature("sam", cosigns)
        verdict = standing[1] if standing else None
        status = decision_status(verdict, superseded, corrected, erased)
        assert status == expected(cosigning, superseded, corrected, erased), cosigning


def test_a_correction_never_changes_the_state():
    assert decision_status(None, False, True).state == AWAITING
    assert decision_status(None, False, True).awaiting
    assert decision_status("agree", False, True).label() == "agreed, corrected"
    assert decision_status("disagree", True, True).state == SUPERSEDED


def test_records_sql_view_and_flat_rows_agree(every_combination):
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.queries import flat_status, iter_flat_decisions

    path, made = every_combination
    with Ledger.open(path) as ledger:
        # the record (show, cosign) and the review dict (log, case, exports)
        for review in iter_decisions(ledger):
            if review["id"] not in made:
                continue  # a decision taken again
            want = expected(*made[review["id"]])
            assert load_decision(ledger, review["id"]).status == want
            assert (review["status"], review["corrected"]) == (want.state, want.corrected)
        # the view in the log's own schema, for anyone reading the file with SQLite
        view = dict(ledger.conn.execute("SELECT decision_id, status FROM decisions"))
        for seq, combination in made.items():
            assert view[seq] == expected(*combination).state
        # the flat rows the CSV export is written from
        import json

        for row in iter_flat_decisions(ledger):
            if row[0] not in made:
                continue
            cosigns = [(c[2], json.loads(c[3])) for c in json.loads(row[6] or "[]")]
            corrected = bool(json.loads(row[7] or "[]"))
            superseded = bool(json.loads(row[8] or "[]"))
            if made[row[0]][3]:
                continue  # erased: exports leave it out (test_the_csv_status_column_is_the_state)
            status, _ = flat_status(row[2], cosigns, corrected, superseded)
            assert status == expected(*made[row[0]])


@pytest.mark.parametrize(
    "word", ["awaiting", "agreed", "not-agreed", "superseded", "erased", "corrected"]
)
def test_every_filter_finds_exactly_the_domain_matches(every_combination, word):
    from infoshare_cli.ledger.store import Ledger

    path, made = every_combination
    wanted = parse_status(word)
    with Ledger.open(path) as ledger:
        found = {r["id"] for r in iter_decisions(ledger, Filters(status=wanted))} & set(made)
    if word == "corrected":
        should = {seq for seq, c in made.items() if c[2]}
    else:
        should = {seq for seq, c in made.items() if expected(*c).state == wanted}
    assert found == should and should


def test_pending_and_overdue_list_a_corrected_decision_nobody_has_cosigned(every_combination):
    """The issue's example: corrected but never co-signed is awaiting everywhere."""
    from datetime import UTC, datetime, timedelta

    from infoshare_cli.ledger.store import Ledger

    path, made = every_combination
    awaiting = {seq for seq, c in made.items() if expected(*c).awaiting}
    corrected_awaiting = {seq for seq in awaiting if made[seq][2]}
    assert corrected_awaiting
    with Ledger.open(path) as ledger:
        assert {r.id for r in pending_decisions(ledger)} & set(made) == awaiting
        later = datetime.now(UTC) + timedelta(days=3)
        overdue = {d["id"] for d in overdue_decisions(ledger, now=later)} & set(made)
        assert overdue == awaiting


def test_the_csv_status_column_is_the_state(every_combination, cli):
    path, made = every_combination
    out = path.parent / "out.csv"
    result = cli(
        "export",
        "--format",
        "csv",
        "--ids",
        "--out",
        out,
        "--by",
        PRIYA,
        # The log holds self-co-signatures, which verify rejects: export only when asked.
        "--allow-unverified",
        input="priya passphrase two\n",
        db=path,
    )
    assert result.exit_code == 0, result.output
    warning, text = out.read_text(encoding="utf-8-sig").split("\n", 1)
    assert warning.startswith('"WARNING: This export was taken from a log that FAILS')
    rows = list(csv.DictReader(io.StringIO(text)))
    conn = sqlite3.connect(path)
    seq_of = dict(conn.execute("SELECT number, seq FROM decision_numbers"))
    conn.close()
    by_id = {seq_of[int(r["number"])]: r for r in rows}  # the CSV names decisions by number
    for seq, combination in made.items():
        if expected(*combination).state == ERASED:
            assert seq not in by_id  # an export leaves erased decisions out
        else:
            assert by_id[seq]["status"] == expected(*combination).state


def test_the_list_of_decisions_awaiting_is_the_rule(every_combination):
    """The derived list (schema 0007), kept by a trigger as each entry was written, holds
    exactly the decisions the domain says await co-signature; `verify` agrees."""
    from infoshare_cli.integrity.verify import verify_path
    from infoshare_cli.ledger.store import Ledger

    path, made = every_combination
    with Ledger.open(path) as ledger:
        listed = {d for (d,) in ledger.conn.execute("SELECT decision FROM decisions_awaiting")}
    awaiting = {seq for seq, c in made.items() if expected(*c).awaiting}
    assert listed & set(made) == awaiting and awaiting
    assert verify_path(path).derived == []


def test_stats_counts_every_decision_by_the_state_every_reader_shows(every_combination):
    """`stats` counts states in one pass over its indexes (reading/statistics.py): the
    counts must be those of the states `log` shows, decision by decision."""
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.records import local_time
    from infoshare_cli.reading.statistics import month_counts

    path, _made = every_combination
    with Ledger.open(path) as ledger:
        shown: dict[tuple, int] = {}
        for review in iter_decisions(ledger):
            key = (
                local_time(review["recorded_at"])[:7],
                review["outcome"],
                review["status"],
                review["corrected"],
            )
            shown[key] = shown.get(key, 0) + 1
        counted = {tuple(row[:4]): row[4] for row in month_counts(ledger)}
    assert counted == shown
    assert {key[2] for key in counted} == {AWAITING, AGREED, NOT_AGREED, SUPERSEDED, ERASED}


# Decisions near local month ends, in Europe/London (UTC+1 in summer): (UTC time, local month).
MONTH_ENDS = [
    ("2030-03-31T00:30:00.000000Z", "2030-03"),  # summer time starts at 01:00 UTC that day
    ("2030-03-31T23:30:00.000000Z", "2030-04"),  # 00:30 BST on 1 April
    ("2030-06-30T22:59:59.999999Z", "2030-06"),  # 23:59 BST
    ("2030-06-30T23:00:00.000000Z", "2030-07"),  # midnight BST
    ("2030-10-31T23:30:00.000000Z", "2030-10"),  # GMT again: still 31 October
    ("2030-12-31T23:59:00.000000Z", "2030-12"),
]


def test_stats_counts_each_decision_in_its_local_month(tmp_path):
    """`stats` works out months in SQL (strftime 'localtime'); every other reader in Python.
    Across summer-time month ends both must put each decision in the same local month,
    and --since/--until (local days) must take the same decisions."""
    import os
    import time
    from datetime import date

    from infoshare_cli.ledger import store
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.records import local_time
    from infoshare_cli.reading.statistics import month_counts

    path = tmp_path / "log.sqlite3"
    build_staffed_log(path)
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/London"
    time.tzset()
    try:
        with Ledger.open(path) as ledger:
            people = signers(ledger)
            made = []
            for n, (at, _month) in enumerate(MONTH_ENDS):
                store._now, real_now = (lambda at=at: at), store._now
                try:
                    decision = append_as(
                        ledger, "decision", people[SAM], payload_for("share", f"C-{n}")
                    )
                    if n % 2:  # some agreed, some awaiting
                        body = cosign_payload(decision.seq, decision.hash, "agree", "Fine.")
                        append_as(ledger, "cosign", people[PRIYA], body)
                finally:
                    store._now = real_now
                made.append(decision.seq)
            shown: dict[tuple, int] = {}
            for review in iter_decisions(ledger):
                if review["id"] in made:
                    key = (local_time(review["recorded_at"])[:7], review["status"])
                    shown[key] = shown.get(key, 0) + 1
            counted = {
                (row[0], row[2]): row[4]
                for row in month_counts(ledger)
                if row[0].startswith("2030")
            }
            summer = Filters(since=date(2030, 4, 1), until=date(2030, 6, 30))
            in_summer = {row[0]: row[4] for row in month_counts(ledger, summer)}
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()
    assert counted == shown
    months: dict[str, int] = {}
    for _at, month in MONTH_ENDS:
        months[month] = months.get(month, 0) + 1
    assert {m: sum(n for (mm, _), n in counted.items() if mm == m) for m, _ in counted} == months
    assert in_summer == {"2030-04": 1, "2030-06": 1}  # not 31 March at 23:30 UTC's April


@pytest.mark.parametrize(
    "cosigns, words",
    [
        ([], None),
        ([("decider", {"verdict": "agree"})], None),  # their own co-signature never counts
        ([("priya", {"verdict": "agree"}), ("decider", {"verdict": "disagree"})], "agreed"),
        ([("priya", {"verdict": "agree"}), ("alex", {"verdict": "disagree"})], "did not agree"),
        ([("priya", {"verdict": "maybe"})], None),
    ],
)
def test_what_the_standing_co_signer_said(cosigns, words):
    from infoshare_cli.domain.status import standing_verdict

    assert standing_verdict("decider", cosigns) == words
