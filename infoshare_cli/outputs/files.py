"""Exports: decisions written out as CSV, JSON, JSONL, Markdown or HTML, and logged.

Taking records off the system is itself recorded: :func:`run_export` writes the file
(owner-only, never over an existing file unless asked), then appends a signed ``export``
entry saying who exported what, with which filters, how many decisions, and the SHA-256 of
the file. Rows are written as they are read from SQLite, so memory stays flat however
large the log. The JSON and JSONL layouts are specified in docs/export-format.md.
No terminal code: the command passes in the signer and an optional progress callback.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger.age_files import BinaryWriter
from infoshare_cli.ledger.entries import Entry
from infoshare_cli.reading.trust import KeyRing

FORMATS = ("csv", "json", "jsonl", "md", "html")
FORMAT_VERSION = "infoshare-export/1"
EXTENSIONS = {"csv": "csv", "json": "json", "jsonl": "jsonl", "md": "md", "html": "html"}

# Text that a spreadsheet would read as a formula (or as the start of one, after a tab or a
# line break), in ASCII and full-width forms.
FORMULA_STARTS = frozenset("=+-@\t\r\n＝＋－＠")


# --- file names and files -----------------------------------------------------------------


def default_file_name(setting: str, fmt: str, today: date | None = None) -> str:
    """``little-acorns-nursery-decisions-2026-11-26.csv``: the setting and the date."""
    slug = re.sub(r"[^a-z0-9]+", "-", setting.casefold()).strip("-")[:60] or "infoshare"
    return f"{slug}-decisions-{(today or date.today()).isoformat()}.{EXTENSIONS[fmt]}"


def check_destination(path: Path, force: bool) -> None:
    """Refuse, before anything is asked or written, what cannot or must not be written."""
    if path.is_dir():
        raise InfoshareError(f"{path} is a folder. Give a file name with --out FILE.")
    if not path.parent.is_dir():
        raise InfoshareError(f"The folder {path.parent} does not exist. Create it first.")
    if (path.exists() or path.is_symlink()) and not force:
        raise InfoshareError(
            f"{path} already exists and was not overwritten. Choose another name with "
            "--out FILE, or add --force to replace it."
        )


class HashingFile:
    """A binary file that hashes every byte written to it: the SHA-256 of the file as written
    (of the encrypted bytes, when the export is sealed), or of its content before sealing."""

    def __init__(self, raw: BinaryIO | BinaryWriter):
        self._raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        self._raw.write(data)
        return len(data)

    def flush(self) -> None:
        flush = getattr(self._raw, "flush", None)
        if flush is not None:
            flush()


class TextSink:
    """What the export writers write to: text, passed on as UTF-8 bytes."""

    def __init__(self, out: BinaryIO | BinaryWriter):
        self._out = out

    def write(self, text: str) -> int:
        self._out.write(text.encode("utf-8"))
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        """Text a writer has encoded as UTF-8 itself (to hash the same bytes it writes)."""
        self._out.write(data)


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """A signed manifest as written beside its export: indented JSON, one key a line."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def verified_map(keyring: KeyRing, review: dict[str, Any]) -> dict[int, bool]:
    """Whether each entry of one exported decision passes the checks ``verify`` makes."""
    entries = [
        Entry(
            e["seq"],
            e["kind"],
            e["recorded_at"],
            e["actor"],
            e["payload"],
            e["prev_hash"],
            e["hash"],
            e["signature"],
        )
        for e in review.get("entries", [])
    ]
    return {seq: problem is None for seq, problem in keyring.check_record(entries).items()}
