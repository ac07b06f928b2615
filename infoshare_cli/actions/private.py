"""Writing personal content sealed: the record key for a new or existing record, and the
sealed payload a writer appends. The rule of what is personal is domain.privacy's."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from infoshare_cli.actions.staff import open_keys
from infoshare_cli.domain.privacy import RECORD
from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger import keys as keylib
from infoshare_cli.ledger import keystore
from infoshare_cli.ledger.case_index import index_decision
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.sealing import Opener, opened_with, reading, seal_payload
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger


@contextlib.contextmanager
def opened_for(ledger: Ledger, signer: Signer) -> Iterator[Opener]:
    """Inside the block, what the log holds opens for ``signer`` (already unlocked)."""
    keys = open_keys(ledger, signer) if keystore.has_keys(ledger.conn) else None
    with reading(ledger.conn, keys) as opener:
        yield opener


Record = tuple[str, bytes] | None  # (record id, record key); None in a log from before


def new_record(ledger: Ledger, signer: Signer) -> Record:
    """A new record and its key (wrapped under the current data key). Call under the lock.

    None in a log made by an earlier version (no data key): it stays plaintext, as it was,
    as it was."""
    if not keystore.has_keys(ledger.conn):
        return None
    return keystore.new_record(ledger.conn, open_keys(ledger, signer))


def _named(ledger: Ledger, decision: Entry) -> str:
    from infoshare_cli.ledger.numbering import number_of

    number = number_of(ledger.conn, decision.seq)
    return f"Decision {number}" if number is not None else f"The decision at entry #{decision.seq}"


def record_of(ledger: Ledger, signer: Signer, decision: Entry) -> Record:
    """The record a decision belongs to, and its key, for a co-signature or correction."""
    if not keystore.has_keys(ledger.conn):
        return None
    record = decision.payload.get(RECORD)
    if not isinstance(record, str):
        raise InfoshareError(
            f"{_named(ledger, decision)} was written by an earlier version of infoshare, "
            "without encryption, and cannot be added to in an encrypted log. Nothing was written."
        )
    keys = open_keys(ledger, signer)
    try:
        return record, keystore.record_key(ledger.conn, keys, record)
    except keystore.RecordKeyMissing:
        raise InfoshareError(
            f"The content of {_named(ledger, decision).lower()} has been erased, or its key is "
            "missing: nothing can be added to it. Run `infoshare verify`. Nothing was written."
        ) from None
    except keylib.KeyUnavailable:
        raise InfoshareError(
            f"The key of {_named(ledger, decision).lower()} does not open. Run `infoshare verify`. "
            "Nothing was written."
        ) from None


def append_sealed(
    ledger: Ledger, kind: str, signer: Signer, payload: dict, record: Record
) -> Entry:
    """Append ``payload`` sealed under ``record``'s key; the entry returned reads as written.
    (No record: a log from before encryption, written as it always was.)"""
    if record is None:
        return ledger.append(kind, signer.staff_id, payload, signer.sign)
    entry = ledger.append(kind, signer.staff_id, seal_payload(kind, payload, *record), signer.sign)
    if kind == "decision":  # its case, findable by `case` without opening every decision
        index_decision(
            ledger.conn, open_keys(ledger, signer), entry.seq, record[0], payload.get("case_ref")
        )
    return opened_with(entry, record[1])
