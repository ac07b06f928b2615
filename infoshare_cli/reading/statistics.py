"""The figures `infoshare stats` shows: decisions per month by outcome and by status, and
co-signatures that have waited too long. No terminal code: the command renders these."""

from __future__ import annotations

from typing import Any

from infoshare_cli.domain.status import CORRECTED
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.filters import Filters
from infoshare_cli.reading.queries import month_counts, overdue_decisions
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
