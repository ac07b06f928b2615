"""Decisions out of the log in SQL: newest first, filtered, streamed one at a time.

A decision comes out as a *review dict* with stable keys, shared by ``log --json``,
``case --json`` and the JSON/JSONL exports (see docs/export-format.md).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from infoshare_cli.domain.status import (
    AWAITING,
    CORRECTED,
    Status,
    decision_status,
    standing_cosignature,
)
from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger.case_index import CASE_INDEX_TABLE, tags_in_force
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.ledger.numbering import NUMBER_OF_SQL
from infoshare_cli.ledger.schema import AWAITING_TABLE
from infoshare_cli.ledger.sealing import payload_opener, record_key_b64
from infoshare_cli.ledger.status_sql import STATE_SQL, VALID_COSIGN
from infoshare_cli.ledger.store import Ledger

if TYPE_CHECKING:
    from infoshare_cli.reading.records import DecisionRecord
from infoshare_cli.reading.filters import OVERDUE_AFTER, Filters, _utc_bound, search_query
from infoshare_cli.reading.trust import KeyRing, describe_problem

# --- SQL --------------------------------------------------------------------------------

# The state in SQL, generated from domain.status (ledger.status_sql), so the filter can never
# disagree with the rule; a test checks it and the `decisions` view against the domain over
# every combination.
CORRECTED_SQL = """EXISTS (SELECT 1 FROM entries k WHERE k.kind = 'correction'
                     AND json_extract(k.payload, '$.decision') = +e.seq)"""
_RELATED_SQL = """
    (SELECT json_group_array(json_array(r.seq, r.kind, r.recorded_at, r.actor, r.payload,
                                        r.prev_hash, r.hash, r.signature))
     FROM (SELECT * FROM entries r
           WHERE r.kind IN ('cosign', 'correction')
             AND json_extract(r.payload, '$.decision') = +e.seq
           ORDER BY r.seq) AS r)
"""
_REVISITED_BY_SQL = """
    (SELECT json_group_array(n.seq) FROM (
        SELECT n.seq FROM entries n WHERE n.kind = 'decision'
          AND json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq
        ORDER BY n.seq) AS n)
"""


def _conditions(ledger: Ledger, filters: Filters) -> tuple[list[str], list[Any]]:
    where = ["e.kind = 'decision'"]
    params: list[Any] = []
    if filters.case is not None:  # sealed: opened in memory (ledger.sealing.reading)
        tags = tags_in_force(filters.case)
        if tags is not None:  # only the decisions the case index points at (and any untagged)
            marks = ", ".join("?" * len(tags))
            where.append(
                f"e.seq IN (SELECT decision FROM {CASE_INDEX_TABLE}"
                f" WHERE tag IN ({marks}) OR tag IS NULL)"
            )
            params.extend(tags)
        # each one opened and compared: a tag put on another decision finds nothing
        where.append("infoshare_case(e.kind, e.seq, e.payload) = ? COLLATE NOCASE")
        params.append(filters.case)
    if filters.outcome is not None:
        where.append("json_extract(e.payload, '$.outcome') = ?")
        params.append(filters.outcome)
    if filters.since is not None:
        where.append("e.recorded_at >= ?")
        params.append(_utc_bound(filters.since))
    if filters.until is not None:  # the whole of that day
        where.append("e.recorded_at < ?")
        params.append(_utc_bound(filters.until + timedelta(days=1)))
    if filters.by is not None:
        ids = staff_ids_named(ledger, filters.by)
        where.append(f"e.actor IN ({', '.join('?' * len(ids))})")
        params.extend(ids)
    if filters.search is not None:  # sealed: opened and searched in memory, never on disk
        # Per decision (its own text, then its co-signatures' and corrections'), so that a
        # list of the newest N walks back from the newest and stops at the Nth match.
        where.append(
            "(infoshare_match(e.kind, e.seq, e.payload, ?) OR EXISTS (SELECT 1 FROM entries r"
            " WHERE r.kind IN ('cosign', 'correction')"
            " AND json_extract(r.payload, '$.decision') = +e.seq"
            " AND infoshare_match(r.kind, r.seq, r.payload, ?)))"
        )
        query = search_query(filters.search)
        params.extend((query, query))
    return where, params


_ENTRY_COLUMNS = (
    "e.seq, e.kind, e.recorded_at, e.actor, e.payload, e.prev_hash, e.hash, e.signature"
)


def _select(
    ledger: Ledger,
    filters: Filters,
    extra_columns: str = "",
    only_id: int | None = None,
    columns: str = _ENTRY_COLUMNS,
    only_ids: list[int] | None = None,
    status: str = STATE_SQL,
    with_corrected: bool = False,
) -> tuple[str, list[Any]]:
    where, params = _conditions(ledger, filters)
    if with_corrected:
        extra_columns += f", {CORRECTED_SQL} AS corrected"
    if filters.status == CORRECTED:  # a flag, not a state: filtered inside
        where.append(CORRECTED_SQL)
    elif filters.status == AWAITING:
        # Only the few decisions the list of those awaiting holds (ledger.schema 0007), each
        # still checked by the rule below: a row added to the list by hand finds nothing.
        where.append(f"e.seq IN (SELECT decision FROM {AWAITING_TABLE})")
    if only_id is not None:
        where.append("e.seq = ?")
        params.append(only_id)
    if only_ids is not None:
        where.append("e.seq IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(only_ids))
    sql = f"""
        SELECT * FROM (
            SELECT {columns}, {status} AS status {extra_columns}
            FROM entries e WHERE {" AND ".join(where)}
        ) AS d
    """
    if filters.status is not None and filters.status != CORRECTED:
        sql += " WHERE d.status = ?"
        params.append(filters.status)
    return sql, params


def _in_order(sql: str, params: list[Any], limit: int, newest_first: bool) -> str:
    """``limit`` (0 = all) keeps the newest ``limit`` matches, whichever order they come in."""
    if limit:
        sql += " ORDER BY d.seq DESC LIMIT ?"
        params.append(int(limit))
        if not newest_first:  # the newest `limit`, told oldest first
            sql = f"SELECT * FROM ({sql}) ORDER BY seq"
        return sql
    return sql + (" ORDER BY d.seq DESC" if newest_first else " ORDER BY d.seq")


def iter_decisions(
    ledger: Ledger,
    filters: Filters | None = None,
    *,
    limit: int = 0,
    newest_first: bool = True,
    with_entries: bool = False,
    names: dict[str, str] | None = None,
    keyring: KeyRing | None = None,
) -> Iterator[dict[str, Any]]:
    """Review dicts for the decisions that match, streamed from SQLite.

    ``limit`` (0 = all) keeps the newest ``limit`` matches, whichever order they come in.
    ``with_entries`` adds ``entries``: the raw ledger rows behind each decision, as the
    JSON/JSONL exports carry them. With a ``keyring``, each decision and its co-signatures
    and corrections are checked as ``verify`` checks them: ``checks_ok`` and ``problems``.
    """
    filters = filters or Filters()
    names = names if names is not None else staff_names(ledger)
    sql, params = _select(ledger, filters, _REVIEW_COLUMNS)
    sql = _in_order(sql, params, limit, newest_first)
    cursor = ledger.conn.execute(sql, params)
    try:
        for row in cursor:  # noqa: UP028 (see above)
            yield _review(row, names, with_entries, keyring)
    finally:
        with contextlib.suppress(sqlite3.ProgrammingError):  # the log was closed first
            cursor.close()


_COSIGNER_SQL = f"({VALID_COSIGN.format(what='c.actor')})"
# Decision numbers (ledger.numbering), each one lookup in the numbers table's indexes.
NUMBER_SQL = NUMBER_OF_SQL.format(seq="e.seq")
_REVISITS_NUMBER_SQL = NUMBER_OF_SQL.format(seq="json_extract(e.payload, '$.revisits')")
_REVISITED_BY_NUMBERS_SQL = """
    (SELECT json_group_array(n.number) FROM (
        SELECT dn.number FROM entries n JOIN decision_numbers dn ON dn.seq = n.seq
        WHERE n.kind = 'decision'
          AND json_extract(n.payload, '$.revisits') = +e.seq AND n.seq > e.seq
        ORDER BY n.seq) AS n)
"""
_REVIEW_COLUMNS = (
    f", {_COSIGNER_SQL} AS cosigner, {_RELATED_SQL} AS related, {_REVISITED_BY_SQL} AS revisited_by"
    f", {NUMBER_SQL} AS number, {_REVISITS_NUMBER_SQL} AS revisits_number"
    f", {_REVISITED_BY_NUMBERS_SQL} AS revisited_by_numbers"
)


# The CSV export shows each decision's own fields, its people and its answers, not the raw
# ledger rows behind it, so it reads one flat row per decision instead of a review dict: its
# co-signatures and corrections as compact JSON arrays of [seq, recorded_at, actor, payload
# text], NULL when there are none (most decisions have no correction, nor any revisit). That
# spares SQLite and Python every related entry's hash and signature. The status follows from
# those three (see ``flat_status``), so SQLite works it out only to filter by it: that halves
# the index lookups per decision.
def _related_rows_sql(kind: str) -> str:
    return f"""
    (SELECT NULLIF(json_group_array(json_array(r.seq, r.recorded_at, r.actor, r.payload)), '[]')
     FROM (SELECT r.seq, r.recorded_at, r.actor, r.payload FROM entries r
           WHERE r.kind = '{kind}' AND json_extract(r.payload, '$.decision') = +e.seq
           ORDER BY r.seq) AS r)
    """


_FLAT_COLUMNS = "e.seq, e.recorded_at, e.actor, e.payload, e.hash"
_FLAT_EXTRA = (
    f", {_related_rows_sql('cosign')} AS cosigns,"
    f" {_related_rows_sql('correction')} AS corrections,"
    f" NULLIF({_REVISITED_BY_NUMBERS_SQL}, '[]') AS revisited_by,"
    f" {NUMBER_SQL} AS number, {_REVISITS_NUMBER_SQL} AS revisits_number"
)


def iter_flat_decisions(
    ledger: Ledger, filters: Filters | None = None, *, limit: int = 0
) -> Iterator[tuple]:
    """The matching decisions, oldest first (the newest ``limit`` if given), as flat rows.

    Each row is ``(seq, recorded_at, actor, payload text, hash, status or None,
    co-signatures, corrections, revisited_by, number, revisits_number)``: co-signatures,
    corrections and revisited_by (the later decisions' numbers) are JSON text or None (see
    above); number is the decision's number, revisits_number that of the one it takes
    again, or None. The same decisions, in the same order, as
    ``iter_decisions(newest_first=False)``; the status is only there when filtering by it:
    :func:`flat_status` gives it.
    """
    return _flat_rows(ledger, filters or Filters(), limit, _FLAT_COLUMNS, _FLAT_EXTRA)


def _flat_rows(
    ledger: Ledger, filters: Filters, limit: int, columns: str, extra: str
) -> Iterator[tuple]:
    status = STATE_SQL if filters.status is not None else "NULL"
    sql, params = _select(ledger, filters, extra, columns=columns, status=status)
    sql = _in_order(sql, params, limit, newest_first=False)
    cursor = ledger.conn.execute(sql, params)
    try:
        # Not ``yield from``: closing a generator left half-read (a template that fails
        # mid-export) would close the cursor through it, raising if the log is closed.
        for row in cursor:  # noqa: UP028 (see above)
            yield row
    finally:
        with contextlib.suppress(sqlite3.ProgrammingError):  # the log was closed first
            cursor.close()


# The JSON and JSONL exports carry each decision's ledger rows too, so their flat rows hold
# the decision's own stored fields and its co-signatures and corrections as one JSON array of
# whole rows (as the review dicts' query reads them), NULL when there are none.
_EXPORT_COLUMNS = "e.seq, e.recorded_at, e.actor, e.payload, e.prev_hash, e.hash, e.signature"
_EXPORT_EXTRA = (
    f", NULLIF({_RELATED_SQL}, '[]') AS related,"
    f" NULLIF({_REVISITED_BY_SQL}, '[]') AS revisited_by,"
    f" {NUMBER_SQL} AS number, {_REVISITS_NUMBER_SQL} AS revisits_number,"
    f" NULLIF({_REVISITED_BY_NUMBERS_SQL}, '[]') AS revisited_by_numbers"
)


def iter_export_decisions(
    ledger: Ledger, filters: Filters | None = None, *, limit: int = 0
) -> Iterator[tuple]:
    """The decisions a JSON/JSONL export holds, oldest first (the newest ``limit`` if
    given), as flat rows: ``(seq, recorded_at, actor, payload text, prev_hash, hash,
    signature, status or None, related, revisited_by, number, revisits_number,
    revisited_by_numbers)``. ``related`` is the co-signatures and corrections, oldest first,
    as JSON text of whole rows ``[seq, kind, recorded_at, actor, payload, prev_hash, hash,
    signature]``; ``revisited_by`` and ``revisited_by_numbers`` (the later decisions that
    take it again, by seq and by number) are JSON text; each None when empty. The same
    decisions, in the same order, as ``iter_decisions(newest_first=False)``; the status is
    only there when filtering by it: :func:`flat_status` gives it.
    """
    return _flat_rows(ledger, filters or Filters(), limit, _EXPORT_COLUMNS, _EXPORT_EXTRA)


def iter_export_ids(
    ledger: Ledger, filters: Filters | None = None, *, limit: int = 0
) -> Iterator[int]:
    """The decisions of :func:`iter_export_decisions`, in its order, by seq alone: the
    matching is done here, and each decision's row can then be read on its own
    (:func:`export_rows_of`), by this connection or by another that sees the same log."""
    for row in _flat_rows(ledger, filters or Filters(), limit, "e.seq", ""):
        yield row[0]


def export_rows_of(ledger: Ledger, seqs: list[int], with_status: bool) -> list[tuple]:
    """The rows :func:`iter_export_decisions` gives for the decisions ``seqs`` (oldest
    first; ``with_status``: as it gives them when filtering by status)."""
    status = STATE_SQL if with_status else "NULL"
    sql, params = _select(
        ledger, Filters(), _EXPORT_EXTRA, columns=_EXPORT_COLUMNS, status=status, only_ids=seqs
    )
    return ledger.conn.execute(sql + " ORDER BY d.seq", params).fetchall()


def flat_status(
    actor: str, cosigns: list[tuple[str, dict[str, Any]]], corrected: bool, superseded: bool
) -> tuple[Status, str | None]:
    """(status, co-signer's staff id or None) of a flat row, by domain.status's rule;
    ``cosigns`` is [(actor, parsed payload)], oldest first."""
    standing = standing_cosignature(actor, cosigns)
    cosigner, verdict = standing if standing else (None, None)
    return decision_status(verdict, superseded, corrected), cosigner


def get_review(ledger: Ledger, decision_id: int, with_entries: bool = True) -> dict[str, Any]:
    """One decision's review dict, or a clear error if there is no such decision."""
    sql, params = _select(ledger, Filters(), _REVIEW_COLUMNS, only_id=decision_id)
    row = ledger.conn.execute(sql, params).fetchone()
    if row is None:
        from infoshare_cli.reading.records import load_decision

        load_decision(ledger, decision_id)  # says plainly that this entry is not a decision
        raise InfoshareError(f"Entry #{decision_id} is not a decision.")
    return _review(row, staff_names(ledger), with_entries)


def count_decisions(ledger: Ledger, filters: Filters | None = None) -> int:
    sql, params = _select(ledger, filters or Filters())
    return ledger.conn.execute(f"SELECT count(*) FROM ({sql})", params).fetchone()[0]


def _review(
    row: tuple, names: dict[str, str], with_entries: bool, keyring: KeyRing | None = None
) -> dict[str, Any]:
    decision = Entry(*row[:8])
    status, cosigner, related_json, revisited_json = row[8:12]
    number, revisits_number, revisited_numbers_json = row[12:15]
    related = [Entry(*r) for r in json.loads(related_json or "[]")]
    cosigns = [e for e in related if e.kind == "cosign"]
    corrections = [e for e in related if e.kind == "correction"]
    payload = decision.payload
    review = review_dict(
        number,
        decision.seq,
        decision.recorded_at,
        payload,
        status,
        names.get(decision.actor, decision.actor),
        names.get(cosigner, cosigner) if cosigner else None,
        revisits_number,
        json.loads(revisited_json or "[]"),
        json.loads(revisited_numbers_json or "[]"),
        [(c.seq, c.recorded_at, names.get(c.actor, c.actor), c.payload) for c in cosigns],
        [(c.seq, c.recorded_at, names.get(c.actor, c.actor), c.payload) for c in corrections],
    )
    if with_entries:
        review["entries"] = [entry_dict(e) for e in [decision, *related]]
        key = record_key_b64(payload.get("record"))
        if key is not None:  # opens only this record, whose content the export holds anyway
            review["record_key"] = key
    if keyring is not None:
        add_checks(review, keyring, [decision, *related])
    return review


Related = list[tuple[Any, Any, Any, dict[str, Any]]]  # (seq, recorded_at, by, payload)


def review_dict(
    number: Any,
    seq: Any,
    recorded_at: Any,
    payload: dict[str, Any],
    status: Any,
    decided_by: Any,
    cosigned_by: Any,
    revisits_number: Any,
    revisited_by: Any,
    revisited_by_numbers: Any,
    cosigns: Related,
    corrections: Related,
) -> dict[str, Any]:
    """A decision's review dict (docs/export-format.md) from its parts: the decision's
    (opened) payload, and its co-signatures and corrections as (seq, recorded_at, by name,
    opened payload), oldest first. The one layout, for the review dicts' query and the JSON
    exports' flat rows."""
    return {
        # "number" names the decision for people (1, 2, 3 in the order taken); "id" is its
        # entry's seq, which the entries below and the revisit links are checked by.
        "number": number,
        "id": seq,
        "recorded_at": recorded_at,
        "case_ref": payload.get("case_ref"),
        "outcome": payload.get("outcome"),
        "status": status,
        "corrected": bool(corrections),
        "decided_by": decided_by,
        "cosigned_by": cosigned_by,
        "question_set": payload.get("question_set", {}),
        # Exactly as signed (a "reason" only where one was given), so an export can be
        # checked field by field against its entries.
        "answers": payload.get("answers", {}),
        "basis": payload.get("basis", []),
        "urgent": bool(payload.get("urgent", False)),
        "revisits": payload.get("revisits"),
        "revisits_number": revisits_number,
        "revisited_by": revisited_by,
        "revisited_by_numbers": revisited_by_numbers,
        "outcome_record": payload.get("outcome_record"),
        "cosignatures": [
            {
                "id": c_seq,
                "recorded_at": c_at,
                "by": by,
                "verdict": c.get("verdict"),
                "comment": c.get("comment") or None,
            }
            for c_seq, c_at, by, c in cosigns
        ],
        "corrections": [
            {
                "id": c_seq,
                "recorded_at": c_at,
                "by": by,
                "wrong": c.get("wrong"),
                "right": c.get("right"),
                "why": c.get("why"),
            }
            for c_seq, c_at, by, c in corrections
        ],
    }


def add_checks(review: dict[str, Any], keyring: KeyRing, entries: list[Entry]) -> None:
    """``checks_ok`` and ``problems``: the decision's entries checked as ``verify`` does."""
    problems = keyring.check_record(entries)
    review["checks_ok"] = all(p is None for p in problems.values())
    review["problems"] = [
        describe_problem(e.seq, e.kind, reason) for e in entries if (reason := problems[e.seq])
    ]


def entry_dict(entry: Entry) -> dict[str, Any]:
    """A ledger row as the exports carry it; ``payload`` is the stored canonical JSON text."""
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "recorded_at": entry.recorded_at,
        "actor": entry.actor,
        "payload": entry.payload_text,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
        "signature": entry.signature,
    }


# --- staff ------------------------------------------------------------------------------


def staff_names(ledger: Ledger) -> dict[str, str]:
    """Staff id -> name, for everyone ever registered.

    From the register as the staff entries build it (``Entry.payload``, so only entries in
    the shape infoshare writes: a name that is a number or a list names nobody), not from
    the ``staff`` view, which takes whatever JSON a row holds. Names are filtered for
    display (``apply_staff_entry``)."""
    from infoshare_cli.reading.register import load_register

    return {sid: member.name for sid, member in load_register(ledger).items()}


def staff_ids_named(ledger: Ledger, name: str) -> list[str]:
    names = staff_names(ledger)
    wanted = " ".join(name.split()).casefold()
    ids = [sid for sid, n in names.items() if n.casefold() == wanted]
    if not ids:
        known = ", ".join(sorted(set(names.values()))) or "nobody yet"
        raise InfoshareError(
            f"Nobody called '{name[:80]}' is registered. Registered staff: {known}."
        )
    return ids


# --- statistics -------------------------------------------------------------------------


def pending_decisions(ledger: Ledger) -> list[DecisionRecord]:
    """Decisions awaiting co-signature (domain.status: not those erased, which nobody can
    co-sign any more), oldest first."""
    from infoshare_cli.reading.records import load_decision

    sql, params = _select(ledger, Filters(status=AWAITING))
    rows = ledger.conn.execute(sql + " ORDER BY d.seq", params).fetchall()
    return [load_decision(ledger, row[0]) for row in rows]


def overdue_decisions(
    ledger: Ledger,
    now: datetime | None = None,
    older_than: timedelta = OVERDUE_AFTER,
    keyring: KeyRing | None = None,
) -> list[dict[str, Any]]:
    """Decisions awaiting co-signature for longer than ``older_than``, oldest first.

    With a ``keyring``, each is checked as ``verify`` checks it (``checks_ok``, ``problems``).
    """
    cutoff = ((now or datetime.now(UTC)) - older_than).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    names = staff_names(ledger)
    sql, params = _select(ledger, Filters(status=AWAITING), f", {NUMBER_SQL} AS number")
    sql += " AND d.recorded_at < ? ORDER BY d.seq"
    out = []
    for row in ledger.conn.execute(sql, [*params, cutoff]):
        item = {
            "number": row[-1],
            "id": row[0],
            "recorded_at": row[2],
            "case_ref": Entry(*row[:8]).payload.get("case_ref"),
            "decided_by": names.get(row[3], row[3]),
        }
        if keyring is not None:
            add_checks(item, keyring, [Entry(*row[:8])])
        out.append(item)
    return out


# --- exports ----------------------------------------------------------------------------


def export_entries(ledger: Ledger, limit: int = 0) -> Iterator[dict[str, Any]]:
    """The log's ``export`` entries, newest first: who took what off the system, and when."""
    names = staff_names(ledger)
    sql = "SELECT seq, recorded_at, actor, payload FROM entries WHERE kind = 'export' "
    sql += "ORDER BY seq DESC" + (" LIMIT ?" if limit else "")
    cursor = ledger.conn.execute(sql, [limit] if limit else [])
    try:
        opened = payload_opener()
        for seq, recorded_at, actor, payload_text in cursor:
            payload = opened(seq, "export", json.loads(payload_text))
            yield {
                "id": seq,
                "recorded_at": recorded_at,
                "exported_by": names.get(actor, actor),
                "format": payload.get("format"),
                "count": payload.get("count"),
                "file": payload.get("file"),
                "sha256": payload.get("sha256"),
                "encrypted": payload.get("encrypted"),
                "filters": payload.get("filters", {}),
            }
    finally:
        with contextlib.suppress(sqlite3.ProgrammingError):
            cursor.close()
