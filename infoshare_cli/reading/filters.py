"""Finding decisions: filters as people type them, pushed into SQL, results streamed.

Every query here runs in SQLite with the log's indexes (the kind index for newest-first
paging, the case-reference index, the reference indexes for co-signatures, corrections and
revisits, and the ``decision_text`` full-text table for ``--search``) and yields one
decision at a time, so memory stays flat however long the log is. No terminal code.

A decision comes out as a *review dict* with stable keys, shared by ``infoshare log
--json``, ``case --json`` and the JSON/JSONL exports (see README and
docs/export-format.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from infoshare_cli.domain.case_refs import normalise_case_ref
from infoshare_cli.domain.questions import OUTCOMES
from infoshare_cli.domain.status import AWAITING, CORRECTED, NOT_AGREED, STATES
from infoshare_cli.errors import InfoshareError

REVIEW_KEYS = (
    "id",
    "recorded_at",
    "case_ref",
    "outcome",
    "status",
    "corrected",
    "decided_by",
    "cosigned_by",
    "question_set",
    "answers",
    "basis",
    "urgent",
    "revisits",
    "revisited_by",
    "outcome_record",
    "cosignatures",
    "corrections",
)
ENTRY_KEYS = ("seq", "kind", "recorded_at", "actor", "payload", "prev_hash", "hash", "signature")
OVERDUE_AFTER = timedelta(days=2)


# --- filters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What to look for. Build it with :func:`make_filters`, which checks what was typed."""

    case: str | None = None
    outcome: str | None = None
    status: str | None = None
    since: date | None = None
    until: date | None = None
    by: str | None = None
    search: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The filters as recorded in an export (dates as YYYY-MM-DD)."""
        return {
            "case": self.case,
            "outcome": self.outcome,
            "status": self.status,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "by": self.by,
            "search": self.search,
        }

    def describe(self) -> str:
        """In words, for headings: 'case C-1042, since 2026-11-01'."""
        words = {"case": "case", "outcome": "outcome", "status": "status", "by": "decided by"}
        parts = [f"{words.get(k, k)} {v}" for k, v in self.as_dict().items() if v is not None]
        return ", ".join(p.replace("search ", "containing ") for p in parts)


def parse_day(text: str, option: str = "--since", today: date | None = None) -> date:
    """A date as people type it: 2026-11-01, 01/11/2026 (day first), today, 7 days ago."""
    from infoshare_cli.domain.dates import day_help, read_day

    day = read_day(text, today)
    if day is not None:
        return day
    raise InfoshareError(
        f"{option}: '{str(text)[:40]}' is not a date infoshare understands. {day_help(today)}"
    )


_STATUS_WORDS = {s.replace(" ", "-"): s for s in (*STATES, CORRECTED)} | {
    "awaiting": AWAITING,
    "pending": AWAITING,
    "waiting": AWAITING,
    "disagreed": NOT_AGREED,
}


def parse_status(text: str) -> str:
    key = "-".join(str(text).lower().replace("_", " ").split())
    if key in _STATUS_WORDS:
        return _STATUS_WORDS[key]
    raise InfoshareError(
        f"--status: '{str(text)[:40]}' is not a status. Use one of: "
        "awaiting, agreed, not-agreed, superseded, erased, corrected."
    )


def parse_outcome(text: str) -> str:
    key = "_".join(str(text).lower().replace("-", " ").split())
    if key in OUTCOMES:
        return key
    raise InfoshareError(
        f"--outcome: '{str(text)[:40]}' is not an outcome. Use one of: "
        + ", ".join(o.replace("_", "-") for o in OUTCOMES)
        + "."
    )


def make_filters(
    *,
    case: str | None = None,
    outcome: str | None = None,
    status: str | None = None,
    since: str | None = None,
    until: str | None = None,
    by: str | None = None,
    search: str | None = None,
) -> Filters:
    """Check and tidy filters typed on the command line; a clear error for each mistake."""
    since_day = parse_day(since, "--since") if since is not None else None
    until_day = parse_day(until, "--until") if until is not None else None
    if since_day and until_day and until_day < since_day:
        raise InfoshareError(
            f"--until ({until_day}) is before --since ({since_day}): nothing could match."
        )
    search_text = " ".join(search.split()) if search is not None else None
    if search is not None and not _search_terms(search_text or ""):
        raise InfoshareError("--search needs at least one word to look for.")
    case_ref = normalise_case_ref(case) if case is not None else None
    if case is not None and not case_ref:
        raise InfoshareError("--case needs a case reference, for example C-1042.")
    return Filters(
        case=case_ref,
        outcome=parse_outcome(outcome) if outcome is not None else None,
        status=parse_status(status) if status is not None else None,
        since=since_day,
        until=until_day,
        by=" ".join(by.split()) if by is not None else None,
        search=search_text,
    )


def _utc_bound(day: date) -> str:
    """The first moment of a local day, as the log's UTC text (which sorts as time)."""
    local = datetime.combine(day, time.min).astimezone()
    return local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _search_terms(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def search_query(text: str) -> str:
    """People's words as the search compares them (``ledger.sealing.matches``): every word
    must appear in one entry, as the start of a word; accents and case do not matter."""
    return " ".join(_search_terms(text))
