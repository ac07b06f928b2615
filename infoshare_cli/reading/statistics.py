"""The figures `infoshare stats` shows: decisions per month by outcome and by status, and
co-signatures that have waited too long. No terminal code: the command renders these."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from itertools import chain
from typing import Any

from infoshare_cli.domain.status import CORRECTED, counts, decision_state
from infoshare_cli.ledger.status_sql import ERASED_SQL
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
# parses every decision's whole payload (a sealed decision is ~3 KB of JSON) and looks its
# co-signatures up one by one. Here one query reads each decision with its co-signatures
# from two indexes that hold what is needed (schema 0009: a decision's outcome, maker and
# time; a co-signature's decision, signer and verdict), a decision's rows together; the
# revisits, corrections and erasures are few, and read first. The state is then the
# domain's own rule (domain.status); a test holds these counts to the state every other
# reader shows, over every combination. Memory stays flat.

_DECISIONS_SQL = """
    SELECT d.seq, d.actor, strftime('%Y-%m', d.recorded_at, 'localtime'),
           json_extract(d.payload, '$.outcome'),
           c.seq, c.actor, json_extract(c.payload, '$.verdict')
    FROM entries d INDEXED BY entries_decision_facts
    LEFT JOIN entries c INDEXED BY entries_cosign_facts
         ON c.kind = 'cosign' AND json_extract(c.payload, '$.decision') = +d.seq
    WHERE d.kind = 'decision' {where}
"""
# A reference matches a decision as SQL compares `json_extract(...) = +e.seq`: numbers only.
_REVISITS_SQL = """
    SELECT json_extract(payload, '$.revisits') AS ref, max(seq) FROM entries
    INDEXED BY entries_revisits
    WHERE kind = 'decision' AND json_extract(payload, '$.revisits') IS NOT NULL
      AND typeof(ref) IN ('integer', 'real') GROUP BY ref
"""
_CORRECTIONS_SQL = """
    SELECT DISTINCT json_extract(payload, '$.decision') AS ref FROM entries
    INDEXED BY entries_decision_ref
    WHERE kind = 'correction' AND typeof(ref) IN ('integer', 'real')
"""
# Erasures are few: the decisions they name, each checked by the one SQL of the rule.
_ERASED_SQL = f"""
    SELECT e.seq FROM entries e WHERE e.kind = 'decision' AND e.seq IN (
        SELECT json_extract(r.value, '$.decision') FROM entries x,
               json_each(x.payload, '$.records') AS r WHERE x.kind = 'erase')
    AND {ERASED_SQL}
"""


_END = (None,) * 7  # after the last row


def month_counts(ledger: Ledger, filters: Filters | None = None) -> Iterator[tuple]:
    """(month 'YYYY-MM' in local time, outcome, state, corrected, count), oldest month
    first, for the decisions taken within the filters' dates."""
    filters = filters or Filters()
    conn = ledger.conn
    where, params = "", []
    if filters.since is not None:
        where += " AND d.recorded_at >= ?"
        params.append(_utc_bound(filters.since))
    if filters.until is not None:  # the whole of that day
        where += " AND d.recorded_at < ?"
        params.append(_utc_bound(filters.until + timedelta(days=1)))
    erased = {seq for (seq,) in conn.execute(_ERASED_SQL)}
    revisited = dict(conn.execute(_REVISITS_SQL).fetchall())  # decision -> newest revisit
    corrected = {ref for (ref,) in conn.execute(_CORRECTIONS_SQL)}
    tally: dict[tuple, int] = {}
    current = None  # (seq, month, outcome) of the decision whose rows are being read
    verdict, newest = None, 0
    rows = conn.execute(_DECISIONS_SQL.format(where=where), params)
    for seq, actor, month, outcome, c_seq, c_actor, c_verdict in chain(rows, [_END]):
        if current is not None and current[0] != seq:  # its rows are all read: count it
            done = current[0]
            state = decision_state(verdict, revisited.get(done, 0) > done, done in erased)
            key = (current[1], current[2], state, done in corrected)
            tally[key] = tally.get(key, 0) + 1
        if seq is None:
            break
        if current is None or current[0] != seq:
            current, verdict, newest = (seq, month, outcome), None, 0
        # the newest co-signature that counts is the one that stands
        if c_seq is not None and c_seq > newest and counts(actor, c_actor, c_verdict):
            verdict, newest = c_verdict, c_seq
    for key in sorted(tally, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        yield (*key, tally[key])
