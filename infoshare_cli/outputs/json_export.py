"""JSON and JSONL exports (the layout is in docs/export-format.md).

The decisions are hashed as they are written (memory stays flat), and the exporter's
signature over the whole export (integrity/export_statement.py) comes last: in JSON after
the count, in JSONL in the footer line.

Each decision's text comes straight from a flat row (``queries.iter_export_decisions``):
its payload and those of its co-signatures and corrections opened once each, its status
worked out from them by the domain's rule (as the CSV export does), its review dict laid
out by ``queries.review_dict`` and turned into text by the C encoder that
:func:`~infoshare_cli.integrity.export_statement.decision_text` uses, without its per-call
wrapping, and its ledger rows written out after it, each text through the C string
encoder. The text is exactly ``decision_text`` of the decision's review dict from
``iter_decisions``: a test holds the two writers together byte for byte
(tests/support/json_reference.py is the plain one). Each text is encoded to UTF-8 once,
and those bytes are both hashed and written, 64 KiB at a time.

The Markdown and HTML exports read the same flat rows, into review dicts
(:func:`document_reviews`, through the same :func:`export_reviews`).
"""

from __future__ import annotations

import json
import json.encoder
import json.scanner
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from infoshare_cli.integrity.export_statement import DecisionsDigest, decision_text
from infoshare_cli.ledger.entries import ENTRY_FIELDS
from infoshare_cli.ledger.sealing import record_key_b64, text_opener
from infoshare_cli.outputs.files import TextSink

# (number of decisions, SHA-256 of the decisions) -> the signature block
SignWhole = Callable[[int, str], dict[str, Any]]

_WRITE_AT = 1 << 16  # bytes gathered before each write to the file


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _text_encoder() -> Callable[[dict[str, Any]], str]:
    """``decision_text``, without building a ``JSONEncoder`` per call: the C encoder with
    the settings ``json.dumps(ensure_ascii=False, separators=(", ", ": "))`` gives it (no
    check for circular references: a decision parsed from JSON text has none)."""
    make = getattr(json.encoder, "c_make_encoder", None)  # not in typeshed's stubs
    if make is None:  # a Python without the C accelerator: the plain way
        return decision_text
    plain = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
    encode = make(
        None,
        plain.default,
        json.encoder.encode_basestring,
        None,
        plain.key_separator,
        plain.item_separator,
        plain.sort_keys,
        plain.skipkeys,
        plain.allow_nan,
    )
    return lambda review: "".join(encode(review, 0))


def export_reviews(
    rows: Iterable[tuple], names: dict[str, str]
) -> Iterator[tuple[dict[str, Any], list[Any], dict[str, Any]]]:
    """Each decision of ``iter_export_decisions`` rows as (its review dict, without
    ``entries``; its stored entries, as rows ``[seq, kind, recorded_at, actor, payload,
    prev_hash, hash, signature]``; its opened payload).

    Must run inside ``sealing.reading`` to open sealed content, as ``iter_decisions`` must."""
    from infoshare_cli.reading.queries import flat_status, review_dict

    opened = text_opener()
    scan = json.scanner.make_scanner(json.JSONDecoder())  # type: ignore[arg-type]
    loads = json.loads
    for row in rows:
        (seq, recorded_at, actor, body, prev_hash, digest, signature, status) = row[:8]
        related, revisited, number, revisits_number, revisited_numbers = row[8:]
        payload = opened(seq, "decision", body)
        stored = [(seq, "decision", recorded_at, actor, body, prev_hash, digest, signature)]
        cosigns: list[tuple[Any, Any, Any, dict[str, Any]]] = []
        fixes: list[tuple[Any, Any, Any, dict[str, Any]]] = []
        signers: list[Any] = []
        if related is not None:
            rows_of = scan(related, 0)[0] if type(related) is str else loads(related)
            stored += rows_of
            # Opened as the review dicts' query opens them: co-signatures, then corrections.
            for r_seq, kind, r_at, r_actor, r_body, *_ in rows_of:
                if kind == "cosign":
                    signers.append(r_actor)
                    by = names.get(r_actor, r_actor)
                    cosigns.append((r_seq, r_at, by, opened(r_seq, "cosign", r_body)))
            for r_seq, kind, r_at, r_actor, r_body, *_ in rows_of:
                if kind == "correction":
                    by = names.get(r_actor, r_actor)
                    fixes.append((r_seq, r_at, by, opened(r_seq, "correction", r_body)))
        found, cosigner = flat_status(
            actor,
            [(who, c[3]) for who, c in zip(signers, cosigns, strict=True)],
            bool(fixes),
            revisited is not None,
        )
        review = review_dict(
            number,
            seq,
            recorded_at,
            payload,
            found.state if status is None else status,  # SQL's own, when filtering by it
            names.get(actor, actor),
            names.get(cosigner, cosigner) if cosigner else None,
            revisits_number,
            loads(revisited) if revisited is not None else [],
            loads(revisited_numbers) if revisited_numbers is not None else [],
            cosigns,
            fixes,
        )
        yield review, stored, payload


def decision_texts(rows: Iterable[tuple], names: dict[str, str]) -> Iterator[str]:
    """Each decision of ``iter_export_decisions`` rows as the export writes and hashes it.

    Must run inside ``sealing.reading`` to open sealed content, as ``iter_decisions`` must."""
    text_of = _text_encoder()
    fields = ENTRY_FIELDS
    for review, stored, payload in export_reviews(rows, names):
        key = record_key_b64(payload.get("record"))
        # The entries (and the record key) come last: written out here, each as json.dumps
        # writes entry_dict's dict, when they hold what the log stores (a whole number and
        # texts); otherwise as dicts, through the encoder.
        texts = [_entry_text(e) for e in stored]
        if None not in texts:
            text = text_of(review)
            yield (
                text[:-1]
                + ', "entries": ['
                + ", ".join(texts)  # type: ignore[arg-type]  # no None, checked above
                + ("]}" if key is None else '], "record_key": ' + _quoted(key) + "}")
            )
            continue
        review["entries"] = [dict(zip(fields, e, strict=True)) for e in stored]
        if key is not None:  # opens only this record, whose content the export holds anyway
            review["record_key"] = key
        yield text_of(review)


def document_reviews(rows: Iterable[tuple], names: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Each decision of ``iter_export_decisions`` rows as the Markdown and HTML exports
    print it: the review dict of ``iter_decisions(with_entries=True)`` (its ``entries``
    checked for the signature words; no ``record_key``, which a printed page does not show).
    """
    fields = ENTRY_FIELDS
    for review, stored, _ in export_reviews(rows, names):
        review["entries"] = [dict(zip(fields, e, strict=True)) for e in stored]
        yield review


_quoted = json.encoder.encode_basestring  # text as json.dumps writes it (ensure_ascii=False)


def _entry_text(stored: Any) -> str | None:
    """A stored entry ``[seq, kind, recorded_at, actor, payload, prev_hash, hash,
    signature]`` as ``decision_text`` writes its ``entry_dict``, or None if it is not a
    whole number and seven texts."""
    if len(stored) != 8 or type(stored[0]) is not int:
        return None
    seq, kind, recorded_at, actor, payload, prev_hash, digest, signature = stored
    for value in (kind, recorded_at, actor, payload, prev_hash, digest, signature):
        if type(value) is not str:
            return None
    q = _quoted
    return (
        f'{{"seq": {int.__repr__(seq)}, "kind": {q(kind)}, "recorded_at": {q(recorded_at)}, '
        f'"actor": {q(actor)}, "payload": {q(payload)}, "prev_hash": {q(prev_hash)}, '
        f'"hash": {q(digest)}, "signature": {q(signature)}}}'
    )


class _Chunks:
    """Encoded pieces gathered and written to ``sink`` about 64 KiB at a time: one write
    per few hundred decisions instead of several per decision."""

    def __init__(self, sink: TextSink) -> None:
        self.sink = sink
        self.pieces: list[bytes] = []
        self.size = 0

    def add(self, *pieces: bytes) -> None:
        self.pieces.extend(pieces)
        self.size += sum(map(len, pieces))
        if self.size >= _WRITE_AT:
            self.flush()

    def flush(self) -> None:
        self.sink.write_bytes(b"".join(self.pieces))
        self.pieces.clear()
        self.size = 0


def write_json(
    sink: TextSink,
    texts: Iterable[bytes],
    header: dict,
    sign_whole: SignWhole | None = None,
) -> int:
    """A JSON export of ``texts`` (:func:`decision_texts`, encoded to UTF-8); returns the
    count."""
    sink.write("{\n")
    for key, value in header.items():
        sink.write(f"  {_dumps(key)}: {_dumps(value)},\n")
    sink.write('  "decisions": [')
    digest = DecisionsDigest()
    chunks = _Chunks(sink)
    for data in texts:
        chunks.add(b",\n    " if digest.count else b"\n    ", data)
        digest.add_encoded(data)
    chunks.flush()
    n = digest.count
    sink.write(("\n  " if n else "") + f'],\n  "count": {n}')
    if sign_whole is not None:
        sink.write(f',\n  "signature": {_dumps(sign_whole(n, digest.hexdigest()))}')
    sink.write("\n}\n")
    return n


def write_jsonl(
    sink: TextSink,
    texts: Iterable[bytes],
    header: dict,
    sign_whole: SignWhole | None = None,
) -> int:
    """A JSONL export of ``texts`` (:func:`decision_texts`, encoded to UTF-8); returns the
    count."""
    sink.write(_dumps({"type": "header", **header}) + "\n")
    digest = DecisionsDigest()
    chunks = _Chunks(sink)
    for data in texts:
        # {"type": "decision", …the decision's own keys…}: the decision as hashed, inlined.
        if len(data) > 2:
            chunks.add(b'{"type": "decision", ', data[1:], b"\n")
        else:
            chunks.add(b'{"type": "decision"}\n')
        digest.add_encoded(data)
    chunks.flush()
    footer: dict[str, Any] = {"type": "footer", "count": digest.count}
    if sign_whole is not None:
        footer["signature"] = sign_whole(digest.count, digest.hexdigest())
    sink.write(_dumps(footer) + "\n")
    return digest.count
