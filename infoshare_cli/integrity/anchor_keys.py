"""Which staff keys an anchor knows: a fingerprint of the signing keys up to its head.

A log, or an export, lists the staff's public keys itself, so on its own it can only show
that its entries match *the keys it lists*: someone who rewrites it can list new keys. An
anchor kept off the computer carries a fingerprint of every signing key registered up to
its head, so trust in the keys comes from outside the file: the keys a log or an export
lists up to that head must give the same fingerprint, and a key registered after the head
is one the anchor cannot vouch for.

The fingerprint is the SHA-256 (hex) of one canonical JSON line per key, in the order of
the log: ``{"from_seq":n,"name":…,"public_key":…,"staff_id":…}\\n``, for every key in the
key history (``Rulebook.key_history``, the same list an export's ``public_keys`` holds)
registered by an entry up to and including the head. Replaced keys (a passphrase change or
reset) stay in it, so it covers who could sign what at every point, not only today's keys.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from infoshare_cli.domain.signing import KeyRecord, Rulebook
from infoshare_cli.integrity.chain import _load_object
from infoshare_cli.integrity.report import Anchor

KEY_FIELDS = ("staff_id", "name", "public_key", "from_seq")


def _line(key: Mapping[str, Any]) -> str:
    record = {name: key.get(name) for name in KEY_FIELDS}
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def _order(key: Mapping[str, Any]) -> tuple:
    seq = key.get("from_seq")
    return (seq if type(seq) is int else -1, str(key.get("staff_id")), str(key.get("public_key")))


def keys_fingerprint(keys: Iterable[Mapping[str, Any]], upto: int) -> str:
    """The fingerprint of the signing keys registered by entries #1 to #``upto``."""
    digest = hashlib.sha256()
    for key in sorted(
        (k for k in keys if type(k.get("from_seq")) is int and k["from_seq"] <= upto),
        key=_order,
    ):
        digest.update(_line(key).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class KeyCheck:
    """What an anchor says about a list of keys.

    ``ok`` is False when the keys are not the ones the anchor knows (``message`` says
    why, in words that complete nothing: a whole sentence). ``checked`` is False when the
    anchor is of the older form, which records no keys (``ok`` is then True: it cannot
    say they are wrong, and ``message`` says so).
    """

    ok: bool
    checked: bool
    message: str


def anchor_knows_keys(
    anchor: Anchor,
    keys: Iterable[Mapping[str, Any]],
    used: Collection[tuple[str, str]] | None = None,
) -> KeyCheck:
    """Does ``anchor`` know these keys?

    ``keys``: every signing key a log or an export lists, as ``KeyRecord``-shaped dicts
    (``staff_id``, ``name``, ``public_key``, ``from_seq``: an export's ``public_keys``).
    The keys registered up to the anchor's head must be exactly the ones it recorded. A
    key registered after its head is unknown to it: ``used`` names the keys that matter
    (``(staff_id, public_key)`` pairs that sign something being checked); by default every
    key listed must be known.
    """
    keys = list(keys)
    if anchor.keys is None:
        return KeyCheck(
            True,
            False,
            f"{anchor.described[:1].upper()}{anchor.described[1:]} does not record the staff's "
            "signing keys (anchors taken before 2026-11-30 do not), so the keys were not "
            "checked against it.",
        )
    fingerprint = keys_fingerprint(keys, anchor.count)
    if not fingerprint.startswith(anchor.keys):
        return KeyCheck(
            False,
            True,
            f"The staff's signing keys up to entry #{anchor.count} are not the ones "
            f"{anchor.described} recorded: a key was added, replaced or renamed since, so "
            "signatures made with it prove nothing.",
        )
    later = [
        k
        for k in keys
        if type(k.get("from_seq")) is int
        and k["from_seq"] > anchor.count
        and (used is None or (k.get("staff_id"), k.get("public_key")) in used)
    ]
    if later:
        first = min(later, key=_order)
        return KeyCheck(
            False,
            True,
            f"{first.get('name') or first.get('staff_id')}'s key (registered at entry "
            f"#{first['from_seq']}) signs what is being checked, but {anchor.described} "
            f"(entry #{anchor.count}) does not know it: check against a newer anchor.",
        )
    return KeyCheck(
        True,
        True,
        f"The staff's signing keys match the ones {anchor.described} recorded.",
    )


def log_rulebook(conn: sqlite3.Connection, upto: int) -> Rulebook:
    """The staff register of a log up to entry ``upto``, from its staff entries.

    For a log whose entries passed ``verify`` (its caller checks them): each staff entry is
    folded into the register as the tool wrote it; one that does not fold ends it.
    """
    rules = Rulebook()
    rows = conn.execute(
        "SELECT seq, payload FROM entries WHERE kind = 'staff' AND seq <= ? ORDER BY seq",
        (upto,),
    )
    for seq, text in rows:
        payload = _load_object(text) if isinstance(text, str) else None
        if payload is None or type(seq) is not int:
            break
        try:
            rules.apply(seq, payload)
        except (KeyError, TypeError, AttributeError, ValueError):
            break
    return rules


def log_key_history(conn: sqlite3.Connection, upto: int) -> list[KeyRecord]:
    """The key history of a log up to entry ``upto`` (see :func:`log_rulebook`)."""
    return log_rulebook(conn, upto).key_history()
