"""The key tables: a data key wrapped for each active person, rotated when someone leaves,
re-wrapped on a passphrase change, never stored in the clear; kill -9 mid-rotation leaves
the log before or after the step."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from support.people import ALEX, JO, PASSPHRASES, PRIYA, SAM, signer
from support.writer_process import writer_env

from infoshare_cli.actions.staff import (
    add_member,
    change_passphrase,
    deactivate_member,
    open_keys,
    unlock,
)
from infoshare_cli.domain.staff import find_member
from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger import keys as keylib
from infoshare_cli.ledger import keystore
from infoshare_cli.ledger.sealing import reading
from infoshare_cli.reading.register import load_register, witnessed_data_keys


def _ids(path, name: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT staff_id FROM staff WHERE name = ?", (name,)).fetchone()[0]
    finally:
        conn.close()


def key_tables_consistent(path) -> list[str]:
    """What is wrong with the key tables, judged from the signed entries alone."""
    problems = []
    conn = sqlite3.connect(path)
    try:
        from infoshare_cli.ledger.store import Ledger

        with Ledger.open(path, readonly=True) as ledger:
            witnessed = witnessed_data_keys(ledger)
            register = load_register(ledger)
        stored = dict(conn.execute("SELECT id, key_check FROM data_keys"))
        if stored != witnessed:
            problems.append(f"data keys {sorted(stored)} but entries witness {sorted(witnessed)}")
        wraps: dict[str, set[int]] = {}
        for data_key, staff_id in conn.execute("SELECT data_key, staff_id FROM data_key_wraps"):
            wraps.setdefault(staff_id, set()).add(data_key)
        for member in register.values():
            held = wraps.get(member.staff_id, set())
            if member.active and held != set(witnessed):
                problems.append(f"{member.name} holds {sorted(held)}")
            if not member.active and held:
                problems.append(f"{member.name} (deactivated) still holds {sorted(held)}")
    finally:
        conn.close()
    return problems


def test_every_active_person_holds_every_data_key_and_the_leaver_none(staffed_log):
    assert key_tables_consistent(staffed_log.path) == []
    with staffed_log.open() as ledger:
        # Jo's deactivation rotated the data key: records from then on use key 2.
        assert sorted(witnessed_data_keys(ledger)) == [1, 2]
        for name in (ALEX, PRIYA, SAM):
            keys = open_keys(ledger, signer(ledger, name))
            assert sorted(keys.data_keys) == [1, 2] and keys.current == 2
        jo = unlock(find_member(load_register(ledger), JO), PASSPHRASES[JO])
        with pytest.raises(InfoshareError, match="No key to read this log"):
            open_keys(ledger, jo)


def test_the_keys_are_never_stored_in_the_clear(staffed_log):
    with staffed_log.open() as ledger:
        keys = open_keys(ledger, signer(ledger, ALEX))
        record, record_key = keystore.new_record(ledger.conn, keys)
    raw = staffed_log.path.read_bytes()
    for secret in [*keys.data_keys.values(), record_key]:
        assert secret not in raw and secret.hex().encode() not in raw
    assert "Keys of" in repr(keys) and keys.data_keys[1].hex() not in repr(keys)


def test_a_data_key_swapped_in_the_tables_is_refused(staffed_log):
    """Anyone can wrap a key of their own to a public reading key; the signed fingerprint
    is what catches it."""
    alex_id = _ids(staffed_log.path, ALEX)
    with staffed_log.open() as ledger:
        reading = load_register(ledger)[alex_id].reading_key
        forged = keylib.new_key()
        ephemeral, nonce, wrapped = keylib.wrap_for_reader(
            forged, reading, keylib.wrap_data_key_aad(2, alex_id)
        )
        ledger.conn.execute(
            "UPDATE data_key_wraps SET ephemeral = ?, nonce = ?, wrapped = ? "
            "WHERE data_key = 2 AND staff_id = ?",
            (ephemeral, nonce, wrapped, alex_id),
        )
        with pytest.raises(InfoshareError, match="does not open") as caught:
            open_keys(ledger, signer(ledger, ALEX))
        assert forged.hex() not in str(caught.value)


def test_a_passphrase_change_rewraps_the_same_data_keys(staffed_log):
    with staffed_log.open() as ledger:
        before = open_keys(ledger, signer(ledger, SAM)).data_keys
        change_passphrase(ledger, signer(ledger, SAM), "sam's brand new passphrase")
        member = find_member(load_register(ledger), SAM)
        with pytest.raises(InfoshareError):
            unlock(member, PASSPHRASES[SAM])
        after = open_keys(ledger, unlock(member, "sam's brand new passphrase")).data_keys
    assert after == before
    assert key_tables_consistent(staffed_log.path) == []


def test_adding_someone_gives_them_every_data_key(staffed_log):
    with staffed_log.open() as ledger:
        member = add_member(
            ledger, signer(ledger, PRIYA), "Kim Ray", "practitioner", "kim pass 12345"
        )
        keys = open_keys(ledger, unlock(member, "kim pass 12345"))
        assert sorted(keys.data_keys) == [1, 2]
    assert key_tables_consistent(staffed_log.path) == []
    assert verify_path(staffed_log.path).ok


def test_deactivating_rotates_and_destroys_their_copies(staffed_log):
    with staffed_log.open() as ledger:
        sam = find_member(load_register(ledger), SAM)
        deactivate_member(ledger, signer(ledger, ALEX), sam)
        assert sorted(witnessed_data_keys(ledger)) == [1, 2, 3]
        assert open_keys(ledger, signer(ledger, PRIYA)).current == 3
        with pytest.raises(InfoshareError, match="No key to read this log"):
            open_keys(ledger, unlock(sam, PASSPHRASES[SAM]))
    assert key_tables_consistent(staffed_log.path) == []
    assert verify_path(staffed_log.path).ok


# Adds someone and deactivates them, over and over: each deactivation rotates the data key.
_ROTATOR = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    from support.people import ALEX, signer
    from infoshare_cli.actions.staff import add_member, deactivate_member
    from infoshare_cli.ledger.store import Ledger

    with Ledger.open(sys.argv[1]) as ledger:
        alex = signer(ledger, ALEX)
        for i in range(200):
            member = add_member(ledger, alex, f"Temp {i}", "practitioner", "temp passphrase 1")
            deactivate_member(ledger, alex, member)
            print(i, flush=True)
    """
)


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
@pytest.mark.parametrize("after", [1, 3])
def test_kill_9_during_key_rotation_leaves_the_log_before_or_after(staffed_log, after):
    tests_dir = str(__import__("pathlib").Path(__file__).resolve().parent)
    proc = subprocess.Popen(
        [sys.executable, "-c", _ROTATOR, str(staffed_log.path), tests_dir],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=writer_env(),
        text=True,
    )
    try:
        for _ in range(after):
            assert proc.stdout.readline(), proc.stderr.read()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert key_tables_consistent(staffed_log.path) == []
    assert verify_path(staffed_log.path).ok
    with staffed_log.open() as ledger:
        keys = open_keys(ledger, signer(ledger, PRIYA))
        assert keys.current == max(witnessed_data_keys(ledger)) >= 2 + after


def test_a_record_under_a_data_key_the_reader_lacks_names_that_data_key(staffed_log):
    """A record key wrapped under data key 1, read by someone whose copy of data key 1 is
    gone from the tables: the reason shown names the data key, not an empty message."""
    alex_id = _ids(staffed_log.path, ALEX)
    with staffed_log.open() as ledger:
        keys = open_keys(ledger, signer(ledger, ALEX))
        first_only = keystore.Keys(alex_id, {1: keys.data_keys[1]})
        record, _ = keystore.new_record(ledger.conn, first_only)  # under data key 1
        ledger.conn.execute(
            "DELETE FROM data_key_wraps WHERE data_key = 1 AND staff_id = ?", (alex_id,)
        )
        reader = open_keys(ledger, signer(ledger, ALEX))
        assert sorted(reader.data_keys) == [2]
        with pytest.raises(keylib.KeyUnavailable) as caught:
            keystore.record_key(ledger.conn, reader, record)
        # A reader opening such an entry gets its plaintext part, marked with the reason
        # (docs/encryption.md), and the reason is kept for the command's warning.
        with reading(ledger.conn, reader) as opener:
            shown = opener.open(40, "decision", {"id": "e1", "record": record, "sealed": "x"})
    why = "its record key is wrapped under data key 1, which is not wrapped for you"
    assert str(caught.value) == why
    assert shown == {"id": "e1", "record": record, "_unreadable": why}
    assert opener.problems == {40: why}


def test_an_encrypted_log_refuses_a_personal_field_in_the_clear(staffed_log):
    """A programming slip that would write a case reference unsealed is stopped at the
    append, before anything reaches the file."""
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        before = ledger.count()
        with pytest.raises(ValueError, match="a decision entry's personal fields must be sealed"):
            ledger.append("decision", sam.staff_id, {"case_ref": "C-1042"}, sam.sign)
        assert ledger.count() == before


def test_data_key_checks_and_wraps_are_made_as_docs_encryption_md_says():
    """Another program can check and open what infoshare writes from the document alone:
    the check is HMAC-SHA256(data key, "infoshare data key check v1")[:32 hex], and a wrap
    for a reader is AES-256-GCM under HKDF-SHA256 of the X25519 shared secret, salted with
    the ephemeral and the reader's public keys, info "infoshare data key wrap v1"."""
    import base64
    import hashlib
    import hmac

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    data_key = os.urandom(32)
    expected = hmac.new(data_key, b"infoshare data key check v1", hashlib.sha256).hexdigest()
    assert keylib.key_check(data_key) == expected[:32]

    reader = X25519PrivateKey.generate()
    recipient = reader.public_key().public_bytes_raw()
    aad = keylib.wrap_data_key_aad(3, "s-1234abcd")
    ephemeral, nonce, wrapped = keylib.wrap_for_reader(
        data_key, base64.b64encode(recipient).decode(), aad
    )
    shared = reader.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    key = HKDF(
        hashes.SHA256(), 32, salt=ephemeral + recipient, info=b"infoshare data key wrap v1"
    ).derive(shared)
    assert AESGCM(key).decrypt(nonce, wrapped, aad) == data_key
