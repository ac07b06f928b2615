"""How long a setting keeps its records, and which records are due for erasure.

The setting records its retention rule as a signed ``setting`` entry; the newest one is
in force. Until a manager records one, the rule is to **keep** every record: nothing is
ever erased because of the passing of time unless the setting has said so, and even then
only when two managers erase the due records together (``infoshare retention --erase``).

The rules:

- ``keep``: keep every record (the default).
- ``years``: a decision is due N whole years after the day it was taken.
- ``per-case``: a decision is due after the date recorded for its case
  (``infoshare retention --case C-12 --until 2031-08-31``). The date is recorded against
  the decisions the case holds when it is set: a decision taken later for the same case
  has no date until one is recorded again, and is kept.

Pure Python: dates and payloads in, due decisions out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from infoshare_cli.domain.words import counted
from infoshare_cli.errors import InfoshareError

KEEP, YEARS, PER_CASE = "keep", "years", "per-case"
RULES = (KEEP, YEARS, PER_CASE)
MAX_YEARS = 150  # a typo (2500 years) is refused rather than meaning "forever"
RETENTION = "retention"  # the setting entry's field holding the rule
RETAIN_UNTIL = "retain_until"  # the setting entry's field holding a per-case date


@dataclass(frozen=True)
class RetentionRule:
    """The setting's rule: ``keep``, ``years`` (with ``years``) or ``per-case``."""

    rule: str = KEEP
    years: int | None = None
    since_seq: int | None = None  # the setting entry that recorded it (None: the default)

    def describe(self) -> str:
        if self.rule == YEARS:
            return f"records are erased {counted(self.years, 'year')} after the decision was taken"
        if self.rule == PER_CASE:
            return "records are erased after the date recorded for their case"
        return "records are kept (no retention period has been recorded)"

    def as_payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"rule": self.rule}
        if self.rule == YEARS:
            body["years"] = self.years
        return {RETENTION: body}


def make_rule(
    years: int | None = None, per_case: bool = False, keep: bool = False
) -> RetentionRule:
    """The rule a manager asked for on the command line. Raises InfoshareError."""
    chosen = [
        name
        for name, on in (("--years", years is not None), ("--per-case", per_case), ("--keep", keep))
        if on
    ]
    if len(chosen) != 1:
        raise InfoshareError(
            "Give exactly one retention rule: --years N (erase N years after each decision), "
            "--per-case (erase after a date recorded for each case) or --keep (keep "
            "everything)."
        )
    if years is not None:
        if not 1 <= years <= MAX_YEARS:
            raise InfoshareError(
                f"--years: give a whole number of years from 1 to {MAX_YEARS} (not {years})."
            )
        return RetentionRule(YEARS, years)
    return RetentionRule(PER_CASE if per_case else KEEP)


def rule_from_payload(seq: int, payload: Mapping[str, Any]) -> RetentionRule | None:
    """The rule a ``setting`` entry records, or None if it records none (or not sensibly:
    an unreadable rule never makes anything due)."""
    body = payload.get(RETENTION)
    if not isinstance(body, Mapping):
        return None
    rule = body.get("rule")
    if rule == YEARS:
        years = body.get("years")
        if type(years) is not int or not 1 <= years <= MAX_YEARS:
            return RetentionRule(KEEP, since_seq=seq)
        return RetentionRule(YEARS, years, seq)
    if rule in (KEEP, PER_CASE):
        return RetentionRule(rule, since_seq=seq)
    return RetentionRule(KEEP, since_seq=seq)


def retain_until_payload(until: date, decisions: Iterable[int]) -> dict[str, Any]:
    """A per-case date, recorded against the decisions the case holds now (by id only: the
    case reference itself is personal and never written in the clear)."""
    ids = sorted(set(decisions))
    if not ids:
        raise InfoshareError("That case has no decisions to keep until a date.")
    return {RETAIN_UNTIL: {"date": until.isoformat(), "decisions": ids}}


def dates_from_payload(payload: Mapping[str, Any]) -> dict[int, date]:
    """Decision id -> the date a ``setting`` entry keeps it until (empty if none)."""
    body = payload.get(RETAIN_UNTIL)
    if not isinstance(body, Mapping):
        return {}
    try:
        until = date.fromisoformat(str(body.get("date")))
    except ValueError:
        return {}
    ids = body.get("decisions")
    if not isinstance(ids, list):
        return {}
    return {i: until for i in ids if type(i) is int}


def check_until(text: str, today: date) -> date:
    try:
        until = date.fromisoformat(text.strip())
    except ValueError:
        raise InfoshareError(
            f"--until: write the date as year-month-day, for example {today.isoformat()}."
        ) from None
    return until


def add_years(day: date, years: int) -> date:
    """``day`` moved on by whole years (29 February becomes 28 February when it must)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Due:
    """A decision past its retention: its id and the day it became due."""

    decision: int
    due_on: date


def due_decisions(
    rule: RetentionRule,
    decisions: Iterable[tuple[int, date]],
    dates: Mapping[int, date],
    erased: Iterable[int],
    today: date,
) -> list[Due]:
    """The decisions the rule makes due by ``today``, oldest first, leaving out those
    already erased. ``decisions`` is (id, day taken); ``dates`` the per-case dates.

    A decision is due only on the day *after* its date: kept "until" a date means kept on
    that date too.
    """
    gone = set(erased)
    found: list[Due] = []
    for decision, taken in decisions:
        if decision in gone:
            continue
        if rule.rule == YEARS and rule.years is not None:
            until = add_years(taken, rule.years)
        elif rule.rule == PER_CASE and decision in dates:
            until = dates[decision]
        else:
            continue
        if until < today:
            found.append(Due(decision, until))
    found.sort(key=lambda d: d.decision)
    return found
