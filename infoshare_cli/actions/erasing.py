"""Erasing decisions' personal content: two managers, one transaction, the keys destroyed.

See ``domain/erasure.py`` for the entries and their rules, and ``ledger/shredding.py``
for how the keys are destroyed so that no copy stays in the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infoshare_cli.actions.staff import open_keys
from infoshare_cli.domain.decisions import check_case_ref
from infoshare_cli.domain.erasure import check_why, confirm_payload, copy_payload, erase_payload
from infoshare_cli.domain.staff import current_signer, require_manager
from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger import keystore
from infoshare_cli.ledger.case_index import forget as forget_cases
from infoshare_cli.ledger.case_index import index_decision
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.sealing import reading, seal_payload
from infoshare_cli.ledger.shredding import clear_old_pages, destroy_record_keys
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.erasures import erased_decisions
from infoshare_cli.reading.records import load_decision
from infoshare_cli.reading.register import load_register

BACKUP_WARNING = (
    "Backups taken before now still hold the erased records' keys, so the records can still "
    "be read from them. Take a new backup now (`infoshare backup`), then delete the older "
    "backups, or keep them locked away and note that they hold erased records."
)


@dataclass
class Erasure:
    erase: Entry
    confirm: Entry
    decisions: list[int]
    cleared: bool  # the old pages were overwritten in the file
    copy: Entry | None = None  # the corrected copy, when one was entered


def erasable(ledger: Ledger, decision_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(decision, record) for each id, or InfoshareError naming the one that cannot be."""
    already = erased_decisions(ledger)
    targets: list[tuple[int, str]] = []
    for decision_id in dict.fromkeys(decision_ids):
        loaded = load_decision(ledger, decision_id)
        record = loaded.payload.get("record")
        if not isinstance(record, str) or not record:
            raise InfoshareError(
                f"{loaded.label} was written before records had their own keys, so "
                "it cannot be erased on its own. Nothing was erased."
            )
        if decision_id in already:
            done = already[decision_id]
            raise InfoshareError(
                f"{loaded.label} was already erased (by {done.by} and {done.confirmed_by}). "
                "Nothing was erased."
            )
        row = ledger.conn.execute("SELECT 1 FROM record_keys WHERE record = ?", (record,))
        if row.fetchone() is None:
            raise InfoshareError(
                f"The key of {loaded.label.lower()} is missing, and no erasure removed it. "
                "Run `infoshare verify`. Nothing was erased."
            )
        targets.append((decision_id, record))
    return targets


def check_pair(eraser: Signer, cosigner: Signer) -> None:
    """Two different managers: one erases, the other co-signs."""
    require_manager(eraser.member, "erase a record")
    require_manager(cosigner.member, "co-sign an erasure")
    if eraser.staff_id == cosigner.staff_id:
        raise InfoshareError(
            "A second manager must co-sign an erasure: the co-signer cannot be the manager "
            "who erases. Nothing was erased."
        )


def erase_decisions(
    ledger: Ledger,
    eraser: Signer,
    cosigner: Signer,
    decision_ids: Sequence[int],
    reason: str,
    why: str,
    forbidden: Sequence[str] = (),
    corrected_case_ref: str | None = None,
) -> Erasure:
    """Erase the decisions (and their co-signatures and corrections, which share their
    record key) in one transaction: the erasure, its co-signature and the destroyed keys
    land together or not at all. ``forbidden``: texts the reason must not contain.

    ``corrected_case_ref``: re-enter the (one) decision in the same transaction, as a new
    decision by the erasing manager with this case reference and a new record key, naming
    the erased one (``copy_of``); it then awaits co-signature like any decision.
    """
    check_pair(eraser, cosigner)
    why = check_why(why, forbidden)
    if corrected_case_ref is not None:
        corrected_case_ref = check_case_ref(corrected_case_ref)
        if len(set(decision_ids)) != 1:
            raise InfoshareError("A corrected copy is entered for one decision at a time.")
        if corrected_case_ref.casefold() in (f.strip().casefold() for f in forbidden if f):
            raise InfoshareError(
                "The corrected case reference is the one being erased. Nothing was erased."
            )
        keys = open_keys(ledger, eraser)
    with ledger.batch():
        # Under the write lock: another window may have erased one of them, or changed the
        # register, since the two managers unlocked.
        register = load_register(ledger)
        for signer, doing in ((eraser, "erase a record"), (cosigner, "co-sign an erasure")):
            require_manager(current_signer(register, signer), doing)
        targets = erasable(ledger, decision_ids)
        # Read before its key goes: the copy is made from the content.
        original = None
        if corrected_case_ref is not None:
            with reading(ledger.conn, keys) as opener:
                loaded = load_decision(ledger, targets[0][0])
                original = loaded.payload
            if opener.problems:
                raise InfoshareError(
                    f"The content of {loaded.label.lower()} does not open, so no corrected "
                    "copy can be made of it. Nothing was erased. Run `infoshare verify`."
                )
        body = erase_payload(targets, reason, why)
        erase = ledger.append("erase", eraser.staff_id, body, eraser.sign)
        confirm = ledger.append(
            "erase", cosigner.staff_id, confirm_payload(erase.seq, erase.hash), cosigner.sign
        )
        gone = destroy_record_keys(ledger.conn, [record for _, record in targets])
        # and the keyed hash of each case reference, so that it cannot confirm a guess
        forget_cases(ledger.conn, [decision for decision, _ in targets])
        if gone != len(targets):
            raise InfoshareError(
                "A record key disappeared while erasing; nothing was erased. Run "
                "`infoshare verify`."
            )
        copy = None
        if corrected_case_ref is not None and original is not None:
            record, key = keystore.new_record(ledger.conn, keys)
            body = copy_payload(original, targets[0][0], corrected_case_ref, record)
            sealed = seal_payload("decision", body, record, key)  # sealed as every decision
            copy = ledger.append("decision", eraser.staff_id, sealed, eraser.sign)
            index_decision(ledger.conn, keys, copy.seq, record, corrected_case_ref)
    cleared = clear_old_pages(ledger.conn)
    return Erasure(erase, confirm, [d for d, _ in targets], cleared, copy)
