"""Checking the exporter's signature over a whole JSON/JSONL export (see export_statement.py).

The entries inside an export are each signed by whoever wrote them; this checks what holds
them together: that the export's header (filters, head, keys, setting, time, exporter), its
count and its decisions, every one, are exactly what the person who ran ``export`` signed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from infoshare_cli.domain.signing import in_force
from infoshare_cli.domain.text import displayable
from infoshare_cli.domain.words import counted
from infoshare_cli.integrity.export_statement import (
    DecisionsDigest,
    decision_text,
    json_statement,
    signed_bytes,
)
from infoshare_cli.integrity.report import _HEX64, Problem
from infoshare_cli.ledger import crypto

# staff id -> [(from_seq, (public key, name))], oldest first
KeyTable = dict[str, list[tuple[int, tuple[str, str]]]]

# staff id -> [(from_seq, (role, active))], oldest first: the role history the export lists
RoleTable = dict[str, list[tuple[int, tuple[str, bool]]]]

# (staff id, seq) -> (public key or None, name)
KeyFor = Callable[[str, int], tuple[str | None, str]]

UNSIGNED = (
    "the export is not signed as a whole by the person who exported it (it was made by a "
    "version of infoshare from before 30 November 2026, or its signature was removed), so "
    "decisions or corrections could have been left out of it, or its count, filters or "
    "keys changed, without trace. Compare its fingerprint (SHA-256) with the one the log "
    "recorded (`infoshare log --exports`), or export again."
)


def read_head(head: object) -> dict[str, Any] | None:
    """The log's head as an export or a manifest records it, if well formed."""
    if (
        isinstance(head, dict)
        and type(head.get("seq")) is int
        and head["seq"] >= 0
        and isinstance(head.get("hash"), str)
        and bool(_HEX64.fullmatch(head["hash"]))
    ):
        return head
    return None


def read_key_table(
    public_keys: object, problems: list[Problem], listed: list[dict] | None = None
) -> KeyTable:
    """The staff's keys an export or a manifest lists (``public_keys``), by staff id; each
    well-formed record is also added to ``listed`` (for an anchor's fingerprint)."""
    table: KeyTable = {}
    if not isinstance(public_keys, list):
        problems.append(Problem("keys", "the export does not list the staff's public keys."))
        return table
    for item in public_keys:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("staff_id"), str)
            and isinstance(item.get("public_key"), str)
            and type(item.get("from_seq")) is int
        ):
            problems.append(Problem("keys", "one of the export's public keys is incomplete."))
            continue
        if listed is not None:
            listed.append(item)
        name = item.get("name")
        if not isinstance(name, str):
            name = item["staff_id"]
        table.setdefault(item["staff_id"], []).append(
            (item["from_seq"], (item["public_key"], name))
        )
    for entries in table.values():
        entries.sort(key=lambda pair: pair[0])
    return table


def read_role_table(listed: Sequence[dict], problems: list[Problem]) -> RoleTable | None:
    """The role history each person has in the export's key list (every key record carries
    its owner's ``roles``), by staff id; None when no record carries one (an export made
    before exports recorded roles). A history missing from some records, malformed, or told
    differently by two records of one person is a problem, and nobody's role is read."""
    if not any("roles" in item for item in listed):
        return None
    table: RoleTable = {}
    for item in listed:
        history = _role_history(item.get("roles"))
        known = table.setdefault(item["staff_id"], history or [])
        if history is None or known != history:
            name = displayable(str(item.get("name") or item["staff_id"]))[:80]
            problems.append(
                Problem(
                    "keys",
                    f"the export's list of staff keys does not give {name}'s roles in one "
                    "readable history, so who was a manager cannot be read from it.",
                )
            )
            return {}
    return table


def _role_history(roles: object) -> list[tuple[int, tuple[str, bool]]] | None:
    if not isinstance(roles, list) or not roles:
        return None
    history: list[tuple[int, tuple[str, bool]]] = []
    for record in roles:
        if not (
            isinstance(record, dict)
            and type(record.get("from_seq")) is int
            and isinstance(record.get("role"), str)
            and type(record.get("active")) is bool
        ):
            return None
        if history and record["from_seq"] <= history[-1][0]:
            return None
        history.append((record["from_seq"], (record["role"], record["active"])))
    return history


def key_for(table: KeyTable, actor: str, seq: int) -> tuple[str | None, str]:
    """The signing key for ``actor`` at entry ``seq``, by the one rule (``signing.in_force``)."""
    found = in_force(table.get(actor, ()), seq)
    return found if found is not None else (None, actor[:20])


@dataclass(frozen=True)
class Exporter:
    """Who signed the export as a whole: staff id, name, and the key that checks it."""

    staff_id: str
    name: str
    public_key: str


def exporter_key(
    signed_by: object, head: dict[str, Any] | None, key_for: KeyFor
) -> Exporter | Problem:
    """The exporter's key as the export lists it, in force just after the export's head."""
    if not isinstance(signed_by, str):
        return Problem("signature", "the export's signature does not say who signed it.")
    if head is None:
        return Problem(
            "signature",
            "the export's signature cannot be checked: the export does not record the log's "
            "head, which says which of the exporter's keys was in force.",
        )
    key, name = key_for(signed_by, head["seq"] + 1)
    if key is None:
        return Problem(
            "signature",
            f"the export is signed by staff id '{signed_by[:20]}', who has no key in the "
            "export's list of staff keys at the time of the export.",
        )
    return Exporter(signed_by, name, key)


def check_json_signature(
    data: dict[str, Any],
    decisions: Sequence[object],
    head: dict[str, Any] | None,
    key_for: KeyFor,
) -> tuple[list[Problem], Exporter | None]:
    """(problems, the exporter if their signature over the whole export holds)."""
    block = data.get("_signature")
    if block is None:
        return [Problem("signature", UNSIGNED)], None
    if not (
        isinstance(block, dict)
        and type(block.get("count")) is int
        and isinstance(block.get("decisions_sha256"), str)
        and _HEX64.fullmatch(block["decisions_sha256"])
        and isinstance(block.get("ed25519"), str)
    ):
        return [Problem("signature", "the export's signature is incomplete or damaged.")], None
    found = exporter_key(block.get("signed_by"), head, key_for)
    if isinstance(found, Problem):
        return [found], None
    header = data.get("_header") or {}
    statement = json_statement(header, found.staff_id, block["count"], block["decisions_sha256"])
    if not crypto.verify_signature(found.public_key, signed_bytes(statement), block["ed25519"]):
        return [
            Problem(
                "signature",
                f"the signature of {found.name}, who exported it, does not match the export: "
                "its details (the filters, the log's head, the list of staff keys, the "
                "setting, the time or who exported it) or its signed count were changed "
                "after it was signed, or someone else signed it.",
            )
        ], None
    problems: list[Problem] = []
    if header.get("exported_by") not in (found.name, found.staff_id):
        problems.append(
            Problem(
                "signature",
                f"the export names {str(header.get('exported_by'))[:40]!r} as the person who "
                f"exported it, but {found.name} signed it.",
            )
        )
    signed_count = block["count"]
    if data.get("count") != signed_count:
        problems.append(
            Problem(
                "count",
                f"the export says it holds {counted(data.get('count'), 'decision')}, but "
                f"{found.name} signed it holding {signed_count}: its count was changed by hand.",
            )
        )
    if len(decisions) != signed_count:
        problems.append(
            Problem(
                "count",
                f"the export holds {counted(len(decisions), 'decision')}, but {found.name} "
                f"signed it holding {signed_count}: decisions were removed from it or added "
                "to it.",
            )
        )
    if decisions_sha256(decisions) != block["decisions_sha256"]:
        problems.append(
            Problem(
                "decisions",
                f"its decisions are not the ones {found.name} signed when exporting: a "
                "decision, a co-signature or a correction was removed, added, reordered or "
                "changed since.",
            )
        )
    return problems, (found if not problems else None)


def decisions_sha256(decisions: Sequence[object]) -> str:
    """The SHA-256 of the decisions as the writer hashed them."""
    digest = DecisionsDigest()
    for decision in decisions:
        if not isinstance(decision, dict):
            return ""
        digest.add(decision_text(decision))
    return digest.hexdigest()
