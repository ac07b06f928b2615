"""Which decisions have been erased, by whom, when and why (read from the ``erase`` entries).

An erasure counts only when its co-signature follows it (``domain/erasure.py``); verify
checks the signatures, this reads what the entries say, for the readers and ``retention``.
"""

from __future__ import annotations

from collections.abc import Iterable

from infoshare_cli.domain.erasure import CONFIRM, ERASE, Erased, erased_records
from infoshare_cli.ledger.entries import readable_payload
from infoshare_cli.ledger.status_sql import ERASED_SQL
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register


def is_erased(ledger: Ledger, decision_id: int) -> bool:
    """One decision's erasure, by the same SQL the status filter uses (not every erasure)."""
    row = ledger.conn.execute(
        f"SELECT {ERASED_SQL} FROM entries e WHERE e.seq = ?", (decision_id,)
    ).fetchone()
    return bool(row and row[0])


def erased_decisions(ledger: Ledger) -> dict[int, Erased]:
    """Decision id -> its co-signed erasure (the first, if it was somehow erased twice)."""
    names = {sid: m.name for sid, m in load_register(ledger).items()}
    found: dict[int, Erased] = {}
    pending: tuple[int, str, dict] | None = None
    rows = ledger.conn.execute(
        "SELECT seq, recorded_at, actor, payload FROM entries WHERE kind = 'erase' ORDER BY seq"
    )
    for seq, recorded_at, actor, text in rows:
        payload, odd = readable_payload("erase", text, None)
        if odd is not None:  # not in the shape infoshare writes: it erases nothing
            pending = None
            continue
        if payload.get("action") == ERASE:
            pending = (seq, actor, payload)
        elif payload.get("action") == CONFIRM and pending and payload.get("erase") == pending[0]:
            erase_seq, by, request = pending
            for decision, record in erased_records(request):
                found.setdefault(
                    decision,
                    Erased(
                        decision,
                        record,
                        erase_seq,
                        recorded_at,
                        names.get(by, by),
                        names.get(actor, actor),
                        str(request.get("reason")),
                        str(request.get("why", "")),
                    ),
                )
            pending = None
    return found


def erased_entries(ledger: Ledger, seqs: Iterable[int]) -> dict[int, Erased]:
    """Of the entries ``seqs``, those whose record was erased (a decision, its co-signatures
    and corrections share one record): seq -> the erasure."""
    wanted = sorted(set(seqs))
    if not wanted:
        return {}
    by_record = {e.record: e for e in erased_decisions(ledger).values()}
    if not by_record:
        return {}
    found: dict[int, Erased] = {}
    for seq in wanted:
        row = ledger.conn.execute(
            "SELECT json_extract(payload, '$.record') FROM entries WHERE seq = ? "
            "AND json_valid(payload)",
            (seq,),
        ).fetchone()
        if row is not None and row[0] in by_record:
            found[seq] = by_record[row[0]]
    return found
