"""The keys that keep personal content private (pure functions; see docs/encryption.md).

    passphrase --Argon2id--> sealing key --AES-GCM--> Ed25519 signing key  (as before, crypto)
    signing key --HKDF--> X25519 reading key; its public half is in the person's signed entry
    data key (random, one at a time for the log) --X25519 + HKDF + AES-GCM--> one wrap per person
    record key (random, one per decision) --AES-GCM under the data key--> record_keys row
    personal fields of an entry --AES-GCM under the record key--> the entry's "sealed" field

Unlocking the signing key is the one slow step (one Argon2id derivation per person per
command); everything below it is fast. Because data keys are wrapped to a *public* reading
key, a manager can wrap a new data key for every colleague without knowing their passphrases
(adding staff, rotating the data key when someone leaves).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from json.encoder import encode_basestring as _json_text  # text as json.dumps writes it
from typing import TYPE_CHECKING, Any

from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger.crypto import canonical_json, loads_whole

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

KEY_LENGTH = 32
NONCE_LENGTH = 12
_READING_INFO = b"infoshare reading key v1"
_WRAP_INFO = b"infoshare data key wrap v1"
_CHECK_MESSAGE = b"infoshare data key check v1"


class KeyUnavailable(InfoshareError):
    """A wrapped key or sealed content did not open: wrong key, or altered bytes."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise KeyUnavailable("not base64 text")
    try:
        # base64.b64decode(..., validate=True), without its wrapping: every sealed entry
        # read decodes two of these (a test holds the two together).
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeError, ValueError):
        raise KeyUnavailable("not base64 text") from None


def new_key() -> bytes:
    """A fresh random 256-bit key (a data key or a record key)."""
    return os.urandom(KEY_LENGTH)


def key_check(data_key: bytes) -> str:
    """A fingerprint of a data key that reveals nothing of it: signed into the entry that made
    the key, so a data key swapped in the key tables is caught when it is unwrapped."""
    return hmac.new(data_key, _CHECK_MESSAGE, hashlib.sha256).hexdigest()[:32]


# --- reading keys ---------------------------------------------------------------------------


def reading_private_key(signing_key: Ed25519PrivateKey) -> X25519PrivateKey:
    """The person's X25519 reading key, derived from their signing key (HKDF-SHA256)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = signing_key.private_bytes_raw()
    seed = HKDF(hashes.SHA256(), KEY_LENGTH, salt=None, info=_READING_INFO).derive(raw)
    return X25519PrivateKey.from_private_bytes(seed)


def reading_public_b64(signing_key: Ed25519PrivateKey) -> str:
    """The public half of :func:`reading_private_key`, as it goes in a signed staff entry."""
    return b64(reading_private_key(signing_key).public_key().public_bytes_raw())


def _wrap_key_for(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), KEY_LENGTH, salt=ephemeral + recipient, info=_WRAP_INFO).derive(
        shared
    )


def wrap_data_key_aad(data_key_id: int, staff_id: str) -> bytes:
    return canonical_json({"use": "data key", "data_key": data_key_id, "staff_id": staff_id})


def wrap_for_reader(data_key: bytes, reading_public: str, aad: bytes) -> tuple[bytes, bytes, bytes]:
    """Wrap ``data_key`` so only the holder of ``reading_public``'s private half can open it.

    Returns (ephemeral public key, nonce, wrapped key), all raw bytes.
    """
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    recipient = unb64(reading_public)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes_raw()
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    nonce = os.urandom(NONCE_LENGTH)
    wrapped = AESGCM(_wrap_key_for(shared, ephemeral_public, recipient)).encrypt(
        nonce, data_key, aad
    )
    return ephemeral_public, nonce, wrapped


def unwrap_as_reader(
    reading_key: X25519PrivateKey, ephemeral: bytes, nonce: bytes, wrapped: bytes, aad: bytes
) -> bytes:
    """Open a wrap made by :func:`wrap_for_reader`. Raises ``KeyUnavailable``."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    recipient = reading_key.public_key().public_bytes_raw()
    try:
        shared = reading_key.exchange(X25519PublicKey.from_public_bytes(bytes(ephemeral)))
        key = AESGCM(_wrap_key_for(shared, bytes(ephemeral), recipient)).decrypt(
            bytes(nonce), bytes(wrapped), aad
        )
    except (InvalidTag, ValueError):
        raise KeyUnavailable("the wrapped data key does not open") from None
    if len(key) != KEY_LENGTH:
        raise KeyUnavailable("the wrapped data key has the wrong length")
    return key


# --- symmetric wrapping (record keys) and sealing (content) ----------------------------------


def record_key_aad(record: str, data_key_id: int) -> bytes:
    """What a wrapped record key is bound to: the canonical JSON of ``{"use": "record
    key", "record", "data_key"}``, written out directly for a text record and a whole
    number (every record a reader opens pays for this; a test holds it to
    ``canonical_json``)."""
    if type(record) is str and type(data_key_id) is int and -_SAFE <= data_key_id <= _SAFE:
        return (
            '{"data_key":'
            + str(data_key_id)
            + ',"record":'
            + _json_text(record)
            + ',"use":"record key"}'
        ).encode("utf-8")
    return canonical_json({"use": "record key", "record": record, "data_key": data_key_id})


_SAFE = 2**53 - 1  # canonical JSON refuses whole numbers beyond this (ledger.crypto)


def wrap_key(key: bytes, under: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """AES-256-GCM of ``key`` under ``under``: (nonce, wrapped)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_LENGTH)
    return nonce, AESGCM(under).encrypt(nonce, key, aad)


def unwrap_key(nonce: bytes, wrapped: bytes, under: bytes, aad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        key = AESGCM(under).decrypt(bytes(nonce), bytes(wrapped), aad)
    except (InvalidTag, ValueError):
        raise KeyUnavailable("the wrapped record key does not open") from None
    if len(key) != KEY_LENGTH:
        raise KeyUnavailable("the wrapped record key has the wrong length")
    return key


def content_aad(kind: str, entry_id: str, record: str) -> bytes:
    """What sealed content is bound to: its entry's kind and id, and its record.

    The canonical JSON of ``{"use": "content", "kind", "id", "record"}``, written out
    directly for text values (every entry opened pays for this; a test holds it to
    ``canonical_json``)."""
    if type(kind) is str and type(entry_id) is str and type(record) is str:
        return (
            '{"id":'
            + _json_text(entry_id)
            + ',"kind":'
            + _json_text(kind)
            + ',"record":'
            + _json_text(record)
            + ',"use":"content"}'
        ).encode("utf-8")
    return canonical_json({"use": "content", "kind": kind, "id": entry_id, "record": record})


def seal_content(fields: dict, record_key: bytes, aad: bytes) -> dict:
    """Encrypt a dict of personal fields: {"nonce", "ciphertext"} as base64 text."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_LENGTH)
    ciphertext = AESGCM(record_key).encrypt(nonce, canonical_json(fields), aad)
    return {"nonce": b64(nonce), "ciphertext": b64(ciphertext)}


def content_cipher(record_key: bytes) -> Any:
    """The AES-GCM cipher of a record key, for :func:`open_content` to reuse (a decision and
    its co-signatures share a record). Raises ``KeyUnavailable`` for a key of the wrong
    length."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(record_key)
    except (TypeError, ValueError):
        raise KeyUnavailable("the sealed content does not open with its record key") from None


def open_content(sealed: object, record_key: bytes, aad: bytes, cipher: Any = None) -> dict:
    """The fields :func:`seal_content` sealed. Raises ``KeyUnavailable``.

    ``cipher``: :func:`content_cipher` of ``record_key``, if the caller keeps one."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not isinstance(sealed, dict):
        raise KeyUnavailable("the sealed content is malformed")
    nonce, ciphertext = unb64(sealed.get("nonce")), unb64(sealed.get("ciphertext"))
    if len(nonce) != NONCE_LENGTH:
        raise KeyUnavailable("the sealed content is malformed")
    try:
        plain = (AESGCM(record_key) if cipher is None else cipher).decrypt(nonce, ciphertext, aad)
        fields = loads_whole(plain.decode("utf-8"))
    except (InvalidTag, ValueError):
        raise KeyUnavailable("the sealed content does not open with its record key") from None
    if not isinstance(fields, dict):
        raise KeyUnavailable("the sealed content is malformed")
    return fields
