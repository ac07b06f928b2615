"""Decisions that carry their own record key, for the erasure and retention tests."""

from __future__ import annotations

from infoshare_cli.actions.staff import open_keys
from infoshare_cli.ledger import keystore
from infoshare_cli.ledger.sealing import seal_payload
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from support.review_log import payload_for


def decide_with_record(
    ledger: Ledger,
    who: Signer,
    case_ref: str = "C-1042",
    outcome: str = "do_not_share",
    revisits: int | None = None,
) -> tuple[int, str]:
    """A decision and its record key, written together; returns (decision id, record)."""
    keys = open_keys(ledger, who)
    payload = payload_for(outcome, case_ref)
    if revisits is not None:
        payload["revisits"] = revisits
    with ledger.batch():
        record, key = keystore.new_record(ledger.conn, keys)
        body = seal_payload("decision", payload, record, key)
        entry = ledger.append("decision", who.staff_id, body, who.sign)
    return entry.seq, record


def wrapped_key(ledger: Ledger, record: str) -> bytes:
    """The stored (wrapped) bytes of a record's key: what must not survive an erasure."""
    nonce, wrapped = ledger.conn.execute(
        "SELECT nonce, wrapped FROM record_keys WHERE record = ?", (record,)
    ).fetchone()
    return wrapped
