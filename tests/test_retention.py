"""Retention: the setting's rule as a signed entry (keep by default), the records it makes
due, and erasing them in one co-signed step, end to end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from support.erasing import decide_with_record
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, signer

from infoshare_cli.actions.retention import erase_due, record_case_date, record_rule
from infoshare_cli.domain.retention import (
    KEEP,
    RetentionRule,
    add_years,
    due_decisions,
    make_rule,
    rule_from_payload,
)
from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.reading.retention import retention_state

TWO = f"{PASSPHRASES[ALEX]}\n{PASSPHRASES[PRIYA]}\n"


# --- the rules ---------------------------------------------------------------------------------


def test_due_after_whole_years_never_on_the_last_day():
    rule = RetentionRule("years", 2)
    taken = [(1, date(2020, 2, 29)), (2, date(2021, 6, 1)), (3, date(2019, 1, 1))]
    assert add_years(date(2020, 2, 29), 2) == date(2022, 2, 28)
    assert [d.decision for d in due_decisions(rule, taken, {}, [], date(2022, 2, 28))] == [3]
    assert [d.decision for d in due_decisions(rule, taken, {}, [], date(2022, 3, 1))] == [1, 3]
    assert [d.decision for d in due_decisions(rule, taken, {}, [3], date(2030, 1, 1))] == [1, 2]


def test_per_case_dates_and_keep_make_nothing_due_by_themselves():
    taken = [(1, date(2020, 1, 1)), (2, date(2020, 1, 1))]
    dates = {1: date(2024, 1, 1)}
    per_case = RetentionRule("per-case")
    assert [d.decision for d in due_decisions(per_case, taken, dates, [], date(2024, 1, 2))] == [1]
    assert due_decisions(per_case, taken, dates, [], date(2024, 1, 1)) == []
    assert due_decisions(RetentionRule(KEEP), taken, dates, [], date(2999, 1, 1)) == []
    assert due_decisions(RetentionRule("years", 1), taken, dates, [1, 2], date(2999, 1, 1)) == []


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({}, "exactly one"),
        ({"years": 5, "keep": True}, "exactly one"),
        ({"years": 0}, "from 1 to 150"),
        ({"years": 2500}, "from 1 to 150"),
    ],
)
def test_a_rule_that_will_not_do_is_refused(kwargs, problem):
    with pytest.raises(InfoshareError, match=problem):
        make_rule(**kwargs)


@pytest.mark.parametrize(
    "body", [{"rule": "years", "years": "25"}, {"rule": "years", "years": -1}, {"rule": "soon"}]
)
def test_an_unreadable_rule_in_the_log_keeps_everything(body):
    rule = rule_from_payload(7, {"retention": body})
    assert rule is not None and rule.rule == KEEP and rule.since_seq == 7


# --- recording and erasing ---------------------------------------------------------------------


@pytest.fixture
def dated_log(staffed_log):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        ids = {
            case: [decide_with_record(ledger, sam, case_ref=case)[0] for _ in range(2)]
            for case in ("C-1", "C-2")
        }
    return staffed_log, ids


def test_years_rule_then_erase_due_in_one_step(dated_log):
    log, ids = dated_log
    later = date.today() + timedelta(days=366 * 3)
    with log.open() as ledger:
        alex, priya = signer(ledger, ALEX), signer(ledger, PRIYA)
        assert retention_state(ledger, later).due == []  # the default: keep
        entry = record_rule(ledger, alex, make_rule(years=2))
        state = retention_state(ledger, later)
        assert state.rule.since_seq == entry.seq and state.rule_by == ALEX
        assert [d.decision for d in state.due] == ids["C-1"] + ids["C-2"]
        assert retention_state(ledger, date.today()).due == []
        done = erase_due(ledger, alex, priya, later)
        assert done.decisions == ids["C-1"] + ids["C-2"]
        assert retention_state(ledger, later).due == []
        with pytest.raises(InfoshareError, match="No records are due"):
            erase_due(ledger, alex, priya, later)
    report = verify_path(log.path)
    assert report.ok, report.problems
    assert {e.reason for e in report.erased} == {"retention"}
    assert "2 years after the decision" in report.erased[0].why


def test_only_a_manager_records_retention_and_verify_holds_to_it(dated_log):
    log, _ = dated_log
    with log.open() as ledger:
        sam = signer(ledger, SAM)
        with pytest.raises(InfoshareError, match="Only a manager"):
            record_rule(ledger, sam, make_rule(years=1))
        ledger.append("setting", sam.staff_id, make_rule(years=1).as_payload(), sam.sign)
    report = verify_path(log.path)
    assert not report.ok
    assert "how long records are kept, but only a manager can" in report.first_bad.message


def test_a_case_date_covers_the_decisions_it_had(dated_log):
    log, ids = dated_log
    with log.open() as ledger:
        alex = signer(ledger, ALEX)
        record_rule(ledger, alex, make_rule(per_case=True))
        record_case_date(ledger, alex, "c-1", date(2030, 1, 1))  # case refs match any case
        later = decide_with_record(ledger, signer(ledger, SAM), case_ref="C-1")[0]
        state = retention_state(ledger, date(2030, 1, 2))
        assert [d.decision for d in state.due] == ids["C-1"]
        assert later not in state.dates
        with pytest.raises(InfoshareError, match="no decisions for that case"):
            record_case_date(ledger, alex, "C-404", date(2030, 1, 1))


# --- the command, end to end --------------------------------------------------------------------


def test_retention_end_to_end(cli, dated_log):
    log, ids = dated_log
    shown = cli("retention", db=log.path)
    assert shown.exit_code == 0 and "every record is kept" in shown.stdout
    result = cli(
        "retention", "--per-case", "--by", ALEX, input=PASSPHRASES[ALEX] + "\n", db=log.path
    )
    assert result.exit_code == 0, result.output
    assert "after the date recorded for their case" in result.stdout
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    result = cli(
        "retention",
        "--case",
        "C-1",
        "--until",
        yesterday,
        "--by",
        ALEX,
        input=PASSPHRASES[ALEX] + "\n",
        db=log.path,
    )
    assert result.exit_code == 0, result.output
    assert "the 2 decisions of that case are kept until" in result.stdout
    listed = cli("retention", db=log.path)
    assert listed.exit_code == 0
    assert "2 decisions due for erasure" in listed.stdout
    for number in (1, 2):  # C-1's two decisions, the first two taken
        assert f"Decision {number}  kept until {yesterday}" in listed.stdout
    assert "C-1" not in listed.stdout  # ids and dates only: nothing personal, no passphrase
    result = cli("retention", "--erase", "--by", ALEX, "--cosigner", PRIYA, input=TWO, db=log.path)
    assert result.exit_code == 0, result.output
    assert "Erased 2 decisions past the retention period" in result.stdout
    assert "Backups taken before now still hold" in result.stderr
    assert "No records are due" in cli("retention", db=log.path).stdout
    again = cli("retention", "--erase", "--by", ALEX, "--cosigner", PRIYA, input=TWO, db=log.path)
    assert again.exit_code == 1 and "Nothing was erased" in again.output
    checked = cli("verify", db=log.path)
    assert checked.exit_code == 0, checked.output
    assert "2 decisions erased on purpose" in checked.stdout
    with log.open() as ledger:
        kept = {r for (r,) in ledger.conn.execute("SELECT record FROM record_keys")}
        for decision in ids["C-2"]:
            assert ledger.get(decision).payload["record"] in kept


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--years", "5", "--keep"], "exactly one"),
        (["--years", "5", "--erase"], "one thing at a time"),
        (["--case", "C-1"], "go together"),
        (["--case", "C-1", "--until", "soon"], "year-month-day"),
        (["--years", "5", "--by", SAM], "Only a manager"),
    ],
)
def test_retention_refusals_write_nothing(cli, dated_log, args, problem):
    log, _ = dated_log
    before = log.count()
    result = cli("retention", *args, input="", db=log.path)
    assert result.exit_code == 1 and problem in result.output
    assert "Traceback" not in result.output
    assert log.count() == before


@pytest.mark.parametrize("name", ["keep", "per-case"])
def test_a_rule_in_the_log_is_dated_by_the_entry_that_recorded_it(name):
    rule = rule_from_payload(7, {"retention": {"rule": name}})
    assert rule == RetentionRule(name, None, 7)
