"""How a count is said, written once: "1 outcome", "2 outcomes", "1 entry", "3 entries".

Every message that puts a number before a noun goes through :func:`counted`, so no screen
says "1 outcomes" or "2 decision". Pure Python.
"""

from __future__ import annotations

_VOWELS = "aeiou"


def plural(noun: str) -> str:
    """The English plural of a noun the tool uses ("entry" -> "entries", "try" -> "tries",
    "sealed entry" -> "sealed entries": the last word changes). Give the plural yourself
    (``counted(n, noun, plural_form)``) for an irregular noun."""
    rest, space, last = noun.rpartition(" ")
    if last.endswith("y") and len(last) > 1 and last[-2] not in _VOWELS:
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return rest + space + last


def counted(n: object, noun: str, plural_form: str | None = None) -> str:
    """``n`` and the noun, singular for one and plural otherwise: ``counted(1, "outcome")``
    is "1 outcome", ``counted(0, "entry")`` is "0 entries". ``n`` may come from a file
    (a count an export or a migration entry claims), so it is shown whatever it is."""
    word = noun if n == 1 else (plural_form or plural(noun))
    return f"{n} {word}"
