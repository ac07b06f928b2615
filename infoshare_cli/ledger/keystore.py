"""The key tables: data keys wrapped for each person, a wrapped key per record.

They live beside the entries, outside the hash chain (see ``schema`` 0004_keys and
docs/encryption.md). Writers call these inside the same transaction as the signed entry
that witnesses the change, so a crash leaves the log before or after, never between.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from infoshare_cli.ledger import keys as k

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


class NoKeys(k.KeyUnavailable):
    """This person holds no data key for this log (a plaintext log, or not wrapped for them)."""


@dataclass
class Keys:
    """The data keys one person unlocked (id -> key), and record keys opened with them."""

    staff_id: str
    data_keys: dict[int, bytes]
    _records: dict[str, bytes] = field(default_factory=dict, repr=False)

    @property
    def current(self) -> int:
        return max(self.data_keys)

    def __repr__(self) -> str:  # never the keys themselves, in a traceback or a log line
        return f"<Keys of {self.staff_id}: data keys {sorted(self.data_keys)}>"


def has_keys(conn: sqlite3.Connection) -> bool:
    """Does this log encrypt its content (has it a data key)?"""
    try:
        return conn.execute("SELECT 1 FROM data_keys LIMIT 1").fetchone() is not None
    except sqlite3.OperationalError:  # a log from before 0004_keys, opened read-only
        return False


def next_data_key_id(conn: sqlite3.Connection) -> int:
    return (conn.execute("SELECT max(id) FROM data_keys").fetchone()[0] or 0) + 1


def unlock_keys(
    conn: sqlite3.Connection,
    staff_id: str,
    signing_key: Ed25519PrivateKey,
    witnessed: Mapping[int, str],
) -> Keys:
    """Every data key wrapped for this person, each checked against the fingerprint its
    signed entry recorded (``witnessed``: id -> check). Raises ``NoKeys``/``KeyUnavailable``."""
    reading = k.reading_private_key(signing_key)
    rows = conn.execute(
        "SELECT data_key, ephemeral, nonce, wrapped FROM data_key_wraps WHERE staff_id = ? "
        "ORDER BY data_key",
        (staff_id,),
    ).fetchall()
    data_keys: dict[int, bytes] = {}
    for data_key_id, ephemeral, nonce, wrapped in rows:
        aad = k.wrap_data_key_aad(data_key_id, staff_id)
        key = k.unwrap_as_reader(reading, ephemeral, nonce, wrapped, aad)
        if witnessed.get(data_key_id) != k.key_check(key):
            raise k.KeyUnavailable(
                f"data key {data_key_id} stored for this person is not the one the log's "
                "signed entries recorded"
            )
        data_keys[data_key_id] = key
    if not data_keys:
        raise NoKeys("no data key is wrapped for this person")
    return Keys(staff_id, data_keys)


def store_data_key(
    conn: sqlite3.Connection,
    data_key_id: int,
    key: bytes,
    created_seq: int,
    readers: Mapping[str, str],
) -> None:
    """Record a new data key (witnessed by entry ``created_seq``) wrapped for each reader
    (staff id -> reading public key). Call inside the witnessing entry's transaction."""
    conn.execute(
        "INSERT INTO data_keys (id, created_seq, key_check) VALUES (?, ?, ?)",
        (data_key_id, created_seq, k.key_check(key)),
    )
    for staff_id, reading_public in readers.items():
        _put_wrap(conn, data_key_id, key, staff_id, reading_public)


def _put_wrap(
    conn: sqlite3.Connection, data_key_id: int, key: bytes, staff_id: str, reading_public: str
) -> None:
    ephemeral, nonce, wrapped = k.wrap_for_reader(
        key, reading_public, k.wrap_data_key_aad(data_key_id, staff_id)
    )
    conn.execute(
        "INSERT OR REPLACE INTO data_key_wraps "
        "(data_key, staff_id, reading_key, ephemeral, nonce, wrapped) VALUES (?, ?, ?, ?, ?, ?)",
        (data_key_id, staff_id, reading_public, ephemeral, nonce, wrapped),
    )


def wrap_all_for(conn: sqlite3.Connection, keys: Keys, staff_id: str, reading_public: str) -> None:
    """Give a person every data key ``keys`` holds (someone added, or a new passphrase)."""
    for data_key_id, key in keys.data_keys.items():
        _put_wrap(conn, data_key_id, key, staff_id, reading_public)


def drop_wraps(conn: sqlite3.Connection, staff_id: str) -> int:
    """Destroy every data key wrapped for this person (they were deactivated)."""
    return conn.execute("DELETE FROM data_key_wraps WHERE staff_id = ?", (staff_id,)).rowcount


def new_record(conn: sqlite3.Connection, keys: Keys) -> tuple[str, bytes]:
    """A new record id and its key, wrapped under the current data key. Call inside the
    transaction that writes the record's decision."""
    record = uuid.uuid4().hex
    key = k.new_key()
    data_key_id = keys.current
    nonce, wrapped = k.wrap_key(
        key, keys.data_keys[data_key_id], k.record_key_aad(record, data_key_id)
    )
    conn.execute(
        "INSERT INTO record_keys (record, data_key, nonce, wrapped) VALUES (?, ?, ?, ?)",
        (record, data_key_id, nonce, wrapped),
    )
    keys._records[record] = key
    return record, key


class RecordKeyMissing(k.KeyUnavailable):
    """The record's key is not in the log: erased, or destroyed outside the tool."""


def record_key(conn: sqlite3.Connection, keys: Keys, record: str) -> bytes:
    """The key of one record. Raises ``RecordKeyMissing`` or ``KeyUnavailable``."""
    cached = keys._records.get(record)
    if cached is not None:
        return cached
    row = conn.execute(
        "SELECT data_key, nonce, wrapped FROM record_keys WHERE record = ?", (record,)
    ).fetchone()
    if row is None:
        raise RecordKeyMissing("its record key is not in the log")
    data_key_id, nonce, wrapped = row
    data_key = keys.data_keys.get(data_key_id)
    if data_key is None:
        raise k.KeyUnavailable(
            f"its record key is wrapped under data key {data_key_id}, which is not wrapped for you"
        )
    key = k.unwrap_key(nonce, wrapped, data_key, k.record_key_aad(record, data_key_id))
    keys._records[record] = key
    return key


def record_ids(conn: sqlite3.Connection) -> set[str]:
    """Every record that still has its key (for ``verify``: a decision without one is erased
    or damaged)."""
    return {r for (r,) in conn.execute("SELECT record FROM record_keys")}
