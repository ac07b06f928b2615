"""Reading a JSON or JSONL export file into one dict, for `verify --export` and anchors."""

from __future__ import annotations

import json
from pathlib import Path

from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.ledger.age_files import AGE_MAGIC, is_age_file

_NOT_HEADER = ("decisions", "count", "signature")


class NotAnExport(InfoshareError):
    """The file is readable but is not an infoshare export at all."""


def load_export(path: Path) -> dict:
    """An export as one dict (JSONL is folded into the JSON shape). Raises InfoshareError.

    Besides the export's own keys: ``_header`` (the header exactly as the file has it, which
    the exporter signed), ``_signature`` (the signature block, or None), ``_jsonl``, and for
    JSONL ``_footer`` (whether the last line is there) and ``_misplaced`` (a line out of
    place)."""
    try:
        data = path.read_bytes()
        if is_age_file(data[: len(AGE_MAGIC)]):
            raise InfoshareError(
                f"{path.name} is encrypted (age format). Open it first with the age tool, "
                f"for example: age -d -o opened.json {path.name} (it asks for the file's "
                "passphrase), then check the opened file."
            )
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotAnExport(f"{path.name} is not an infoshare export (it is not text).") from None
    except OSError as exc:
        raise InfoshareError(f"Could not read {path}: {exc.strerror}.") from None
    not_export = NotAnExport(
        f"{path.name} is not an infoshare export (JSON or JSONL from {command('export')})."
    )
    try:
        whole = json.loads(text)
    except (ValueError, RecursionError):
        whole = None
    if isinstance(whole, dict):
        # What the exporter signed: every key but the decisions, their count and the
        # signature itself (taken before the keys this loader adds).
        header = {k: v for k, v in whole.items() if k not in _NOT_HEADER}
        whole.setdefault("_jsonl", False)
        whole["_header"] = header
        whole["_signature"] = whole.get("signature")
        return whole
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise not_export
    try:
        records = [json.loads(line) for line in lines]
    except (ValueError, RecursionError):
        raise not_export from None
    if not all(isinstance(r, dict) for r in records) or records[0].get("type") != "header":
        raise not_export
    export = {k: v for k, v in records[0].items() if k != "type"}
    export["decisions"] = []
    footer = None
    for i, record in enumerate(records[1:], start=2):
        kind = record.get("type")
        if kind == "decision":
            if footer is not None:
                export["_misplaced"] = i
            export["decisions"].append({k: v for k, v in record.items() if k != "type"})
        elif kind == "footer" and footer is None:
            footer = record
        else:
            export["_misplaced"] = i
    export["count"] = footer.get("count") if footer else None
    export["_header"] = {k: v for k, v in records[0].items() if k != "type"}
    export["_signature"] = footer.get("signature") if footer else None
    export["_jsonl"] = True
    export["_footer"] = footer is not None
    return export
