"""The figures `infoshare stats` shows: decisions per month by outcome and by status, and
co-signatures that have waited too long. No terminal code: the command renders these."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from infoshare_cli.domain.status import CORRECTED, decision_state
from infoshare_cli.ledger.status_sql import ERASED_SQL, SUPERSEDED_SQL, VALID_COSIGN_FROM_INDEX
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.filters import Filters, _utc_bound
from infoshare_cli.reading.queries import overdue_decisions
from infoshare_cli.reading.trust import KeyRing


def _bucket(month: str | None = None) -> dict[str, Any]:
    bucket: dict[str, Any] = {"total": 0, "by_outcome": {}, "by_status": {}}
    return bucket if month is None else {"month": month, **bucket}


def _add(bucket: dict[str, Any], outcome: str, state: str, corrected: bool, n: int) -> None:
    bucket["total"] += n
    bucket["by_outcome"][outcome] = bucket["by_outcome"].get(outcome, 0) + n
    bucket["by_status"][state] = bucket["by_status"].get(state, 0) + n
    if corrected:  # a flag beside the state (domain.status), counted on its own
        bucket["by_status"][CORRECTED] = bucket["by_status"].get(CORRECTED, 0) + n


def decision_stats(ledger: Ledger, filters: Filters, keyring: KeyRing) -> dict[str, Any]:
    """``{"months": [...], "totals": {...}, "overdue": [...]}``; every overdue decision is
    checked with ``keyring`` as ``verify`` would check it."""
    months: dict[str, dict[str, Any]] = {}
    totals = _bucket()
    for month, outcome, state, corrected, n in month_counts(ledger, filters):
        _add(months.setdefault(month, _bucket(month)), outcome, state, corrected, n)
        _add(totals, outcome, state, corrected, n)
    overdue = overdue_decisions(ledger, keyring=keyring)
    return {"months": list(months.values()), "totals": totals, "overdue": overdue}


def any_decisions(ledger: Ledger) -> bool:
    return (
        ledger.conn.execute("SELECT 1 FROM entries WHERE kind = 'decision'").fetchone() is not None
    )


# --- counting every decision's state in one pass ------------------------------------------
#
# A decision's state needs its co-signatures, whether a later decision revisits it, and
# whether it was erased. Asking SQLite for each decision's through the `decisions` view
# parses every decision's whole payload (a sealed decision is ~3 KB of JSON). Here SQLite
# reads every decision from an index that holds what is counted (schema 0009: a decision's
# outcome, maker and time), and for each asks the facts its state follows from, in the SQL
# of the rule (ledger.status_sql): the verdict of the co-signature that stands, read from
# the co-signature index (its decision, signer and verdict; no co-signature's row is read),
# and whether a later decision revisits it; whether it was erased or corrected is looked up
# in lists worked out once (erasures and corrections are few). SQLite groups the decisions
# by those facts, and the state of each group is the domain's own rule (domain.status); a
# test holds these counts to the state every other reader shows, over every combination.
# No Python runs per decision, and memory stays flat.

# Erasures are few: the decisions they name, each checked by the one SQL of the rule.
_ERASED_SQL = f"""
    SELECT e.seq FROM entries e WHERE e.kind = 'decision' AND e.seq IN (
        SELECT json_extract(r.value, '$.decision') FROM entries x,
               json_each(x.payload, '$.records') AS r WHERE x.kind = 'erase')
    AND {ERASED_SQL}
"""
# A reference matches a decision as SQL compares `json_extract(...) = +e.seq`: numbers only.
_CORRECTED_SQL = """
    SELECT json_extract(payload, '$.decision') AS ref FROM entries
    INDEXED BY entries_decision_ref
    WHERE kind = 'correction' AND typeof(ref) IN ('integer', 'real')
"""
_VERDICT_SQL = VALID_COSIGN_FROM_INDEX.format(what="json_extract(c.payload, '$.verdict')")
_FACTS_SQL = f"""
    SELECT strftime('%Y-%m', substr(e.recorded_at, 1, 19), 'localtime'),
           json_extract(e.payload, '$.outcome'),
           ({_VERDICT_SQL}), {SUPERSEDED_SQL},
           e.seq IN ({_ERASED_SQL}), e.seq IN ({_CORRECTED_SQL})
    FROM entries e INDEXED BY entries_decision_facts
    WHERE e.kind = 'decision' {{where}}
    LIMIT -1
"""
# (LIMIT -1 keeps SQLite from merging the two queries, which would work out each
# decision's verdict twice: once to group by it and once to show it.)
# The month is taken from the time to the second, as every other reader shows it: SQLite's
# 'localtime' rounds to the millisecond, so 22:59:59.9996Z on 30 June (23:59 in London)
# became July.
_COUNTS_SQL = f"SELECT *, count(*) FROM ({_FACTS_SQL}) GROUP BY 1, 2, 3, 4, 5, 6"


def month_counts(ledger: Ledger, filters: Filters | None = None) -> Iterator[tuple]:
    """(month 'YYYY-MM' in local time, outcome, state, corrected, count), oldest month
    first, for the decisions taken within the filters' dates."""
    filters = filters or Filters()
    where, params = "", []
    if filters.since is not None:
        where += " AND e.recorded_at >= ?"
        params.append(_utc_bound(filters.since))
    if filters.until is not None:  # the whole of that day
        where += " AND e.recorded_at < ?"
        params.append(_utc_bound(filters.until + timedelta(days=1)))
    tally: dict[tuple, int] = {}
    rows = ledger.conn.execute(_COUNTS_SQL.format(where=where), params)
    for month, outcome, verdict, superseded, erased, corrected, n in rows:
        state = decision_state(verdict, bool(superseded), bool(erased))
        key = (month, outcome, state, bool(corrected))
        tally[key] = tally.get(key, 0) + n
    for key in sorted(tally, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        yield (*key, tally[key])
