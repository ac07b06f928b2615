"""What the exporter signs over a whole export, written once for the writer and the checker.

Every export is signed as a whole by the person who ran ``export`` (with the key their
passphrase unlocked), so that nothing can be left out of it, added to it or changed in it
afterwards, count and filters included (docs/export-format.md):

- a JSON or JSONL export carries its signature at its end: over its header (everything but
  the decisions: format, setting, time, exporter, filters, the log's head, the staff's
  keys and any warning), the number of decisions and the SHA-256 of the decisions, each
  as :func:`decision_text` writes it. The writer hashes the decisions as it streams them.
- every other export (CSV, Markdown, HTML), and every encrypted one, gets a detached
  **manifest** beside it (``FILE.manifest.json``): the SHA-256 of the file's bytes, the
  same details, and the signature over them.

What is signed is the :func:`canonical` JSON of a statement, after a fixed prefix that no
ledger entry's signed bytes (a 32-byte hash) can begin with, so that an export's signature
can never pass for an entry's, nor the other way round.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

SIGNED_PREFIX = b"infoshare-export-statement/1\n"
MANIFEST_FORMAT = "infoshare-export-manifest/1"
MANIFEST_SUFFIX = ".manifest.json"
# Filters whose values are personal (a case reference, words someone typed): a manifest
# beside an encrypted export is not encrypted, so it says they were used, not what they were.
PERSONAL_FILTERS = ("case", "search")
WITHHELD = "(withheld: the export is encrypted)"


def decision_text(review: Mapping[str, Any]) -> str:
    """One decision of a JSON/JSONL export, exactly as written and as hashed."""
    return json.dumps(review, ensure_ascii=False, separators=(", ", ": "))


def canonical(value: Any) -> bytes:
    """The one byte form of a statement: sorted keys, no spaces, every non-ASCII character
    escaped (so any text read back from a file has exactly one form)."""
    return json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode(
        "ascii"
    )


def signed_bytes(statement: Mapping[str, Any]) -> bytes:
    return SIGNED_PREFIX + canonical(statement)


class DecisionsDigest:
    """The SHA-256 of the decisions of a JSON/JSONL export, fed one decision at a time."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.count = 0

    def add(self, text: str) -> None:
        self.add_encoded(text.encode("utf-8", "surrogatepass"))

    def add_encoded(self, data: bytes) -> None:
        """:meth:`add` of the text whose UTF-8 is ``data`` (a writer that has encoded it
        already: text that encodes without ``surrogatepass`` gives the same bytes with it)."""
        self._sha.update(data)
        self._sha.update(b"\n")
        self.count += 1

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def json_statement(
    header: Mapping[str, Any], signed_by: str, count: int, decisions_sha256: str
) -> dict[str, Any]:
    """What a JSON/JSONL export's signature is over."""
    return {
        "export": dict(header),
        "signed_by": signed_by,
        "count": count,
        "decisions_sha256": decisions_sha256,
    }


def sign_json_export(
    header: Mapping[str, Any],
    signed_by: str,
    count: int,
    decisions_sha256: str,
    sign: Callable[[bytes], str],
) -> dict[str, Any]:
    """The ``signature`` block at the end of a JSON/JSONL export."""
    statement = json_statement(header, signed_by, count, decisions_sha256)
    return {
        "signed_by": signed_by,
        "count": count,
        "decisions_sha256": decisions_sha256,
        "ed25519": sign(signed_bytes(statement)),
    }


def manifest_statement(
    header: Mapping[str, Any],
    *,
    signed_by: str,
    export_format: str,
    file: str,
    sha256: str,
    size: int,
    content_sha256: str | None,
    encrypted: str | None,
    count: int,
    limit: int,
) -> dict[str, Any]:
    """What a detached manifest states (and its signature is over): the file by its bytes,
    and the export's details as a JSON export's header gives them."""
    statement: dict[str, Any] = {
        "format": MANIFEST_FORMAT,
        "export_format": export_format,
        "file": file,
        "sha256": sha256,
        "size": size,
        "content_sha256": content_sha256,
        "encrypted": encrypted,
        "setting": header.get("setting"),
        "exported_at": header.get("exported_at"),
        "exported_by": header.get("exported_by"),
        "signed_by": signed_by,
        "filters": manifest_filters(header.get("filters") or {}, encrypted is not None),
        "limit": limit,
        "count": count,
        "head": header.get("head"),
        "public_keys": header.get("public_keys"),
    }
    if "warning" in header:
        statement["warning"] = header["warning"]
    return statement


def sign_manifest(statement: Mapping[str, Any], sign: Callable[[bytes], str]) -> dict[str, Any]:
    """The manifest as written: the statement and, last, its signature."""
    return {**statement, "signature": {"ed25519": sign(signed_bytes(statement))}}


def manifest_filters(filters: Mapping[str, Any], encrypted: bool) -> dict[str, Any]:
    """The filters as a manifest states them: personal values withheld beside an encrypted file."""
    if not encrypted:
        return dict(filters)
    return {
        name: (WITHHELD if name in PERSONAL_FILTERS and value is not None else value)
        for name, value in filters.items()
    }


def manifest_path_for(name: str) -> str:
    return name + MANIFEST_SUFFIX
