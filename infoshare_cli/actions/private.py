"""Writing personal content sealed: the record key for a new or existing record, and the
sealed payload a writer appends. The rule of what is personal is domain.privacy's."""

from __future__ import annotations

from infoshare_cli.actions.staff import open_keys
from infoshare_cli.domain.privacy import RECORD
from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger import keys as keylib
from infoshare_cli.ledger import keystore
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.sealing import opened_with, seal_payload
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger


def new_record(ledger: Ledger, signer: Signer) -> tuple[str, bytes]:
    """A new record and its key (wrapped under the current data key). Call under the lock."""
    return keystore.new_record(ledger.conn, open_keys(ledger, signer))


def record_of(ledger: Ledger, signer: Signer, decision: Entry) -> tuple[str, bytes]:
    """The record a decision belongs to, and its key, for a co-signature or correction."""
    record = decision.payload.get(RECORD)
    if not isinstance(record, str):
        raise InfoshareError(
            f"Decision #{decision.seq} was written by an earlier version of infoshare, "
            "without encryption. A manager should run `infoshare migrate`. Nothing was written."
        )
    keys = open_keys(ledger, signer)
    try:
        return record, keystore.record_key(ledger.conn, keys, record)
    except keystore.RecordKeyMissing:
        raise InfoshareError(
            f"The content of decision #{decision.seq} has been erased, or its key is "
            "missing: nothing can be added to it. Run `infoshare verify`. Nothing was written."
        ) from None
    except keylib.KeyUnavailable:
        raise InfoshareError(
            f"The key of decision #{decision.seq} does not open. Run `infoshare verify`. "
            "Nothing was written."
        ) from None


def sealed(kind: str, payload: dict, record: tuple[str, bytes]) -> dict:
    """``payload`` ready to append: its personal fields sealed under the record's key."""
    return seal_payload(kind, payload, *record)


def append_sealed(
    ledger: Ledger, kind: str, signer: Signer, payload: dict, record: tuple[str, bytes]
) -> Entry:
    """Append ``payload`` sealed under ``record``'s key; the entry returned reads as written."""
    entry = ledger.append(kind, signer.staff_id, sealed(kind, payload, record), signer.sign)
    return opened_with(entry, record[1])
