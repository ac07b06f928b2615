"""The log's head as a reader may state it: checked as a reader checks what it shows.

``anchor`` and printed records state the head without reading every entry, so that they
take the same time on any size of log: the newest entry must pass the checks a reader
makes (its hash, its link to the entry before, the signing rules and its signature) and
the entries must be numbered 1 to its number. Taking an anchor is not proof the log is
intact (that is ``verify``'s job, and ``verify --anchor`` later checks every entry as well
as the anchor): an anchor only pins what the log holds.
"""

from __future__ import annotations

from datetime import date

from infoshare_cli.integrity.anchor_keys import keys_fingerprint, log_key_history
from infoshare_cli.integrity.anchors import anchor_for
from infoshare_cli.integrity.report import Anchor, Head
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.trust import KeyRing


def checked_head(ledger: Ledger) -> tuple[Head, int] | None:
    """The head and the number of entries, if the newest entry passes a reader's checks
    and the entries are numbered 1 to its number; else None. Call it inside one read
    transaction, so that the head, the count and the register agree."""
    head = ledger.head()
    if head is None or type(head.seq) is not int:
        return None
    count = ledger.count()
    before = ledger.get(head.seq - 1) if head.seq > 1 else None
    if count != head.seq or (before is not None and before.hash != head.prev_hash):
        return None
    decisions = {}
    if head.kind in ("cosign", "correction"):
        try:
            target = head.payload.get("decision")
        except (ValueError, TypeError, AttributeError):
            return None
        found = ledger.get(target) if type(target) is int else None
        if found is not None and found.kind == "decision":
            decisions[found.seq] = (found.hash, found.actor)
    if KeyRing(ledger, head.seq).problem(head, decisions) is not None:
        return None
    return Head(head.seq, head.hash, head.recorded_at), count


def head_anchor(ledger: Ledger, today: date | None = None) -> Anchor | None:
    """The log as it is now as an anchor line (with its staff keys' fingerprint), or None
    if its head does not pass a reader's checks."""
    conn = ledger.conn
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        found = checked_head(ledger)
        if found is None:
            return None
        head, count = found
        keys = keys_fingerprint(log_key_history(conn, head.seq), head.seq)
        return anchor_for(head, count, today, keys=keys)
    finally:
        if began and conn.in_transaction:
            conn.execute("ROLLBACK")
