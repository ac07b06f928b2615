"""The case index: finding one case's decisions without opening every decision.

Case references are sealed with the rest of a decision's personal content, so finding a
case used to mean opening every decision of the log. The ``case_index`` table (schema
0008) holds, for each sealed decision whose record key is in the log, a keyed hash of its
case reference (its :func:`~infoshare_cli.domain.case_refs.comparison_form`):

    tag = HMAC-SHA256(HMAC-SHA256(data key, "infoshare case index key v1"), reference)

under the data key its record key is wrapped with (``data_key``), cut to 32 hex digits.
Only someone who unlocked can work out a tag, so the file alone shows which decisions
share a case (made under one data key), never which case. ``case`` and ``log --case``
work out the tags of the typed reference under every data key the reader holds, read the
matching rows through an index, and open only those decisions to confirm them.

A trigger gives every new sealed decision a row with no tag yet, in the same transaction;
the writer that sealed it fills the tag in (:func:`index_decision`). A row without a tag
is opened by every search, so nothing is lost from ``case`` if a writer leaves it empty
(or the log was encrypted before this table existed: ``infoshare rebuild`` fills them).

Erasing a record deletes its row with its record key (``actions/erasing``), so that the
hash of an erased case reference does not stay behind to confirm a guess. Derived data,
not signed: :func:`index_problems` checks the rows against the entries without a key,
:func:`tag_problem` checks one tag with a key (``verify --as``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import sqlite3
from collections.abc import Callable, Iterable

from infoshare_cli.domain.case_refs import comparison_form
from infoshare_cli.domain.words import counted
from infoshare_cli.ledger.keystore import Keys

CASE_INDEX_TABLE = "case_index"
_KEY_MESSAGE = b"infoshare case index key v1"
_TAG_HEX = 32
_SHOWN = 20


def _index_key(data_key: bytes) -> bytes:
    return hmac.new(data_key, _KEY_MESSAGE, hashlib.sha256).digest()


def case_tag(data_key: bytes, case_ref: str) -> str:
    """The keyed hash of a case reference under one data key."""
    text = comparison_form(case_ref).encode("utf-8")
    return hmac.new(_index_key(data_key), text, hashlib.sha256).hexdigest()[:_TAG_HEX]


def tags_for(keys: Keys, case_ref: str) -> list[str]:
    """The tags of ``case_ref`` under every data key the reader holds (one per data key)."""
    return [case_tag(key, case_ref) for _, key in sorted(keys.data_keys.items())]


def has_case_index(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (CASE_INDEX_TABLE,)
    ).fetchone()
    return row is not None


def _data_key_of(conn: sqlite3.Connection, record: str) -> int | None:
    row = conn.execute("SELECT data_key FROM record_keys WHERE record = ?", (record,)).fetchone()
    return row[0] if row else None


def index_decision(
    conn: sqlite3.Connection, keys: Keys, seq: int, record: str, case_ref: object
) -> None:
    """Fill in the tag of a decision just written (inside its transaction)."""
    data_key_id = _data_key_of(conn, record)
    if data_key_id is None or data_key_id not in keys.data_keys or not isinstance(case_ref, str):
        return  # left without a tag: every search opens it
    tag = case_tag(keys.data_keys[data_key_id], case_ref)
    conn.execute(
        f"UPDATE {CASE_INDEX_TABLE} SET data_key = ?, tag = ? WHERE decision = ?",
        (data_key_id, tag, seq),
    )


def forget(conn: sqlite3.Connection, decisions: Iterable[int]) -> None:
    """Delete the rows of erased decisions (inside the erasure's transaction)."""
    for seq in decisions:
        conn.execute(f"DELETE FROM {CASE_INDEX_TABLE} WHERE decision = ?", (seq,))


def unindexed(conn: sqlite3.Connection) -> int:
    """How many rows have no tag yet (each is opened by every search for a case)."""
    if not has_case_index(conn):
        return 0
    return conn.execute(f"SELECT count(*) FROM {CASE_INDEX_TABLE} WHERE tag IS NULL").fetchone()[0]


# Every sealed decision whose record key is in the log, with that key's data key, in order.
_EXPECTED_SQL = """
    SELECT e.seq, rk.data_key FROM entries e
    JOIN record_keys rk ON rk.record = json_extract(e.payload, '$.record')
    WHERE e.kind = 'decision' ORDER BY e.seq
"""


def index_problems(conn: sqlite3.Connection) -> list[str]:
    """The rows checked against the entries without any key: one row for each decision
    whose record key is in the log (none for an erased one), under that record key's data
    key. Whether each tag is the right one needs a key: :func:`tag_problem`."""
    if not has_case_index(conn):
        return []
    expected = iter(conn.execute(_EXPECTED_SQL))  # streamed: memory stays flat
    rows = conn.execute(f"SELECT decision, data_key, tag FROM {CASE_INDEX_TABLE} ORDER BY decision")
    found: list[str] = []
    extra = 0

    def add(problem: str) -> None:
        nonlocal extra
        if len(found) < _SHOWN:
            found.append(problem)
        else:
            extra += 1

    want = next(expected, None)
    for decision, data_key, tag in rows:
        while want is not None and want[0] < decision:
            add(f"decision #{want[0]} is missing from the case index, so `case` does not find it")
            want = next(expected, None)
        if want is None or want[0] != decision:
            add(
                f"the case index names #{decision}, which is not a decision whose content can "
                "be read (erased, or not a decision)"
            )
            continue
        if (tag is None) != (data_key is None) or (
            tag is not None and (data_key != want[1] or not _is_tag(tag))
        ):
            add(f"the case index entry of decision #{decision} is not one infoshare made")
        want = next(expected, None)
    while want is not None:
        add(f"decision #{want[0]} is missing from the case index, so `case` does not find it")
        want = next(expected, None)
    if extra:
        found.append(f"and {counted(extra, 'more difference')} in the case index")
    return found


_HEX_TAG = re.compile(f"[0-9a-f]{{{_TAG_HEX}}}")


def _is_tag(tag: object) -> bool:
    # A pattern, not a loop over the characters: verify asks this of every decision.
    return isinstance(tag, str) and _HEX_TAG.fullmatch(tag) is not None


def tag_problem(conn: sqlite3.Connection, keys: Keys, seq: int, case_ref: object) -> str | None:
    """With a key: is decision ``seq``'s tag the hash of the case reference it holds?"""
    row = conn.execute(
        f"SELECT data_key, tag FROM {CASE_INDEX_TABLE} WHERE decision = ?", (seq,)
    ).fetchone()
    if row is None or row[1] is None:
        return None  # missing rows are named without a key; an empty tag is always opened
    data_key_id, tag = row
    key = keys.data_keys.get(data_key_id)
    if key is None or not isinstance(case_ref, str):
        return None
    if not hmac.compare_digest(str(tag), case_tag(key, case_ref)):
        return (
            "its entry in the case index is not its case reference's, so `case` would miss "
            "it or show it under another case (`infoshare rebuild` makes the index again)"
        )
    return None


def rebuild_case_index(
    conn: sqlite3.Connection, keys: Keys | None, case_refs: Callable[[int], object]
) -> int:
    """Make the index again (inside the caller's write transaction): a row for every
    decision whose record key is in the log, tagged where ``case_refs(seq)`` gives its
    case reference (the rebuilder opened it). Returns how many rows were tagged."""
    conn.execute(f"DELETE FROM {CASE_INDEX_TABLE}")
    conn.execute(f"INSERT INTO {CASE_INDEX_TABLE}(decision) {_EXPECTED_SEQ_SQL}")
    tagged = 0
    if keys is None:
        return 0
    for seq, data_key_id in conn.execute(_EXPECTED_SQL).fetchall():
        key = keys.data_keys.get(data_key_id)
        if key is None:
            continue  # not wrapped for this reader: left untagged, opened by every search
        ref = case_refs(seq)
        if isinstance(ref, str):
            conn.execute(
                f"UPDATE {CASE_INDEX_TABLE} SET data_key = ?, tag = ? WHERE decision = ?",
                (data_key_id, case_tag(key, ref), seq),
            )
            tagged += 1
    return tagged


_EXPECTED_SEQ_SQL = """
    SELECT e.seq FROM entries e
    JOIN record_keys rk ON rk.record = json_extract(e.payload, '$.record')
    WHERE e.kind = 'decision' ORDER BY e.seq
"""


def tags_in_force(case_ref: str) -> list[str] | None:
    """The tags of ``case_ref`` for the reader unlocked in this block
    (``sealing.reading``); None when nobody unlocked (a log from before encryption)."""
    from infoshare_cli.ledger.entries import PAYLOAD_OPENER
    from infoshare_cli.ledger.sealing import Opener

    opener = PAYLOAD_OPENER.get()
    if not isinstance(opener, Opener) or opener.keys is None:
        return None
    return tags_for(opener.keys, case_ref)
