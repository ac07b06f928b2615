"""Time runs forwards in the log: the rule, written once. Pure Python.

Entries are appended in order, each stamped with the computer's clock (UTC) under the
write lock, so each entry's time is at or after the one before. Clocks are not perfect:
two computers sharing a log, or a clock corrected by a few seconds, can differ a little,
so an entry may be up to :data:`CLOCK_TOLERANCE` before the newest one before it. More
than that means an entry was backdated (an insider signing "months ago") or the clock was
turned back: ``verify`` names the entry, and nobody can sign while their clock is behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from infoshare_cli.domain.words import counted

CLOCK_TOLERANCE = timedelta(minutes=5)


def parse_time(text: object) -> datetime | None:
    """A stored ``recorded_at`` (ISO 8601, UTC, ending in Z) as an aware datetime, or None."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def behind_by(newest: object, time: object) -> timedelta | None:
    """How far ``time`` lies before ``newest`` beyond the tolerance; None if it does not.

    Both are stored ``recorded_at`` texts. ISO texts in the same form compare as strings,
    so the common case (time moves forwards) costs no parsing.
    """
    if isinstance(newest, str) and isinstance(time, str) and time >= newest:
        return None
    newest_at, at = parse_time(newest), parse_time(time)
    if newest_at is None or at is None:
        return None
    gap = newest_at - at
    return gap if gap > CLOCK_TOLERANCE else None


def describe_gap(gap: timedelta) -> str:
    """'3 days', '2 hours', '17 minutes'."""
    seconds = int(gap.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            return counted(seconds // size, unit)
    return counted(seconds, "second")
