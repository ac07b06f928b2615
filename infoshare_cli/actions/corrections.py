"""Corrections: a signed entry that says what was wrong in a decision, what is right, and why.

The original decision is never changed (the log is append-only); the correction points at
it by id and hash and is shown with it everywhere. No terminal code.
"""

from __future__ import annotations

from infoshare_cli.actions.private import append_sealed, record_of
from infoshare_cli.domain.decisions import CONTROL_MESSAGE, MAX_TEXT
from infoshare_cli.domain.staff import current_signer
from infoshare_cli.domain.text import has_control_characters
from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.records import DecisionRecord
from infoshare_cli.reading.register import load_register

FIELDS = {
    "wrong": "what was wrong",
    "right": "what is right",
    "why": "why it is being corrected",
}


def correction_payload(
    record: DecisionRecord, wrong: str | None, right: str | None, why: str | None
) -> dict:
    """The payload of a correction; every part is needed, in plain words."""
    texts = {"wrong": wrong, "right": right, "why": why}
    cleaned = {key: (value or "").strip() for key, value in texts.items()}
    missing = [FIELDS[key] for key, value in cleaned.items() if not value]
    if missing:
        raise InfoshareError(
            "A correction says what was wrong, what is right and why. Missing: "
            + ", ".join(missing)
            + ". Nothing was written."
        )
    for key, value in cleaned.items():
        if len(value) > MAX_TEXT:
            raise InfoshareError(
                f"Keep {FIELDS[key]} under {MAX_TEXT:,} characters. Nothing was written."
            )
        if has_control_characters(value):
            raise InfoshareError(f"In {FIELDS[key]}, {CONTROL_MESSAGE}. Nothing was written.")
    return {"decision": record.id, "decision_hash": record.entry.hash, **cleaned}


def append_correction(
    ledger: Ledger,
    record: DecisionRecord,
    signer: Signer,
    wrong: str | None,
    right: str | None,
    why: str | None,
) -> Entry:
    payload = correction_payload(record, wrong, right, why)
    with ledger.batch():  # the signer may have been deactivated in another window meanwhile
        current_signer(load_register(ledger), signer)
        record_key = record_of(ledger, signer, record.entry)
        return append_sealed(ledger, "correction", signer, payload, record_key)
