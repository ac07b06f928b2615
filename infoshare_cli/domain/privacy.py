"""Which parts of an entry are personal (sealed) and which stay readable without a passphrase.

One rule, used by every writer and reader. What stays plaintext, and why, is listed in
SECURITY.md ("What stays readable without a passphrase"): only what `verify`, the status
rule and `stats` need, and nothing anyone typed about a child or family.
"""

from __future__ import annotations

from typing import Any

# Entry kind -> the payload fields that are sealed (AES-256-GCM under the record's key).
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "decision": ("case_ref", "answers", "basis", "outcome_record", "urgent"),
    "cosign": ("comment",),
    "correction": ("wrong", "right", "why"),
    "export": ("filters", "file"),
    # A migrated log's copy of an entry of the old plaintext log, whole (actions/migrating).
    "imported": ("original",),
}

SEALED = "sealed"  # the payload field holding the ciphertext
RECORD = "record"  # the payload field naming the record key it was sealed with
# A payload whose sealed content could not be opened carries this (never stored, never signed).
UNREADABLE = "_unreadable"


def split_personal(kind: str, payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what stays plaintext, what is sealed) of a payload about to be written."""
    personal_names = PERSONAL_FIELDS.get(kind, ())
    plain = {k: v for k, v in payload.items() if k not in personal_names}
    personal = {k: v for k, v in payload.items() if k in personal_names}
    return plain, personal


def is_sealed(payload: dict[str, Any]) -> bool:
    return SEALED in payload


def merged(payload: dict[str, Any], personal: dict[str, Any]) -> dict[str, Any]:
    """The payload as it was before sealing: plaintext fields and the opened personal ones.

    Only the fields personal to the entry's kind are taken from ``personal``: sealed content
    cannot override what the plaintext (and so the chain) says.
    """
    out = dict(payload)  # every field but the ciphertext, in order (every reader's every
    out.pop(SEALED, None)  # entry passes here: a copy and a pop, not a comprehension)
    for key, value in personal.items():
        if key not in out:
            out[key] = value
    return out


def unreadable(payload: dict[str, Any], why: str) -> dict[str, Any]:
    """The plaintext part of a payload whose content did not open, marked as such."""
    out = {k: v for k, v in payload.items() if k != SEALED}
    out[UNREADABLE] = why
    return out
