"""The plain JSON and JSONL export writers over review dicts: the reference the export's
flat-row writer (``outputs.json_export``) is checked against, byte for byte.

These are the writers the export used before it read flat rows: every decision is the
review dict ``iter_decisions(with_entries=True)`` gives (its status and co-signer worked
out in SQL, its entries read as ``Entry`` objects), turned into text by ``json.dumps``
(``decision_text``) and hashed text by text. Only the header, the signature block and the
review dicts come from infoshare.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

SignWhole = Callable[[int, str], dict[str, Any]]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


class _Digest:
    """The SHA-256 of the decisions as docs/export-format.md defines it: each decision's
    text in UTF-8, then a line feed."""

    def __init__(self) -> None:
        self.sha = hashlib.sha256()
        self.count = 0

    def add(self, text: str) -> None:
        self.sha.update(text.encode("utf-8", "surrogatepass") + b"\n")
        self.count += 1


def write_json(
    sink: Any, reviews: Iterable[dict], header: dict, sign_whole: SignWhole | None = None
) -> int:
    sink.write("{\n")
    for key, value in header.items():
        sink.write(f"  {_dumps(key)}: {_dumps(value)},\n")
    sink.write('  "decisions": [')
    digest = _Digest()
    for review in reviews:
        text = _dumps(review)
        sink.write(("," if digest.count else "") + "\n    " + text)
        digest.add(text)
    n = digest.count
    sink.write(("\n  " if n else "") + f'],\n  "count": {n}')
    if sign_whole is not None:
        sink.write(f',\n  "signature": {_dumps(sign_whole(n, digest.sha.hexdigest()))}')
    sink.write("\n}\n")
    return n


def write_jsonl(
    sink: Any, reviews: Iterable[dict], header: dict, sign_whole: SignWhole | None = None
) -> int:
    sink.write(_dumps({"type": "header", **header}) + "\n")
    digest = _Digest()
    for review in reviews:
        text = _dumps(review)
        sink.write('{"type": "decision"' + (", " + text[1:] if len(text) > 2 else "}") + "\n")
        digest.add(text)
    footer: dict[str, Any] = {"type": "footer", "count": digest.count}
    if sign_whole is not None:
        footer["signature"] = sign_whole(digest.count, digest.sha.hexdigest())
    sink.write(_dumps(footer) + "\n")
    return digest.count
