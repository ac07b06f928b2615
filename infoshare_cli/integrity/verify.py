"""Checking a whole log: the entries, the schema, SQLite's own integrity check and anchors."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Sequence

from infoshare_cli.integrity.anchor_keys import log_rulebook
from infoshare_cli.integrity.anchors import _apply_anchor, check_log_anchor, newest_first
from infoshare_cli.integrity.beside import (
    ChecksBeside,
    IntegrityBeside,
    entries_seen,
    reads_the_file,
)
from infoshare_cli.integrity.chain import DecisionsSoFar, PassRecord, _text_factory, check_entries
from infoshare_cli.integrity.checked_heads import statement_problems
from infoshare_cli.integrity.derived import derived_problems
from infoshare_cli.integrity.erasures import record_key_problems
from infoshare_cli.integrity.outcomes import OutcomeCheck, check_outcomes
from infoshare_cli.integrity.report import Anchor, Head, Report
from infoshare_cli.integrity.schema import _integrity, _schema_problems, not_yet_applied
from infoshare_cli.integrity.signatures import PROCESSES_FROM
from infoshare_cli.ledger.numbering import numbers_of
from infoshare_cli.ledger.store import Ledger

# --- checking a log -------------------------------------------------------------------------


def verify_ledger(
    ledger: Ledger,
    *,
    anchor: Anchor | Sequence[Anchor] | None = None,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
    processes: bool | None = None,
    trusted_upto: int = 0,
) -> Report:
    """Check everything about an open log, in one read transaction (a consistent snapshot).

    Several anchors may be given: each is checked, and the newest (the most entries) is the
    one the report measures what was written since against. ``processes``: check the
    signatures in worker processes (None: when the log is large enough to gain by it).

    ``trusted_upto``: only for ``export``, resting on a checked head it trusts
    (integrity/checked_heads.py): the signatures and rules of the entries up to it, and the
    outcomes of the decisions up to it, are not checked again (their hashes and links are,
    and everything about the file as a whole); the report's ``signatures_upto`` is then for
    the caller to hold to the statement. ``verify`` never gives one."""
    conn = ledger.conn
    anchors = newest_first(anchor)
    report = Report(str(ledger.path), anchor=anchors[0] if anchors else None)
    old_factory = conn.text_factory
    conn.text_factory = _text_factory
    began = False
    try:
        if not conn.in_transaction:
            conn.execute("BEGIN")
            began = True
        total = conn.execute("SELECT max(seq) FROM entries").fetchone()[0] or 0
        tick = None
        if progress is not None:
            progress(0, total)

            def tick(done: int) -> None:
                progress(done, total)

        def entries_pass(factory: Callable[[bytes], object]) -> tuple:
            conn.text_factory = factory
            cursor = conn.execute(
                "SELECT seq, kind, recorded_at, actor, payload, prev_hash, hash, signature "
                "FROM entries ORDER BY seq"
            )
            try:
                outcomes = OutcomeCheck()
                found = check_entries(
                    cursor,
                    progress=tick,
                    threads=threads,
                    processes=workers,
                    erasures=report.erased,
                    decisions=DecisionsSoFar(conn),
                    outcomes=outcomes,
                    trusted_upto=trusted_upto,
                    record=record,
                )
                return (*found, outcomes.found)
            finally:
                cursor.close()
                conn.text_factory = _text_factory

        large = total >= PROCESSES_FROM if processes is None else processes
        # Worker processes pay off for the signatures left to check, not for the entries.
        to_check = total - min(trusted_upto, total)
        workers = to_check >= PROCESSES_FROM if processes is None else processes
        record = PassRecord()
        # On a large log, the checks that need nothing from the pass run beside it, each on
        # a connection of its own (integrity/beside.py): SQLite's own check of the file,
        # and the record keys and derived data. They use the time the pass spends
        # waiting for the signature workers, and the core it leaves free at its end.
        beside = large and reads_the_file(conn, ledger.path)
        integrity = IntegrityBeside(ledger.path) if beside else None
        checks = ChecksBeside(ledger.path, entries_seen(conn)) if beside else None
        try:
            # Text as SQLite gives it, without a call per value. Only a damaged or doctored
            # file holds text that is not UTF-8: the pass then runs again, reading such
            # text as a finding (and nothing of the first try is kept).
            checked, head, first_bad, outcomes = entries_pass(str)
        except sqlite3.OperationalError as exc:
            if "decode" not in str(exc):
                raise
            checked, head, first_bad, outcomes = entries_pass(_text_factory)
        report.first_bad = first_bad
        report.head = head
        report.trusted_upto = trusted_upto
        report.signatures_checked = record.signatures_checked
        report.signatures_sha256 = record.signatures
        report.signatures_upto = record.signatures_upto
        report.rules = record.rules
        report.entries = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        if first_bad is not None and report.entries:
            report.head = _stored_head(conn)
        found = checks.result() if checks is not None else None
        # Every decision's outcome, recomputed from its answers (up to the first bad entry:
        # what follows it cannot be trusted anyway). The pass worked them out as it went;
        # when it stopped early, or went past the first bad entry (a bad signature is
        # found after the entries that follow it were read), they are worked out again.
        if first_bad is not None:
            outcomes = check_outcomes(conn, first_bad.seq or 1)
        report.recomputed = outcomes.recomputed
        report.outcomes = outcomes.problems
        report.not_recomputed = outcomes.not_recomputed
        report.sealed = outcomes.sealed
        report.schema = _schema_problems(conn)
        report.not_yet_applied = not_yet_applied(conn)
        if found is not None:
            report.keys = record_key_problems(conn, report.erased, found.missing_keys)
        else:
            report.keys = record_key_problems(conn, report.erased)
        rows = integrity.result() if integrity is not None else None
        report.integrity = rows if rows is not None else _integrity(conn)
        report.derived = found.derived if found is not None else derived_problems(conn)
        head_seq = report.head.seq if report.head is not None else 0
        rules = record.rules if first_bad is None and record.rules else log_rulebook(conn, head_seq)
        report.checked_heads_held, report.checked_heads = statement_problems(conn, rules, head_seq)
        named = [e.decision for e in report.erased] + list(report.not_recomputed)
        report.decision_numbers = numbers_of(conn, named)
        if anchors:
            _apply_anchor(conn, report, anchors[0])
            for older in anchors[1:]:
                problem, note = check_log_anchor(conn, report.entries, older)
                report.older_anchors.append((older, problem, note))
    finally:
        if began and conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.text_factory = old_factory
    return report


def _stored_head(conn: sqlite3.Connection) -> Head | None:
    row = conn.execute(
        "SELECT seq, hash, recorded_at FROM entries ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    if row is None or not all(isinstance(v, str) for v in row[1:]):
        return None
    return Head(*row)


def verify_path(
    path: str | os.PathLike[str],
    *,
    anchor: Anchor | Sequence[Anchor] | None = None,
    progress: Callable[[int, int], None] | None = None,
    threads: int | None = None,
    processes: bool | None = None,
) -> Report:
    """Open a log read-only and check it. A file SQLite cannot read is a finding too."""
    with Ledger.open(path, readonly=True) as ledger:
        try:
            return verify_ledger(
                ledger, anchor=anchor, progress=progress, threads=threads, processes=processes
            )
        except sqlite3.DatabaseError as exc:
            anchors = newest_first(anchor)
            report = Report(str(path), anchor=anchors[0] if anchors else None)
            report.integrity = [f"SQLite cannot read the file ({str(exc)[:120]})"]
            return report
