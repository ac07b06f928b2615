"""Sealing an entry's personal fields before it is signed, and opening them after unlock.

Writers call :func:`seal_payload`; the entry's hash and signature then cover the ciphertext.
Readers unlock once, then run inside :func:`reading`: every ``Entry.payload`` read in that
block is opened with the record's key, and content that does not open is recorded in
``Opener.problems`` (seq -> why) and marked, never shown as if it were genuine.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from infoshare_cli.domain.privacy import RECORD, SEALED, merged, split_personal, unreadable
from infoshare_cli.ledger import keys as k
from infoshare_cli.ledger import keystore
from infoshare_cli.ledger.crypto import scan_json
from infoshare_cli.ledger.entries import (
    LOCKED,
    PAYLOAD_OPENER,
    Entry,
    readable_payload,
    shaped_payload,
)


def seal_payload(kind: str, payload: dict, record: str, record_key: bytes) -> dict:
    """``payload`` with its personal fields (domain.privacy) sealed under ``record_key``."""
    plain, personal = split_personal(kind, payload)
    body = dict(plain)
    body.setdefault("id", uuid.uuid4().hex)
    body[RECORD] = record
    body[SEALED] = k.seal_content(personal, record_key, k.content_aad(kind, body["id"], record))
    return body


def opened_with(entry: Entry, record_key: bytes) -> Entry:
    """An entry just written, its payload opened with the record key it was sealed with
    (so the writer can show what was recorded)."""
    import json

    parsed = json.loads(entry.payload_text)
    if type(parsed) is dict and SEALED in parsed:
        aad = k.content_aad(entry.kind, parsed["id"], parsed[RECORD])
        parsed = merged(parsed, k.open_content(parsed[SEALED], record_key, aad))
    object.__setattr__(entry, "_payload", parsed)
    return entry


class Opener:
    """Opens sealed payloads with one person's keys; remembers what did not open."""

    def __init__(self, conn: sqlite3.Connection, keys: keystore.Keys | None):
        self.conn = conn
        self.keys = keys
        self.problems: dict[int, str] = {}
        self._cipher: tuple[bytes, Any] | None = None  # the last record key's, reused

    def open(self, seq: int, kind: str, parsed: dict) -> dict:
        if self.keys is None:
            return unreadable(parsed, LOCKED)
        record = parsed.get(RECORD)
        entry_id = parsed.get("id")
        try:
            if not isinstance(record, str) or not isinstance(entry_id, str):
                raise k.KeyUnavailable("its sealed content names no record")
            key = keystore.record_key(self.conn, self.keys, record)
            last = self._cipher
            if last is None or last[0] is not key:
                last = self._cipher = (key, k.content_cipher(key))
            aad = k.content_aad(kind, entry_id, record)
            personal = k.open_content(parsed[SEALED], key, aad, last[1])
        except keystore.RecordKeyMissing as exc:
            return self._failed(seq, parsed, str(exc))
        except k.KeyUnavailable as exc:
            return self._failed(seq, parsed, str(exc))
        return merged(parsed, personal)

    def record_key_b64(self, record: object) -> str | None:
        """The key of a record this opener has opened (an export carries it, so the export's
        readable fields can be checked against its sealed entries)."""
        key = self.keys._records.get(record) if self.keys and isinstance(record, str) else None
        return k.b64(key) if key is not None else None

    def _failed(self, seq: int, parsed: dict, why: str) -> dict:
        self.problems[seq] = why
        return unreadable(parsed, why)

    def __call__(self, entry: Entry, parsed: dict) -> dict:
        return self.open(entry.seq, entry.kind, parsed)


@contextlib.contextmanager
def reading(conn: sqlite3.Connection, keys: keystore.Keys | None) -> Iterator[Opener]:
    """Open sealed payloads inside this block (``keys=None``: every one reads as locked).

    Also gives SQL on ``conn`` the functions ``infoshare_case(kind, seq, payload)`` and
    ``infoshare_match(kind, seq, payload, words)``, so filters by case and words work in queries
    without any plaintext on disk.
    """
    opener = Opener(conn, keys)
    token = PAYLOAD_OPENER.set(opener)
    holder = _Holder(opener)
    conn.create_function("infoshare_case", 3, _sql_case(holder), deterministic=True)
    conn.create_function("infoshare_match", 4, _sql_match(holder), deterministic=True)
    try:
        yield opener
    finally:
        PAYLOAD_OPENER.reset(token)
        # The connection keeps no keys after the block: its SQL functions read as locked.
        # (Swapped, not registered again: SQLite refuses that while a statement is open.)
        holder.opener = Opener(conn, None)


class _Holder:
    """The opener the connection's SQL functions use, swapped out when reading ends."""

    def __init__(self, opener: Opener):
        self.opener = opener


def payload_opener() -> Callable[[int, str, Any], Any]:
    """For writers that parse stored payload text themselves (the CSV export): a function
    (seq, kind, parsed payload) -> the payload opened as ``Entry.payload`` would open it."""
    opener = PAYLOAD_OPENER.get()

    def open_parsed(seq: int, kind: str, parsed: Any) -> dict:
        opening = None
        if isinstance(opener, Opener):
            opening = lambda body: opener.open(seq, kind, body)  # noqa: E731
        return shaped_payload(kind, parsed, opening)[0]

    return open_parsed


def text_opener() -> Callable[[int, str, Any], dict]:
    """For writers that read stored rows themselves (the JSON exports): a function
    (seq, kind, stored payload text) -> the payload exactly as ``Entry.payload`` gives it,
    opened with the keys of the reader in force (:func:`reading`), or read as locked."""
    opener = PAYLOAD_OPENER.get()
    # The C scanner alone, without json.loads' wrapping (it runs for every entry exported);
    # text it does not read whole goes the way Entry.payload reads it.
    scan = scan_json

    def open_stored(seq: int, kind: str, text: Any) -> dict:
        opening = None
        if isinstance(opener, Opener):
            opening = lambda body: opener.open(seq, kind, body)  # noqa: E731
        try:
            parsed, end = scan(text, 0)
        except (StopIteration, TypeError, ValueError, RecursionError):
            return readable_payload(kind, text, opening)[0]
        if end != len(text):
            return readable_payload(kind, text, opening)[0]
        return shaped_payload(kind, parsed, opening)[0]

    return open_stored


def opener_in_force() -> Opener | None:
    """The opener of the :func:`reading` block in force, if any."""
    opener = PAYLOAD_OPENER.get()
    return opener if isinstance(opener, Opener) else None


def record_key_b64(record: object) -> str | None:
    """:meth:`Opener.record_key_b64` of the opener in force, if any."""
    opener = PAYLOAD_OPENER.get()
    return opener.record_key_b64(record) if isinstance(opener, Opener) else None


def open_with_key(kind: str, parsed: dict, record_key: bytes) -> dict:
    """A sealed payload opened with a record key given outright (``verify --export``).
    Raises ``KeyUnavailable``."""
    record, entry_id = parsed.get(RECORD), parsed.get("id")
    if not isinstance(record, str) or not isinstance(entry_id, str):
        raise k.KeyUnavailable("its sealed content names no record")
    aad = k.content_aad(kind, entry_id, record)
    return merged(parsed, k.open_content(parsed[SEALED], record_key, aad))


def open_text(opener: Opener | None, seq: int, kind: str, payload_text: str) -> dict:
    """A stored payload text, parsed and (if sealed) opened."""
    opening = None
    if opener is not None:
        opening = lambda body: opener.open(seq, kind, body)  # noqa: E731
    return readable_payload(kind, payload_text, opening)[0]


def _sql_case(holder: _Holder):
    def case_ref(kind: str, seq: int, payload_text: str) -> str | None:
        value = open_text(holder.opener, seq, kind, payload_text).get("case_ref")
        return " ".join(value.split()) if isinstance(value, str) else None

    return case_ref


# --- words ----------------------------------------------------------------------------------

_SEARCHED_KEYS = ("reason", "comment", "wrong", "right", "why", "case_ref")
_CHOICE = re.compile(r"[a-z0-9_]*")  # "yes", "not_sought": choices, not words people search


def _texts(value: Any, key: str | None = None) -> Iterator[str]:
    if isinstance(value, dict):
        for k2, v in value.items():
            yield from _texts(v, k2)
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v, key)
    elif isinstance(value, str) and (
        key in _SEARCHED_KEYS or (key == "answer" and not _CHOICE.fullmatch(value))
    ):
        yield value


def _collect(value: Any, key: str | None, out: list[str]) -> None:
    """What :func:`_texts` yields, appended to ``out`` in the same order (no generators:
    a search opens and reads every payload, so this runs once per entry)."""
    if isinstance(value, dict):
        for k2, v in value.items():
            if isinstance(v, str):
                if k2 in _SEARCHED_KEYS or (k2 == "answer" and not _CHOICE.fullmatch(v)):
                    out.append(v)
            elif isinstance(v, dict | list):
                _collect(v, k2, out)
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, str):
                if key in _SEARCHED_KEYS or (key == "answer" and not _CHOICE.fullmatch(v)):
                    out.append(v)
            elif isinstance(v, dict | list):
                _collect(v, key, out)
    elif isinstance(value, str) and (
        key in _SEARCHED_KEYS or (key == "answer" and not _CHOICE.fullmatch(value))
    ):
        out.append(value)


def searched_text(payload: dict) -> str:
    """The text a search looks in (see :func:`searchable_words`), folded."""
    out: list[str] = []
    _collect(payload, None, out)
    return fold("\n".join(out))


def fold(text: str) -> str:
    """Text as search compares it: no accents, case-folded."""
    if text.isascii():  # most text: no accents to strip, and casefold() is lower() here
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def searchable_words(payload: dict) -> list[str]:
    """The words of what people typed in a payload (reasons, comments, corrections, text
    answers, the case reference), folded."""
    return re.findall(r"\w+", fold("\n".join(_texts(payload))))


def matches(words: list[str], terms: list[str]) -> bool:
    """Does every term start some word?"""
    return all(any(word.startswith(term) for word in words) for term in terms)


_WORD = re.compile(r"\w+")


def _term_finder(query: str) -> Callable[[str], bool]:
    """Whether folded text has every term of ``query`` at the start of some word: the same
    answer as :func:`matches` over :func:`searchable_words`, without listing the words."""
    terms = fold(query).split()
    if not all(_WORD.fullmatch(t) for t in terms):  # a term with a non-word character
        return lambda text: False  # never starts a word (words are runs of \w)
    found = [re.compile(r"(?<!\w)" + re.escape(t)).search for t in terms]
    return lambda text: all(f(text) for f in found)


def _sql_match(holder: _Holder):
    finders: dict[str, Callable[[str], bool]] = {}

    def match(kind: str, seq: int, payload_text: str, query: str) -> int:
        finder = finders.get(query)
        if finder is None:
            finder = finders[query] = _term_finder(query)
        return int(finder(searched_text(open_text(holder.opener, seq, kind, payload_text))))

    return match
