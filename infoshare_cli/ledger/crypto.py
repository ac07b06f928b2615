"""Canonical JSON, hashing, Ed25519 signing and passphrase-sealed signing keys.

Pure functions only: nothing here talks to a terminal or to the log. Every entry in the log
is hashed over canonical JSON and signed with the Ed25519 key of the person who wrote it.
That key is stored in the log itself, sealed with the person's passphrase (Argon2id to
stretch the passphrase, then AES-256-GCM over the raw 32-byte key).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import json.scanner
import os
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infoshare_cli.errors import InfoshareError, WrongPassphrase

# The cryptography package is imported where it is used: commands that only read the log
# (canonical JSON and hashes are all they need from here) start ~20 ms sooner.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def __getattr__(name: str) -> Any:
    if name == "Ed25519PrivateKey":
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- canonical JSON -------------------------------------------------------------------------

# json.scanner.make_scanner: (text, index) -> (value, end); StopIteration if no JSON there.
# (typeshed wants a make_scanner as the context; the C scanner reads a decoder's settings.)
scan_json = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]


def loads_whole(text: Any) -> Any:
    """``json.loads(text)``, without its per-call wrapping, for JSON text with no space
    around it (what the log stores, and sealed content holds): the C scanner alone. Any
    other text goes to ``json.loads`` itself, so the results and errors are the same."""
    try:
        value, end = scan_json(text, 0)
    except (StopIteration, TypeError, ValueError):
        return json.loads(text)
    return value if end == len(text) else json.loads(text)


# RFC 8785 numbers are IEEE doubles: integers beyond this cannot be represented exactly by
# other JSON implementations, so a hash over them would not be reproducible elsewhere.
_MAX_SAFE_INT = 2**53 - 1


def _check_canonicalisable(obj: Any, where: str = "payload") -> None:
    """Refuse anything canonical JSON cannot represent unambiguously."""
    if obj is None or isinstance(obj, (bool, str)):
        return
    if isinstance(obj, int):
        if not -_MAX_SAFE_INT <= obj <= _MAX_SAFE_INT:
            raise ValueError(f"{where}: integer {obj} is too large for canonical JSON")
        return
    if isinstance(obj, float):
        raise ValueError(f"{where}: floats are not allowed in canonical JSON; use int or str")
    if isinstance(obj, (list, tuple)):
        for i, item in enumerate(obj):
            _check_canonicalisable(item, f"{where}[{i}]")
        return
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: object keys must be strings, not {key!r}")
            _check_canonicalisable(value, f"{where}.{key}")
        return
    raise TypeError(f"{where}: {type(obj).__name__} cannot be put in canonical JSON")


def canonical_json(obj: Any) -> bytes:
    """Serialise ``obj`` as canonical JSON (RFC 8785 style) in UTF-8.

    Keys sorted, no whitespace, non-ASCII kept as UTF-8. Only ``None``, ``bool``, ``int``
    (within +/-(2**53-1)), ``str``, lists/tuples and dicts with string keys are allowed:
    floats raise ``ValueError`` because their text form is not stable across languages.
    (Keys are sorted by code point, which matches RFC 8785's UTF-16 order for every key
    that has no characters outside the Basic Multilingual Plane.)
    """
    _check_canonicalisable(obj)
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


# --- Ed25519 --------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    if not isinstance(text, str):
        raise TypeError("expected base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def generate_private_key() -> Ed25519PrivateKey:
    """A new random Ed25519 signing key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


def _raw_private(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes_raw()


def public_key_b64(private_key: Ed25519PrivateKey) -> str:
    """The raw 32-byte public key of ``private_key``, base64 (standard alphabet)."""
    raw = private_key.public_key().public_bytes_raw()
    return _b64(raw)


def sign(private_key: Ed25519PrivateKey, data: bytes) -> str:
    """Sign ``data``; returns the 64-byte signature as base64."""
    return _b64(private_key.sign(data))


def _public_key_loader() -> Any:
    """``Ed25519PublicKey.from_public_bytes``, loaded as cheaply as possible.

    A start-up shortcut: every reader (``log -n 20``, ``show``...) checks the signatures of
    what it shows, and importing ``cryptography.hazmat.primitives`` costs ~30 ms against a
    ~170 ms target, while the Rust binding the public class is built on costs ~3 ms. The
    binding is the same code ``Ed25519PublicKey.from_public_bytes`` calls; if a release of
    ``cryptography`` moves it, the public API is used instead (the tests hold both to the
    same answers).
    """
    try:
        from cryptography.hazmat.bindings._rust import openssl as rust_openssl

        return rust_openssl.ed25519.from_public_bytes
    except (ImportError, AttributeError):  # pragma: no cover - depends on the release
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        return Ed25519PublicKey.from_public_bytes


_load_public_key: Any = None


def verify_signature(public_key_b64: str, data: bytes, signature_b64: str) -> bool:
    """True if ``signature_b64`` is a valid signature of ``data`` by ``public_key_b64``.

    Never raises: malformed keys, signatures or data all give ``False``.
    """
    global _load_public_key
    if _load_public_key is None:
        _load_public_key = _public_key_loader()
    try:
        raw_key = _unb64(public_key_b64)
        signature = _unb64(signature_b64)
        if len(raw_key) != 32 or len(signature) != 64:
            return False
        _load_public_key(raw_key).verify(signature, bytes(data))
    except Exception:  # InvalidSignature, bad base64, wrong types: the contract is "never raises"
        return False
    return True


# --- sealing a private key with a passphrase ------------------------------------------------


@dataclass(frozen=True)
class KdfCost:
    """How much an Argon2id derivation costs: memory (KiB), passes, lanes."""

    memory_kib: int
    iterations: int
    lanes: int

    def weaker_than(self, other: KdfCost) -> bool:
        """Cheaper to guess against than ``other`` (less memory, or fewer passes)."""
        return self.memory_kib < other.memory_kib or self.iterations < other.iterations


# RFC 9106 section 4, the second recommended option: 64 MiB, 3 passes, 4 lanes (for when
# the first, 2 GiB, is too much memory). ~0.15-0.4 s on the 2-core machine this was
# measured on (benchmarks/README.md); the lanes run one after another there, so 4 costs a
# defender no more than 1 and follows the RFC exactly.
RFC_9106_SECOND = KdfCost(memory_kib=65536, iterations=3, lanes=4)
# What every key sealed from now on uses. A key sealed with a weaker cost (before
# 2026-11-30: m=19 MiB, t=2, p=1) is sealed again at its owner's next unlock
# (actions/staff.reseal_if_weaker). Nothing a user can set changes it.
SEALING_COST = RFC_9106_SECOND

_KEY_LENGTH = 32
_SALT_LENGTH = 16
_NONCE_LENGTH = 12
_KDF_NAME = "argon2id"
_CIPHER_NAME = "aes-256-gcm"

# Upper bounds honoured when unsealing, so a tampered record cannot hang the machine.
_MAX_MEMORY_KIB = 1024 * 1024  # 1 GiB
_MAX_ITERATIONS = 20
_MAX_LANES = 16

_SEALED_KEYS = (
    "kdf",
    "cipher",
    "memory_kib",
    "iterations",
    "lanes",
    "salt",
    "nonce",
    "ciphertext",
    "public_key",
)


def _passphrase_bytes(passphrase: str) -> bytes:
    # NFC so that the same passphrase typed on different keyboards/OSes gives the same bytes.
    if not isinstance(passphrase, str):
        raise TypeError("passphrase must be a str")
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive_key(
    passphrase: str, salt: bytes, *, memory_kib: int, iterations: int, lanes: int
) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    kdf = Argon2id(
        salt=salt,
        length=_KEY_LENGTH,
        iterations=iterations,
        lanes=lanes,
        memory_cost=memory_kib,
    )
    return kdf.derive(_passphrase_bytes(passphrase))


def seal_private_key(
    private_key: Ed25519PrivateKey, passphrase: str, cost: KdfCost | None = None
) -> dict:
    """Encrypt ``private_key`` under ``passphrase``; returns a JSON-ready dict.

    The dict records the KDF parameters, salt, nonce, ciphertext and the public key, so it
    can be unsealed later with :func:`unseal_private_key` alone. It contains only ints and
    strings, so it can go straight into a canonical-JSON payload. ``cost``: the Argon2id
    cost, :data:`SEALING_COST` unless given (tests seal cheaper keys by passing one).
    """
    cost = cost or SEALING_COST
    salt = os.urandom(_SALT_LENGTH)
    nonce = os.urandom(_NONCE_LENGTH)
    key = _derive_key(
        passphrase,
        salt,
        memory_kib=cost.memory_kib,
        iterations=cost.iterations,
        lanes=cost.lanes,
    )
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ciphertext = AESGCM(key).encrypt(nonce, _raw_private(private_key), None)
    return {
        "kdf": _KDF_NAME,
        "cipher": _CIPHER_NAME,
        "memory_kib": cost.memory_kib,
        "iterations": cost.iterations,
        "lanes": cost.lanes,
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
        "public_key": public_key_b64(private_key),
    }


_DAMAGED = "The stored signing key is damaged or in a format this version does not understand."


def _int_param(sealed: dict, name: str, low: int, high: int) -> int:
    value = sealed[name]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InfoshareError(f"{_DAMAGED} (Its {name} setting is out of range.)")
    return value


def _bytes_param(sealed: dict, name: str, low: int, high: int) -> bytes:
    try:
        value = _unb64(sealed[name])
    except (TypeError, ValueError, binascii.Error, UnicodeError):
        raise InfoshareError(f"{_DAMAGED} (Its {name} is not valid base64.)") from None
    if not low <= len(value) <= high:
        raise InfoshareError(f"{_DAMAGED} (Its {name} has the wrong length.)")
    return value


def sealed_cost(sealed: object) -> KdfCost | None:
    """The Argon2id cost a sealed key records, or None if it records none we can read."""
    if not isinstance(sealed, dict):
        return None
    memory, iterations, lanes = (sealed.get(n) for n in ("memory_kib", "iterations", "lanes"))
    if type(memory) is not int or type(iterations) is not int or type(lanes) is not int:
        return None
    return KdfCost(memory, iterations, lanes)


def needs_resealing(sealed: object) -> bool:
    """Was this key sealed with a cost weaker than :data:`SEALING_COST` (an older version)?"""
    cost = sealed_cost(sealed)
    return cost is not None and cost.weaker_than(SEALING_COST)


def unseal_private_key(sealed: dict, passphrase: str) -> Ed25519PrivateKey:
    """Decrypt a key sealed by :func:`seal_private_key`.

    Honours the KDF parameters recorded in ``sealed`` but refuses absurd ones (more than
    1 GiB of memory, more than 20 iterations). Raises ``WrongPassphrase`` if the passphrase
    does not open it (or the ciphertext was altered) and ``InfoshareError`` if the record is
    malformed or its public key does not match the key inside.
    """
    if not isinstance(sealed, dict):
        raise InfoshareError(_DAMAGED)
    missing = [k for k in _SEALED_KEYS if k not in sealed]
    if missing:
        raise InfoshareError(f"{_DAMAGED} (Missing: {', '.join(missing)}.)")
    if sealed["kdf"] != _KDF_NAME or sealed["cipher"] != _CIPHER_NAME:
        raise InfoshareError(_DAMAGED)
    lanes = _int_param(sealed, "lanes", 1, _MAX_LANES)
    memory_kib = _int_param(sealed, "memory_kib", 8 * lanes, _MAX_MEMORY_KIB)
    iterations = _int_param(sealed, "iterations", 1, _MAX_ITERATIONS)
    salt = _bytes_param(sealed, "salt", 8, 64)
    nonce = _bytes_param(sealed, "nonce", _NONCE_LENGTH, _NONCE_LENGTH)
    ciphertext = _bytes_param(sealed, "ciphertext", 32 + 16, 32 + 16)
    public_key = _bytes_param(sealed, "public_key", 32, 32)

    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    key = _derive_key(passphrase, salt, memory_kib=memory_kib, iterations=iterations, lanes=lanes)
    try:
        raw = AESGCM(key).decrypt(nonce, ciphertext, None)
    except InvalidTag:
        raise WrongPassphrase("That passphrase is not right.") from None
    private_key = Ed25519PrivateKey.from_private_bytes(raw)
    if public_key_b64(private_key) != _b64(public_key):
        raise InfoshareError(f"{_DAMAGED} (It does not match its recorded public key.)")
    return private_key


# --- passphrase policy ----------------------------------------------------------------------

MIN_PASSPHRASE_LENGTH = 10


def check_new_passphrase(passphrase: str, about: tuple[str, ...] = ()) -> None:
    """Raise ``InfoshareError`` if ``passphrase`` is not acceptable for a new signing key.

    Long enough, and strong enough (domain/passphrases.py); ``about``: the person's name
    and other words an attacker would try first.
    """
    if not isinstance(passphrase, str) or not passphrase:
        raise InfoshareError(
            f"A passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long."
        )
    if not passphrase.strip():
        raise InfoshareError("A passphrase cannot be only spaces.")
    if len(unicodedata.normalize("NFC", passphrase)) < MIN_PASSPHRASE_LENGTH:
        raise InfoshareError(
            f"A passphrase must be at least {MIN_PASSPHRASE_LENGTH} characters long."
        )
    from infoshare_cli.domain.passphrases import strength_problem

    problem = strength_problem(passphrase, about)
    if problem is not None:
        raise InfoshareError(problem)
