"""The one display filter, and the one check of what people type. Pure Python.

Characters that can change how the rest of the screen, or of a printed record, reads:

- control characters other than tab and line breaks: escape sequences can clear the
  screen, move the cursor and print a false "intact";
- invisible format characters (Unicode category Cf), among them the bidirectional controls
  (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C): a right-to-left override makes
  "erahs t'nod" show as "don't share";
- the line and paragraph separators U+2028 and U+2029, and lone surrogates (not text).

Typed text refuses them (:func:`has_control_characters`); everything shown from the log
goes through :func:`displayable`, which replaces each with U+FFFD (a visible "�"), so a
record written by hand or by an older version can never rewrite what a reader sees.
JSON output escapes them instead (:func:`json_escaped`): the data stays exact.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Category Cf as of Unicode 15 (a test holds this to unicodedata), written out so that
# building the pattern costs nothing at start-up.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029" + _FORMAT + "]")

UNSAFE_MESSAGE = (
    "remove the control characters (such as escape codes) and invisible formatting "
    "characters (such as right-to-left overrides) from the text; they can change how a "
    "record reads on screen or on paper, so they cannot be stored"
)


def has_control_characters(text: str) -> bool:
    """Does the text hold a character that could change how the rest of it reads?"""
    return UNSAFE.search(text) is not None


def displayable(value: Any) -> Any:
    """``value`` with every unsafe character in every string replaced by U+FFFD, for showing.

    Mappings and lists are filtered all the way down (keys too); other values pass as they
    are.
    """
    if isinstance(value, str):
        return UNSAFE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {displayable(k): displayable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [displayable(v) for v in value]
    return value


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # a surrogate pair, as JSON writes characters beyond the BMP
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_escaped(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with every unsafe character
    written as a ``\\uXXXX`` escape: the same JSON value, harmless on a screen."""
    return UNSAFE.sub(_escape, text)
