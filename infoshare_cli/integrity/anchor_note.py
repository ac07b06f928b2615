"""A countersigned anchor as a C2SP signed note (https://c2sp.org/signed-note).

``infoshare anchor`` prints the anchor as a signed note: a text, a blank line, then one
signature line per manager, ``— <key name> base64(key ID || Ed25519 signature)``, where
the key name is the manager's staff id and the key ID is the first four bytes of
SHA-256(key name || 0x0A || 0x01 || public key), as the signed-note specification
recommends. The text follows the layout of a C2SP tlog checkpoint
(https://c2sp.org/tlog-checkpoint)::

    infoshare-hash-chain/1f169f9ee2b04c06      <- origin: this log (its first entry's hash)
    17                                         <- the number of entries
    HxafnuKwTAZ/b9xY/vdydWL4v/9a9vOV+kK9hz46ndw=   <- base64 of entry #17's hash
    infoshare-anchor:v2:17:1f16…:2026-11-30:c244…  <- the one-line anchor (an extension line)

It is not a tlog checkpoint, and says so in its origin: the log is a hash chain, not an
RFC 6962 Merkle tree, so the third line is the hash of the newest entry of the chain (each
entry's hash covers the one before), not a Merkle tree root, and no inclusion or
consistency proof applies to it. The signed-note format is used as it is, so any signed
note tool can read the signatures.

The signatures are made with the managers' own signing keys, over the note text (always
longer than the 32-byte digests that key signs in the log, so neither can pass for the
other). ``verify --anchor`` checks them against the keys the log (or an export) lists at
the anchored entry, after checking those keys against the anchor's fingerprint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from infoshare_cli.domain.text import displayable
from infoshare_cli.domain.words import counted
from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.report import Anchor, NoteSignature

ORIGIN_PREFIX = "infoshare-hash-chain/"
ORIGIN_HASH = 16  # hex digits of the first entry's hash that name the log
DASH = "\u2014"  # em dash: every signature line starts with it and a space
ED25519 = b"\x01"  # the signed-note signature type for Ed25519
MAX_SIGNATURES = 16
COUNTERSIGNATURES = 2  # the manager who takes the anchor, and a second one


def origin_of(first_hash: str) -> str:
    """The origin line for a log whose first entry has this hash."""
    return ORIGIN_PREFIX + first_hash[:ORIGIN_HASH]


def key_id(name: str, public_key: bytes) -> bytes:
    """The signed-note key ID: SHA-256(key name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519 + public_key).digest()[:4]


def note_text(anchor: Anchor, origin: str) -> str:
    """The text the managers sign (ending in a newline)."""
    head = base64.b64encode(bytes.fromhex(anchor.hash)).decode("ascii")
    return f"{origin}\n{anchor.count}\n{head}\n{anchor.text}\n"


def signature_line(name: str, public_key: bytes, signature: bytes) -> str:
    return f"{DASH} {name} {base64.b64encode(key_id(name, public_key) + signature).decode()}\n"


def signed_note(text: str, lines: list[str]) -> str:
    return text + "\n" + "".join(lines)


_NOT_A_NOTE = (
    "That is not an anchor infoshare can read: a signed anchor is the text "
    "`infoshare anchor` printed, from its first line (infoshare-hash-chain/…) to its last "
    "signature line (— …), unchanged."
)


def parse_note(text: str, source: str = "the signed anchor") -> Anchor:
    """A signed anchor, as people copy it: Windows line ends and spaces at the ends of
    lines are fine. Raises InfoshareError."""
    from infoshare_cli.integrity.anchors import parse_anchor

    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if "" not in lines:
        raise InfoshareError(_NOT_A_NOTE + " (Its signatures are missing.)")
    blank = len(lines) - 1 - lines[::-1].index("")  # the text ends at the last blank line
    body, sig_lines = lines[:blank], lines[blank + 1 :]
    if len(body) != 4 or not body[0].startswith(ORIGIN_PREFIX):
        raise InfoshareError(_NOT_A_NOTE)
    anchor = parse_anchor(body[3])
    if anchor.keys is None or len(anchor.hash) != 64 or len(anchor.keys) != 64:
        raise InfoshareError(_NOT_A_NOTE + " (Its last line of text was changed.)")
    try:
        head = base64.b64decode(body[2], validate=True)
    except (ValueError, binascii.Error):
        head = b""
    if body[1] != str(anchor.count) or head.hex() != anchor.hash:
        raise InfoshareError(
            "The signed anchor's lines do not agree with each other (its count or hash was "
            "changed): it was edited after it was signed."
        )
    signatures = []
    for line in sig_lines[: MAX_SIGNATURES + 1]:
        match = re.fullmatch(f"{DASH} (\\S+) ([A-Za-z0-9+/=]+)", line)
        raw = b""
        if match:
            try:
                raw = base64.b64decode(match.group(2), validate=True)
            except (ValueError, binascii.Error):
                raw = b""
        if not match or len(raw) != 68:
            raise InfoshareError(
                _NOT_A_NOTE + " (One of its signature lines is damaged or incomplete.)"
            )
        signatures.append(NoteSignature(match.group(1), raw[:4], raw[4:]))
    if len(signatures) > MAX_SIGNATURES:
        raise InfoshareError(_NOT_A_NOTE + " (It has too many signature lines.)")
    return replace(
        anchor,
        source=source,
        origin=body[0],
        signed_text="\n".join(body) + "\n",
        signatures=tuple(signatures),
    )


@dataclass(frozen=True)
class Signatory:
    """Who a key name is, at the anchored entry, and the key they signed with then."""

    name: str
    public_key: str  # base64, as registered
    may_countersign: bool  # an active manager (always True when it cannot be known)


def check_signatures(
    anchor: Anchor, who: Callable[[str], Signatory | None]
) -> tuple[str | None, str]:
    """(problem, note) for a signed anchor's signatures: at least two, valid, by two
    different managers, each with the key they had at the anchored entry.

    The names come from the file being checked (an export lists its own), so they are
    named through the display filter."""
    if anchor.signed_text is None:
        return None, (
            f"{anchor.described[:1].upper()}{anchor.described[1:]} carries no signatures (a "
            "line copied by hand, or printed on a record): it pins the log, but not who took "
            "it."
        )
    valid: list[str] = []
    ignored = 0
    for sig in anchor.signatures:
        person = who(sig.name)
        if person is not None:
            person = replace(person, name=displayable(person.name))
        public = _public_key(person.public_key) if person is not None else None
        if person is None or public is None or key_id(sig.name, public) != sig.key_id:
            ignored += 1  # a key the log never had at that point: it proves nothing
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(
                sig.signature, anchor.signed_text.encode("utf-8")
            )
        except (InvalidSignature, ValueError):
            return (
                f"{person.name}'s signature on {anchor.described} is forged: it does not "
                f"match {person.name}'s key, so the anchor was changed after it was signed, "
                "or was never signed by them.",
                "",
            )
        if not person.may_countersign:
            return (
                f"{anchor.described[:1].upper()}{anchor.described[1:]} is signed by "
                f"{person.name}, who was not an active manager at entry #{anchor.count}.",
                "",
            )
        if person.name not in valid:
            valid.append(person.name)
    if len(valid) < COUNTERSIGNATURES:
        found = f"only {valid[0]}'s signature" if valid else "no signature by anyone on the staff"
        if ignored:
            found += f" ({counted(ignored, 'signature line')} by keys the log did not have then)"
        return (
            f"{anchor.described[:1].upper()}{anchor.described[1:]} is not countersigned: it "
            f"carries {found}. An anchor is signed by the manager who takes it and a second, "
            "different manager; a signature missing or made by someone else means it was not "
            "taken as infoshare takes anchors.",
            "",
        )
    return None, f"It is signed by {' and '.join(valid)}, and both signatures hold."


def _public_key(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error, TypeError):
        return None
    return raw if len(raw) == 32 else None
