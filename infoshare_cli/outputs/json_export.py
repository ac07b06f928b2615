"""JSON and JSONL exports (the layout is in docs/export-format.md).

The decisions are hashed as they are written (memory stays flat), and the exporter's
signature over the whole export (integrity/export_statement.py) comes last: in JSON after
the count, in JSONL in the footer line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from infoshare_cli.integrity.export_statement import DecisionsDigest, decision_text
from infoshare_cli.outputs.files import TextSink

# (number of decisions, SHA-256 of the decisions) -> the signature block
SignWhole = Callable[[int, str], dict[str, Any]]

# --- JSON and JSONL ---------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def write_json(
    sink: TextSink,
    reviews: Iterable[dict],
    header: dict,
    sign_whole: SignWhole | None = None,
    **_: Any,
) -> int:
    sink.write("{\n")
    for key, value in header.items():
        sink.write(f"  {_dumps(key)}: {_dumps(value)},\n")
    sink.write('  "decisions": [')
    digest = DecisionsDigest()
    for review in reviews:
        text = decision_text(review)
        sink.write(("," if digest.count else "") + "\n    " + text)
        digest.add(text)
    n = digest.count
    sink.write(("\n  " if n else "") + f'],\n  "count": {n}')
    if sign_whole is not None:
        sink.write(f',\n  "signature": {_dumps(sign_whole(n, digest.hexdigest()))}')
    sink.write("\n}\n")
    return n


def write_jsonl(
    sink: TextSink,
    reviews: Iterable[dict],
    header: dict,
    sign_whole: SignWhole | None = None,
    **_: Any,
) -> int:
    sink.write(_dumps({"type": "header", **header}) + "\n")
    digest = DecisionsDigest()
    for review in reviews:
        text = decision_text(review)
        # {"type": "decision", …the decision's own keys…}: the decision as hashed, inlined.
        sink.write('{"type": "decision"' + (", " + text[1:] if len(text) > 2 else "}") + "\n")
        digest.add(text)
    footer: dict[str, Any] = {"type": "footer", "count": digest.count}
    if sign_whole is not None:
        footer["signature"] = sign_whole(digest.count, digest.hexdigest())
    sink.write(_dumps(footer) + "\n")
    return digest.count
