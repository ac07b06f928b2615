"""A question set as the log keeps it: a ``questions`` entry's payload holds the set's
identity (name, version, SHA-256) and its full text. Read by ``verify`` and the readers."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def question_text(payload_text: Any, sha256: str | None = None) -> str | None:
    """The set's text from a ``questions`` entry's payload, if it matches its fingerprint."""
    if not isinstance(payload_text, str):
        return None
    try:
        payload = json.loads(payload_text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(payload, dict):
        return None
    text, claimed = payload.get("text"), payload.get("sha256")
    if not isinstance(text, str) or not isinstance(claimed, str):
        return None
    if sha256 is not None and claimed != sha256:
        return None
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != claimed:
        return None
    return text
