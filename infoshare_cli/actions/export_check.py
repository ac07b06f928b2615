"""The whole-log check an export runs first, resting on the exporter's own checked head.

An export must never pass on a tampered log under an honest exporter's signature, so every
export checks the whole log first (the work of ``verify``). After it passes, the exporter
signs a statement of the head that passed (integrity/checked_heads.py); their next export
rests on it: every entry's hash and link from #1 is checked again, and the signatures and
rules only of what was written since. A statement that does not hold in every respect means
the whole check, as before.
"""

from __future__ import annotations

import dataclasses
import marshal
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from infoshare_cli.integrity.anchor_keys import keys_fingerprint
from infoshare_cli.integrity.beside import entries_seen, reads_the_file
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
from infoshare_cli.ledger import workers
from infoshare_cli.ledger.crypto import public_key_b64
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger


@dataclass(frozen=True)
class Passed:
    """What a check that passed found, for the exporter to sign (:func:`remember_check`)."""

    seq: int
    hash: str
    keys: str  # the fingerprint of the staff keys at the head
    signatures: str  # the digest of the signature column


@dataclass(frozen=True)
class ExportCheck:
    """The check's verdict, and the exporter's own statement it rested on (None: the whole
    check ran). ``report`` is the whole report when the check ran in this process (None
    when it ran beside the export and passed: :class:`CheckBeside`)."""

    passed: Passed | None  # None: the log fails
    rested_on: CheckedHead | None
    log: object  # the log's identity (its first entry's hash), read in the same snapshot
    report: Report | None = None

    @property
    def ok(self) -> bool:
        return self.passed is not None


def check_for_export(
    ledger: Ledger,
    signer: Signer,
    progress: Callable[[int, int], None] | None = None,
) -> ExportCheck:
    """Check the log in the read snapshot the caller has open, resting on ``signer``'s own
    newest statement that holds, if there is one; otherwise (or if resting on it turns out
    not to hold) the whole check."""
    return _check(ledger, signer.staff_id, exporter_key(signer), progress)


def exporter_key(signer: Signer) -> str | None:
    """The key the passphrase just unlocked, if it is the one registered for the exporter
    (only then may the check rest on a statement signed with it)."""
    public_key = public_key_b64(signer.private_key)
    return public_key if public_key == signer.member.public_key else None


def _check(
    ledger: Ledger,
    staff_id: str,
    public_key: str | None,
    progress: Callable[[int, int], None] | None,
) -> ExportCheck:
    conn = ledger.conn
    head = ledger.head()
    log = log_identity(conn)
    found = (
        trusted_head(conn, staff_id, public_key, head.seq)
        if head is not None and public_key is not None
        else None
    )
    if found is not None and public_key is not None:
        report = verify_ledger(ledger, progress=progress, trusted_upto=found.seq)
        if (
            report.ok
            and report.head is not None
            and still_trusted(
                found, report.signatures_upto, report.rules, public_key, report.head.seq
            )
        ):
            return ExportCheck(_passed(report), found, log, report)
        # Something does not hold: the whole check decides, and its report is the one shown.
    report = verify_ledger(ledger, progress=progress)
    return ExportCheck(_passed(report), None, log, report)


def _passed(report: Report) -> Passed | None:
    if not report.ok:
        return None
    head = report.head
    if head is None:  # an empty log passes, with nothing to sign
        return Passed(0, "", "", "")
    keys = keys_fingerprint(report.rules.key_history(), head.seq) if report.rules else ""
    return Passed(head.seq, head.hash, keys, report.signatures_sha256 or "")


# --- the check beside the export -----------------------------------------------------------

_BOOT = workers.boot_line("infoshare_cli.actions.export_check")


def check_beside_wanted(ledger: Ledger, fmt: str, allow_unverified: bool) -> bool:
    """Whether an export's check runs beside it (:class:`CheckBeside`): a JSON or JSONL
    export (the other formats rest on the verdict for the signatures they show), without
    --allow-unverified (whose warning heads the file), of a log large enough for worker
    processes (as ``verify``'s signature checks are), on more than one core."""
    from infoshare_cli.actions.exporting import SIGNED_INSIDE
    from infoshare_cli.integrity import signatures
    from infoshare_cli.outputs import text_workers

    if fmt not in SIGNED_INSIDE or allow_unverified or text_workers.worker_count() < 1:
        return False
    head = ledger.head()
    return head is not None and head.seq >= signatures.PROCESSES_FROM


class CheckBeside:
    """The export's check in a process of its own, while the export is written: a large
    JSON or JSONL export's own work keeps every core busy for as long as the check takes.

    The process reads the log on a connection of its own, which sees the log as it stands
    when it starts reading: the export's snapshot, unless someone wrote in between. Its
    answer counts only if it saw the same entries as the export's snapshot (their number,
    the newest and its hash; entries are only ever appended), as the checks ``verify`` runs
    beside its pass do (integrity/beside.py), and only if the log passed. Otherwise, or on
    any trouble (the process cannot be started, say), :meth:`result` gives None, and the
    check runs in the export's own process, as for a small log: its report is the one
    shown.
    """

    def __init__(self, ledger: Ledger, signer: Signer):
        self._pool: workers.WorkerPool | None = None
        path = ledger.path
        if path is None or not reads_the_file(ledger.conn, path):
            return
        self._pool = workers.WorkerPool(1, _BOOT)
        request = (str(path), signer.staff_id, exporter_key(signer))
        if not self._pool.send_frame(marshal.dumps(request)):
            self.close()

    def result(self, ledger: Ledger) -> ExportCheck | None:
        """The check's verdict if it passed on the export's snapshot; None otherwise (the
        caller then checks the log itself). Waits for the process to finish."""
        if self._pool is None:
            return None
        try:
            raw = self._pool.answer_frame()
            if raw is None:
                return None
            seen, passed, rested_on, log = marshal.loads(raw)
            if seen != list(entries_seen(ledger.conn)) or passed is None:
                return None
            found = CheckedHead(**rested_on) if rested_on is not None else None
            return ExportCheck(Passed(*passed), found, log)
        except (TypeError, ValueError, EOFError, sqlite3.Error):
            return None
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _answer(body: bytes) -> bytes:
    """In the process beside the export: check the log, in a read snapshot of its own."""
    path, staff_id, public_key = marshal.loads(body)
    with Ledger.open(Path(path), readonly=True) as ledger:
        ledger.conn.execute("BEGIN")
        seen = list(entries_seen(ledger.conn))
        check = _check(ledger, staff_id, public_key, None)
    passed = dataclasses.astuple(check.passed) if check.passed is not None else None
    found = dataclasses.asdict(check.rested_on) if check.rested_on is not None else None
    return marshal.dumps((seen, passed, found, check.log))  # type: ignore[arg-type]


def main() -> None:
    workers.run_child(_answer)


def remember_check(ledger: Ledger, signer: Signer, check: ExportCheck) -> bool:
    """After the export: ``signer`` signs the head that passed the check, for their next
    export to rest on. Only a check that passed, of a log that has entries. Returns whether
    it was kept.

    It is a cache: if it cannot be written (the log is busy or read-only), the export stands
    and the next one checks the whole log.
    """
    passed = check.passed
    if passed is None or not (passed.seq and passed.keys and passed.signatures):
        return False
    if not isinstance(check.log, str):
        return False
    text = statement_text(
        log=check.log,
        seq=passed.seq,
        hash=passed.hash,
        keys=passed.keys,
        signatures=passed.signatures,
        staff_id=signer.staff_id,
        checked_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    )
    signature = signer.sign(signed_bytes(text))
    try:
        with ledger.batch():
            table.store(ledger.conn, signer.staff_id, passed.seq, text, signature)
    except sqlite3.Error:
        return False
    return True
