"""The whole-log check an export runs first, resting on the exporter's own checked head.

An export must never pass on a tampered log under an honest exporter's signature, so every
export checks the whole log first (the work of ``verify``). After it passes, the exporter
signs a statement of the head that passed (integrity/checked_heads.py); their next export
rests on it: every entry's hash and link from #1 is checked again, and the signatures and
rules only of what was written since. A statement that does not hold in every respect means
the whole check, as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from infoshare_cli.integrity.anchor_keys import keys_fingerprint
from infoshare_cli.integrity.checked_heads import (
    CheckedHead,
    log_identity,
    signed_bytes,
    statement_text,
    still_trusted,
    trusted_head,
)
from infoshare_cli.integrity.report import Report
from infoshare_cli.integrity.verify import verify_ledger
from infoshare_cli.ledger import checked_heads as table
from infoshare_cli.ledger.crypto import public_key_b64
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger


@dataclass(frozen=True)
class ExportCheck:
    """The check's report, and the exporter's own statement it rested on (None: the whole
    check ran)."""

    report: Report
    rested_on: CheckedHead | None
    log: object  # the log's identity (its first entry's hash), read in the same snapshot


def check_for_export(
    ledger: Ledger,
    signer: Signer,
    progress: Callable[[int, int], None] | None = None,
) -> ExportCheck:
    """Check the log in the read snapshot the caller has open, resting on ``signer``'s own
    newest statement that holds, if there is one; otherwise (or if resting on it turns out
    not to hold) the whole check."""
    conn = ledger.conn
    public_key = public_key_b64(signer.private_key)  # the key the passphrase just unlocked
    head = ledger.head()
    log = log_identity(conn)
    found = (
        trusted_head(conn, signer.staff_id, public_key, head.seq)
        if head is not None and public_key == signer.member.public_key
        else None
    )
    if found is not None:
        report = verify_ledger(ledger, progress=progress, trusted_upto=found.seq)
        if (
            report.ok
            and report.head is not None
            and still_trusted(
                found, report.signatures_upto, report.rules, public_key, report.head.seq
            )
        ):
            return ExportCheck(report, found, log)
        # Something does not hold: the whole check decides, and its report is the one shown.
    return ExportCheck(verify_ledger(ledger, progress=progress), None, log)


def remember_check(ledger: Ledger, signer: Signer, check: ExportCheck) -> bool:
    """After the export: ``signer`` signs the head that passed the check, for their next
    export to rest on. Only a check that passed, of a log that has entries. Returns whether
    it was kept.

    It is a cache: if it cannot be written (the log is busy or read-only), the export stands
    and the next one checks the whole log.
    """
    report = check.report
    if not report.ok or report.head is None or report.rules is None or not report.signatures_sha256:
        return False
    head = report.head
    if not isinstance(check.log, str):
        return False
    text = statement_text(
        log=check.log,
        seq=head.seq,
        hash=head.hash,
        keys=keys_fingerprint(report.rules.key_history(), head.seq),
        signatures=report.signatures_sha256,
        staff_id=signer.staff_id,
        checked_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )
    signature = signer.sign(signed_bytes(text))
    try:
        with ledger.batch():
            table.store(ledger.conn, signer.staff_id, head.seq, text, signature)
    except sqlite3.Error:
        return False
    return True
