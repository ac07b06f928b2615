"""Anchors: a short statement of the log's head, kept off the PC, that `verify` checks against."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from infoshare_cli.domain.signing import may_countersign
from infoshare_cli.domain.words import counted
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.integrity.anchor_keys import anchor_knows_keys, log_rulebook
from infoshare_cli.integrity.anchor_note import (
    ORIGIN_PREFIX,
    Signatory,
    check_signatures,
    origin_of,
    parse_note,
)
from infoshare_cli.integrity.export_file import NotAnExport, load_export
from infoshare_cli.integrity.report import (
    _HEX64,
    ANCHOR_PREFIX,
    ANCHOR_VERSION,
    ANCHOR_VERSION_KEYS,
    MIN_ANCHOR_HASH,
    Anchor,
    Head,
    Problem,
    Report,
)

# --- anchors --------------------------------------------------------------------------------

MAX_ANCHOR_FILE = 16_384  # bytes: a saved anchor is well under 1 KB; an export is larger


def anchor_for(
    head: Head | None, count: int, today: date | None = None, keys: str | None = None
) -> Anchor:
    """The anchor statement for a log whose newest entry is ``head``, with the fingerprint
    of its staff keys (``anchor_keys.keys_fingerprint``)."""
    if head is None:
        raise InfoshareError("The log is empty: there is nothing to anchor yet.")
    day = (today or datetime.now().astimezone().date()).isoformat()
    return Anchor(count, head.hash, day, keys=keys)


_ANCHOR_HELP = (
    "An anchor looks like infoshare-anchor:v2:42:<64 letters and digits>:2026-11-26:<64 "
    f"letters and digits>, exactly as {command('anchor')} printed it (or give the path of a "
    "file holding it, or of an earlier export)."
)


def parse_anchor(text: str) -> Anchor:
    """Read an anchor as people copy it: spaces around it and capital letters are fine."""
    if not isinstance(text, str):
        raise InfoshareError("That is not an anchor. " + _ANCHOR_HELP)
    cleaned = "".join(text.split()).lower()
    parts = cleaned.split(":")
    if len(parts) < 2 or parts[0] != ANCHOR_PREFIX:
        raise InfoshareError("That is not an infoshare anchor. " + _ANCHOR_HELP)
    if "…" in cleaned or "..." in cleaned:
        raise InfoshareError(
            "That is the example from the hint, not a real anchor. Paste the anchor line you "
            "kept, or give the file you saved the anchor in (for example "
            f"{command('verify --anchor anchor.txt')})."
        )
    if parts[1] not in (ANCHOR_VERSION, ANCHOR_VERSION_KEYS):
        raise InfoshareError(
            "That anchor is from a version of infoshare this one does not know. " + _ANCHOR_HELP
        )
    # v1: count, hash and (perhaps) date; v2: count, hash, date (perhaps empty) and keys.
    if len(parts) not in ((4, 5) if parts[1] == ANCHOR_VERSION else (6,)):
        raise InfoshareError("That is not an infoshare anchor. " + _ANCHOR_HELP)
    count_text, hash_text = parts[2], parts[3]
    if not count_text.isascii() or not count_text.isdigit() or len(count_text) > 15:
        raise InfoshareError("The anchor's entry count is not a number. " + _ANCHOR_HELP)
    count = int(count_text)
    if count < 1:
        raise InfoshareError("The anchor's entry count must be 1 or more. " + _ANCHOR_HELP)
    if not re.fullmatch(f"[0-9a-f]{{{MIN_ANCHOR_HASH},64}}", hash_text):
        raise InfoshareError(
            f"The anchor's hash must be at least {MIN_ANCHOR_HASH} of the letters a-f and "
            f"digits that {command('anchor')} printed. " + _ANCHOR_HELP
        )
    day = parts[4] if len(parts) >= 5 and parts[4] else None
    if day is not None:
        try:
            day = date.fromisoformat(day).isoformat() if len(day) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise InfoshareError("The anchor's date is not a date (YYYY-MM-DD). " + _ANCHOR_HELP)
    keys = None
    if parts[1] == ANCHOR_VERSION_KEYS:
        keys = parts[5]
        if not re.fullmatch(f"[0-9a-f]{{{MIN_ANCHOR_HASH},64}}", keys):
            raise InfoshareError(
                f"The anchor's last part (the staff keys' fingerprint) must be at least "
                f"{MIN_ANCHOR_HASH} of the letters a-f and digits that {command('anchor')} "
                "printed. " + _ANCHOR_HELP
            )
    return Anchor(count, hash_text, day, keys=keys)


def read_anchor(text: str) -> Anchor:
    """An anchor: one line, a signed anchor (several lines), or the path of a file holding
    either, or of an earlier export (its head)."""
    stripped = text.strip() if isinstance(text, str) else ""
    if stripped.lower().startswith(ORIGIN_PREFIX):
        return parse_note(stripped)
    # One line, perhaps wrapped over two when copied from an email: spaces do not count.
    if stripped.lower().startswith(ANCHOR_PREFIX) or not stripped:
        return parse_anchor(text)
    if "\n" in stripped:
        return parse_note(stripped)
    path = Path(stripped)
    try:
        is_file = path.is_file()
    except (OSError, ValueError):
        is_file = False
    if not is_file:
        return parse_anchor(text)
    kept = _anchor_file(path)
    if kept is not None:
        return kept
    try:
        export = load_export(path)
    except NotAnExport:
        raise InfoshareError(
            f"{path.name} holds no anchor. --anchor takes an anchor saved by "
            f"{command('anchor --out FILE')}, the one-line anchor (it starts "
            f"{ANCHOR_PREFIX}:), or a JSON or JSONL export from {command('export')}."
        ) from None
    head = export.get("head")
    if (
        not isinstance(head, dict)
        or type(head.get("seq")) is not int
        or head["seq"] < 1
        or not isinstance(head.get("hash"), str)
        or not _HEX64.fullmatch(head["hash"])
    ):
        raise InfoshareError(f"The export {path.name} does not record the log's head.")
    when = export.get("exported_at")
    day = (
        when[:10] if isinstance(when, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", when[:10]) else None
    )
    return Anchor(head["seq"], head["hash"], day, source=f"the export {path.name}")


def _anchor_file(path: Path) -> Anchor | None:
    """The anchor a small text file holds (as saved from `infoshare anchor`), or None if
    the file is something else (an export, say)."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_ANCHOR_FILE + 1)
    except OSError as exc:
        raise InfoshareError(f"Could not read {path}: {exc.strerror}.") from None
    if len(data) > MAX_ANCHOR_FILE:
        return None
    try:
        content = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return None
    source = f"the anchor in {path.name}"
    if content.lower().startswith(ORIGIN_PREFIX):
        return parse_note(content, source)
    if content.lower().startswith(ANCHOR_PREFIX):
        return replace(parse_anchor(content), source=source)
    return None


def check_anchor(report_entries: int, hash_at: Callable[[int], str | None], anchor: Anchor):
    """(problem, note): does the log still hold the anchored entry, with that hash?"""
    if report_entries < anchor.count:
        return (
            Problem(
                "anchor",
                f"the log has only {counted(report_entries, 'entry')}, but {anchor.described} "
                "recorded "
                f"{anchor.count}: entries have been removed from the end of the log, or an "
                "older copy of it has been put back.",
            ),
            "",
        )
    stored = hash_at(anchor.count)
    if not isinstance(stored, str) or not stored.startswith(anchor.hash):
        return (
            Problem(
                "anchor",
                f"entry #{anchor.count} no longer has the hash {anchor.described} recorded: "
                "the log has been rewritten, or replaced by a different copy (such as an "
                "older backup with new entries added since).",
            ),
            "",
        )
    grown = report_entries - anchor.count
    return None, (
        f"The log still contains {anchor.described} (entry #{anchor.count}, unchanged)"
        + (f" and {counted(grown, 'entry')} written since." if grown else ", and nothing since.")
    )


def newest_first(anchors: Anchor | Sequence[Anchor] | None) -> list[Anchor]:
    """The anchors given, the newest (most entries) first."""
    if anchors is None:
        return []
    given = [anchors] if isinstance(anchors, Anchor) else list(anchors)
    return sorted(given, key=lambda a: a.count, reverse=True)


def _hash_at(conn: sqlite3.Connection) -> Callable[[int], str | None]:
    def hash_at(seq: int) -> str | None:
        row = conn.execute("SELECT hash FROM entries WHERE seq = ?", (seq,)).fetchone()
        return row[0] if row else None

    return hash_at


def _days_since(conn: sqlite3.Connection, seq: int) -> int | None:
    """Whole days between the anchored entry and the newest one (None if unknown)."""
    row = conn.execute(
        "SELECT (SELECT recorded_at FROM entries WHERE seq = ?), "
        "(SELECT recorded_at FROM entries ORDER BY seq DESC LIMIT 1)",
        (seq,),
    ).fetchone()
    try:
        then = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00"))
        now = datetime.fromisoformat(str(row[1]).replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return max(0, (now - then).days)


def check_log_anchor(conn: sqlite3.Connection, entries: int, anchor: Anchor):
    """(problem, note): the anchored entry is still there with its hash, and the staff keys
    up to it are the ones the anchor recorded (anchors of the older form record none)."""
    problem, note = check_anchor(entries, _hash_at(conn), anchor)
    if problem is not None:
        return problem, note
    rules = log_rulebook(conn, anchor.count)
    verdict = anchor_knows_keys(anchor, rules.key_history())
    if not verdict.ok:
        return Problem("anchor", verdict.message), ""
    if anchor.origin is not None:
        first = _hash_at(conn)(1)
        if not isinstance(first, str) or origin_of(first) != anchor.origin:
            return (
                Problem(
                    "anchor",
                    f"{anchor.described} names another log ({anchor.origin}): it was taken "
                    "of a different file, or this log was replaced by another one.",
                ),
                "",
            )

    def who(staff_id: str) -> Signatory | None:
        member = rules.member_at(staff_id, anchor.count + 1)
        if member is None or not isinstance(member.public_key, str):
            return None
        return Signatory(
            member.name, member.public_key, may_countersign(member.role, member.active)
        )

    signed_problem, signed_note = check_signatures(anchor, who)
    if signed_problem is not None:
        return Problem("anchor", signed_problem), ""
    return None, f"{note} {verdict.message} {signed_note}"


def _apply_anchor(conn: sqlite3.Connection, report: Report, anchor: Anchor) -> None:
    """Check the newest anchor, and say how much of the log lies past it: entries written
    after the newest anchor could be removed without trace, so the note says how many, over
    how many days, and to take a new anchor."""
    report.anchor_problem, report.anchor_note = check_log_anchor(conn, report.entries, anchor)
    grown = report.entries - anchor.count
    if report.anchor_problem is None and grown > 0:
        days = _days_since(conn, anchor.count)
        span = f" over {counted(days, 'day')}" if days is not None else ""
        lie, be = ("lies", "is") if grown == 1 else ("lie", "are")
        report.anchor_note += (
            f" {counted(grown, 'entry')}{span} {lie} past this anchor and {be} not covered by "
            "it: take a new one (`infoshare anchor`) and keep it off this computer."
        )
