"""JSON and JSONL exports (the layout is in docs/export-format.md)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from infoshare_cli.outputs.files import TextSink

# --- JSON and JSONL ---------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def write_json(sink: TextSink, reviews: Iterable[dict], header: dict, **_: Any) -> int:
    sink.write("{\n")
    for key, value in header.items():
        sink.write(f"  {_dumps(key)}: {_dumps(value)},\n")
    sink.write('  "decisions": [')
    n = 0
    for review in reviews:
        sink.write(("," if n else "") + "\n    " + _dumps(review))
        n += 1
    sink.write(("\n  " if n else "") + f'],\n  "count": {n}\n}}\n')
    return n


def write_jsonl(sink: TextSink, reviews: Iterable[dict], header: dict, **_: Any) -> int:
    sink.write(_dumps({"type": "header", **header}) + "\n")
    n = 0
    for review in reviews:
        sink.write(_dumps({"type": "decision", **review}) + "\n")
        n += 1
    sink.write(_dumps({"type": "footer", "count": n}) + "\n")
    return n
