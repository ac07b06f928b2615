"""Turning a plaintext log (from before encryption) into a new, encrypted one.

The old file is only read. The new log is built in a temporary owner-only file beside the
destination, in one transaction, checked with the verifier, and only then put in place
(never over an existing file), so a crash or kill -9 leaves no half-made log under the new
name. Its first entries re-register the staff (their own signing keys and sealed keys,
so passphrases do not change) and the setting, signed by the migrating manager; then a
``migration`` entry records the old file's SHA-256, head and entry count; then one sealed
``imported`` entry per old entry holds that entry whole, so ``verify --as NAME`` can check
the old chain and signatures again from the new log alone. See docs/encryption.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infoshare_cli.actions.staff import unlock
from infoshare_cli.domain.retention import RETENTION
from infoshare_cli.domain.staff import StaffMember, apply_staff_entry, require_manager
from infoshare_cli.errors import InfoshareError, WrongPassphrase
from infoshare_cli.hints import command
from infoshare_cli.integrity.verify import verify_ledger, verify_path
from infoshare_cli.ledger import keys as keylib
from infoshare_cli.ledger import keystore
from infoshare_cli.ledger.entries import _COLUMNS, ENTRY_FIELDS
from infoshare_cli.ledger.private_files import place
from infoshare_cli.ledger.sealing import seal_payload
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.ledger.store import Ledger, _side_files

ORIGINAL = "original"  # the sealed field of an imported entry: the old entry, whole


@dataclass
class MigrationResult:
    path: Path
    entries: int  # entries carried over from the old log
    head_seq: int
    head_hash: str
    file_sha256: str
    can_read: list[str] = field(default_factory=list)  # names of staff who can read now
    cannot_read: list[str] = field(default_factory=list)  # active staff who cannot yet


def default_new_name(old: Path) -> Path:
    return old.with_name(f"{old.stem}-encrypted{old.suffix or '.sqlite3'}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reading_keys_from(
    register: dict[str, StaffMember],
    passphrases: dict[str, str],
) -> dict[str, str]:
    """Staff id -> reading public key of each colleague whose passphrase was typed (each
    checked by unsealing their key). Raises WrongPassphrase naming nobody's secret."""
    found: dict[str, str] = {}
    for staff_id, passphrase in passphrases.items():
        signer = unlock(register[staff_id], passphrase)
        found[staff_id] = keylib.reading_public_b64(signer.private_key)
    return found


def check_old_log(old: Path, source: Ledger) -> tuple[dict[str, StaffMember], int, str, int]:
    """(register, head seq, head hash, entries) of the old log, refused unless it verifies
    in full and is plaintext. ``source``: its snapshot (:meth:`Ledger.snapshot`)."""
    report = verify_ledger(source)
    if not report.ok or report.head is None:
        why = report.problems[0].message if report.problems else "it has no entries"
        raise InfoshareError(
            f"The log at {old} does not verify, so it was not migrated: {why} "
            f"Run {command('verify')} and sort that out first. Nothing was written."
        )
    if keystore.has_keys(source.conn):
        raise InfoshareError(f"The log at {old} is already encrypted: there is nothing to migrate.")
    register: dict[str, StaffMember] = {}
    for entry in source.entries(kinds=("staff",)):
        apply_staff_entry(register, entry.seq, entry.payload)
    return register, report.head.seq, report.head.hash, report.entries


def migrate_log(
    old: Path,
    new: Path,
    signer: Signer,
    colleagues: dict[str, str] | None = None,
) -> MigrationResult:
    """Build the encrypted log ``new`` from the plaintext log ``old`` (left untouched).

    ``signer``: an active manager of the old log who unlocked. ``colleagues``: staff id ->
    passphrase of colleagues present, so the new log's data key is wrapped for them too
    (a reading key comes only from a person's own key).
    """
    if new.exists() or new.is_symlink():
        raise InfoshareError(
            f"There is already a file at {new}. infoshare will not overwrite it: choose "
            "another name with --to. Nothing was written."
        )
    if not new.parent.is_dir():
        raise InfoshareError(f"There is no folder {new.parent} to write the new log into.")
    sha = file_sha256(old)
    with Ledger.snapshot(old) as source:
        return _migrate_from(old, new, source, sha, signer, colleagues or {})


def _migrate_from(
    old: Path,
    new: Path,
    source: Ledger,
    sha: str,
    signer: Signer,
    colleagues: dict[str, str],
) -> MigrationResult:
    register, head_seq, head_hash, count = check_old_log(old, source)
    me = register.get(signer.staff_id)
    if me is None or me.public_key != signer.member.public_key:
        raise InfoshareError("The register changed while you were unlocking: please start again.")
    require_manager(me, "migrate the log")
    readers = {signer.staff_id: keylib.reading_public_b64(signer.private_key)}
    readers.update(reading_keys_from(register, colleagues))
    for member in register.values():
        if member.active and member.reading_key and member.staff_id not in readers:
            readers[member.staff_id] = member.reading_key

    temporary = new.parent / f".{new.name}.{secrets.token_hex(4)}.partial"
    try:
        with Ledger.create(temporary) as ledger:
            with ledger.batch():
                _build(ledger, source, signer, register, readers)
                ledger.append(
                    "migration",
                    signer.staff_id,
                    {
                        "from_file_sha256": sha,
                        "from_head_seq": head_seq,
                        "from_head_hash": head_hash,
                        "from_entries": count,
                        "to": "encrypted",
                    },
                    signer.sign,
                )
            if file_sha256(old) != sha:
                raise InfoshareError(
                    f"The log at {old} changed while it was being migrated (someone wrote to "
                    "it). Nothing was kept: run the migration again when nobody is using it."
                )
            ledger.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        report = verify_path(temporary)
        if not report.ok:
            raise InfoshareError(
                "The new log did not verify, so it was not kept. Nothing else was changed. "
                f"({report.problems[0].message})"
            )
        try:
            place(temporary, new, False)
        except FileExistsError:
            raise InfoshareError(
                f"A file appeared at {new} meanwhile; it was left alone and the new log was "
                "not kept."
            ) from None
    finally:
        for leftover in (temporary, *_side_files(temporary)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    active = [m for m in register.values() if m.active]
    return MigrationResult(
        new,
        count,
        head_seq,
        head_hash,
        sha,
        [m.name for m in active if m.staff_id in readers],
        [m.name for m in active if m.staff_id not in readers],
    )


def _staff_payload(member: StaffMember, by: str, reading_key: str | None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "action": "register",
        "staff_id": member.staff_id,
        "name": member.name,
        "role": member.role,
        "dsl": member.dsl,
        "public_key": member.public_key,
        "sealed_key": member.sealed_key,
        "by": by,
    }
    if reading_key:
        payload["reading_key"] = reading_key
    return payload


def _build(
    ledger: Ledger,
    source: Ledger,
    signer: Signer,
    register: dict[str, StaffMember],
    readers: dict[str, str],
) -> None:
    me = signer.staff_id
    conn = ledger.conn
    # 1. The migrating manager, self-signed, with the new log's first data key.
    first = _staff_payload(register[me], me, readers[me])
    data_key = keylib.new_key()
    first["data_key"] = {"id": 1, "check": keylib.key_check(data_key)}
    entry = ledger.append("staff", me, first, signer.sign)
    # 2. The setting as it stands (its name, and its retention rule if one was recorded).
    setting: dict[str, Any] = {}
    for old in source.entries(kinds=("setting",)):
        body = old.payload
        if "name" in body and "name" not in setting:
            setting["name"] = body["name"]
        if RETENTION in body:
            setting[RETENTION] = body[RETENTION]
    ledger.append("setting", me, setting or {"name": "Our setting"}, signer.sign)
    # 3. Everyone else, as the register stands now; people who left are deactivated again.
    for member in register.values():
        if member.staff_id == me:
            continue
        reading = readers.get(member.staff_id) if member.active else None
        ledger.append("staff", me, _staff_payload(member, me, reading), signer.sign)
        if not member.active:
            ledger.append(
                "staff",
                me,
                {"action": "deactivate", "staff_id": member.staff_id, "by": me},
                signer.sign,
            )
    keystore.store_data_key(conn, 1, data_key, entry.seq, readers)
    keys = keystore.Keys(me, {1: data_key})
    # 4. Every old entry, whole, sealed: one record per decision (with its co-signatures and
    # corrections), one per other entry.
    records: dict[int, tuple[str, bytes]] = {}
    cursor = source.conn.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY seq")
    for row in cursor:
        original = dict(zip(ENTRY_FIELDS, row, strict=True))
        target = _decision_of(original)
        if target is not None and target in records:
            record, key = records[target]
        else:
            record, key = keystore.new_record(conn, keys)
            if original["kind"] == "decision":
                records[original["seq"]] = (record, key)
        payload = {"of": original["seq"], ORIGINAL: original}
        ledger.append("imported", me, seal_payload("imported", payload, record, key), signer.sign)


def _decision_of(original: dict[str, Any]) -> int | None:
    if original["kind"] not in ("cosign", "correction"):
        return None
    try:
        target = json.loads(original["payload"]).get("decision")
    except (ValueError, AttributeError):
        return None
    return target if type(target) is int else None


def check_passphrase_for(member: StaffMember, passphrase: str) -> bool:
    """Is this the colleague's passphrase? (For asking again before anything is written.)"""
    try:
        unlock(member, passphrase)
    except WrongPassphrase:
        return False
    return True
