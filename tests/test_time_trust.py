"""Time cannot run backwards: a backdated entry in a real log, and a clock that is behind.

An insider who knows their own passphrase can sign an entry with any time they like by
writing the row themselves; verify names it when it lies before the entries around it.
And nobody can sign while their computer's clock is behind the newest entry.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from support.ledger_attacks import (
    DECIDED_ENTRIES,
    build_decided_log,
    copy_log,
    raw,
    run_cli,
    signer_for,
)
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, answers_file_data

from infoshare_cli.domain.timeline import CLOCK_TOLERANCE, behind_by, describe_gap, parse_time
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.crypto import canonical_json
from infoshare_cli.ledger.entries import compute_hash
from infoshare_cli.ledger.store import Ledger


@pytest.fixture(scope="module")
def _decided_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("decided") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


@pytest.fixture
def log(_decided_template, tmp_path):
    return copy_log(_decided_template, tmp_path / "log.sqlite3")


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write_at(log, name: str, kind: str, payload: dict, at: datetime) -> int:
    """A real, correctly signed entry by ``name``, with a time they chose, written raw."""
    signer = signer_for(log, name)
    with Ledger.open(log) as ledger:
        head = ledger.head()
    seq, text = head.seq + 1, canonical_json({**payload, "id": "f" * 32}).decode()
    recorded_at = stamp(at)
    digest = compute_hash(seq, kind, recorded_at, signer.staff_id, text, head.hash)
    conn = raw(log)
    conn.execute(
        "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (seq, kind, recorded_at, signer.staff_id, text, head.hash, digest,
         signer.sign(bytes.fromhex(digest))),
    )  # fmt: skip
    conn.close()
    return seq


def decision_body() -> dict:
    from support.review_log import payload_for

    return payload_for("do_not_share", "C-1042")


def test_a_decision_backdated_by_months_is_named(log):
    seq = write_at(log, SAM, "decision", decision_body(), datetime.now(UTC) - timedelta(days=90))
    report = verify_path(log)
    assert not report.ok
    assert (report.first_bad.seq, report.first_bad.code) == (seq, "time")
    assert "before that of entry #12" in report.first_bad.message
    assert "backdated" in report.first_bad.message
    result = run_cli(log, "verify")
    assert result.exit_code == 1 and "time runs backwards" in " ".join(result.stdout.split())


def test_a_small_clock_difference_is_tolerated(log):
    write_at(log, SAM, "decision", decision_body(), datetime.now(UTC) - timedelta(minutes=1))
    assert verify_path(log).ok


def test_signing_refuses_while_the_clock_is_behind_the_newest_entry(log, tmp_path):
    # Another computer, its clock a day ahead, wrote the newest entry.
    write_at(log, ALEX, "decision", decision_body(), datetime.now(UTC) + timedelta(days=1))
    assert verify_path(log).ok
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(answers_file_data("share", by=SAM)))
    result = run_cli(
        log, "decide", "--answers", answers, "--cosigner", PRIYA,
        input=f"{PASSPHRASES[SAM]}\n{PASSPHRASES[PRIYA]}\n",
    )  # fmt: skip
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "This computer's clock is 23 hours behind the newest entry in the log" in text
    assert "nothing was signed or written" in text
    assert "Passphrase" not in result.output  # refused before anyone typed one
    cosign = run_cli(log, "cosign", "9", "--by", PRIYA, input=PASSPHRASES[PRIYA] + "\n")
    assert cosign.exit_code == 1 and "clock" in cosign.output
    with Ledger.open(log) as ledger:
        assert ledger.count() == DECIDED_ENTRIES + 1


def test_the_rule_itself():
    now = datetime.now(UTC)
    assert behind_by(stamp(now), stamp(now - CLOCK_TOLERANCE / 2)) is None
    assert behind_by(stamp(now), stamp(now + timedelta(days=1))) is None
    gap = behind_by(stamp(now), stamp(now - timedelta(hours=2)))
    assert gap is not None and gap >= timedelta(hours=2)
    assert behind_by("not a time", stamp(now)) is None


@pytest.mark.parametrize(
    "gap, words",
    [
        (timedelta(days=1), "1 day"),
        (timedelta(days=3, hours=5), "3 days"),
        (timedelta(hours=23, minutes=59, seconds=59), "23 hours"),
        (timedelta(minutes=17), "17 minutes"),
        (timedelta(seconds=5), "5 seconds"),
    ],
)
def test_a_gap_is_named_in_its_largest_whole_unit(gap, words):
    assert describe_gap(gap) == words


def test_a_time_is_read_only_as_the_tool_writes_it_or_with_an_offset():
    assert parse_time("2026-11-30T05:00:00.000000Z") == datetime(2026, 11, 30, 5, tzinfo=UTC)
    assert parse_time("2026-11-30T06:00:00+01:00") == datetime(2026, 11, 30, 5, tzinfo=UTC)
    for odd in ("2026-11-30T05:00:00.000000z", "2026-11-30T05:00:00", "soon", None):
        assert parse_time(odd) is None
