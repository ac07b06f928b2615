"""Days as people type them: 2026-11-29, 29/11/2026 (day first, as in the UK), today,
yesterday, 7 days ago. One reader for every place a day is asked: the wizard, answers
files and the --since/--until filters. A record always stores the day as 2026-11-29.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_AGO = re.compile(r"^(\d{1,4})\s*(day|days|d|week|weeks|w)(\s+ago)?$")
DAY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y")
# The ways of writing a day that day_help() names: words first, then formats of DAY_FORMATS.
DAY_WORDS = ("today", "yesterday", "3 days ago")
SHOWN_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def day_help(today: date | None = None) -> str:
    """What a person may type for a day, with examples made from ``today`` by the formats
    read_day reads (so the help can never name a form it refuses)."""
    today = today or date.today()
    shown = [today.strftime(f) for f in SHOWN_FORMATS]
    words = ", ".join(DAY_WORDS)
    return f"Type {words}, or a date as day/month/year ({shown[0]}) or year-month-day ({shown[1]})."


def read_day(text: str, today: date | None = None) -> date | None:
    """The day ``text`` means, or None if it is not one."""
    cleaned = " ".join(str(text).split()).lower()
    today = today or date.today()
    if cleaned in ("today", "now"):
        return today
    if cleaned == "yesterday":
        return today - timedelta(days=1)
    if cleaned == "tomorrow":
        return today + timedelta(days=1)
    match = _AGO.match(cleaned)
    if match:
        n = int(match.group(1)) * (7 if match.group(2).startswith("w") else 1)
        return today - timedelta(days=n)
    for fmt in DAY_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def as_iso_day(text: str, today: date | None = None) -> str:
    """``text`` as 2026-11-29 if it is a day, else unchanged (to be refused where checked)."""
    day = read_day(text, today)
    return day.isoformat() if day is not None else text.strip()
