"""The JSON and JSONL exports' flat-row writer, held byte for byte to the plain one.

The export builds each decision's text from one flat row (``iter_export_decisions``), its
status worked out in Python; tests/support/json_reference.py writes the same export from
the review dicts of ``iter_decisions`` with ``json.dumps``, as the export did before. The
two must agree byte for byte, signature block (and so the hash of the decisions) included,
over every status, corrections, revisits, self co-signatures, erased decisions, filters and
limits, payloads of odd shapes (domain/shapes.py), quotes, line breaks, non-ASCII and NUL.
"""

from __future__ import annotations

import io
import json

import pytest
from support import json_reference
from support.erasing import decide_with_record
from support.exporting import export_and_verify
from support.people import ALEX, PRIYA, SAM, signer
from support.reading import append_as, read_as
from support.review_log import payload_for, signers
from support.tricky_log import add_tricky_decisions

from infoshare_cli.actions.erasing import erase_decisions
from infoshare_cli.ledger.entries import compute_hash
from infoshare_cli.outputs import json_export, text_workers
from infoshare_cli.outputs.files import TextSink
from infoshare_cli.reading.erasures import erased_decisions
from infoshare_cli.reading.filters import make_filters
from infoshare_cli.reading.queries import (
    iter_decisions,
    iter_export_ids,
    staff_names,
)

TRICKY = ['say "no"', "a\r\nb", "back\\slash", "nul\x00here", "é ✓ 𝄞", "", "  -", "\t=1", "}{"]
HEADER = {"format": "infoshare-export/1", "setting": "Oak ✓", "warning": 'a "b"\n'}


def _sign(n: int, digest: str) -> dict:
    return {"count": n, "decisions_sha256": digest}


def _both(ledger, fmt, filters=None, limit=0, reader=ALEX):
    """(plain, flat) exports as bytes, each with its count; erased decisions left out, as
    ``run_export`` leaves them out."""
    outs = []
    for flat in (False, True):
        raw = io.BytesIO()
        sink = TextSink(raw)
        with read_as(ledger, reader) if reader else _nothing():
            erased = set(erased_decisions(ledger))
            names = staff_names(ledger)
            if flat:
                # As run_export picks them: by seq, then each decision's row on its own
                ids = iter_export_ids(ledger, filters, limit=limit)
                kept = (seq for seq in ids if seq not in erased)
                with_status = filters is not None and filters.status is not None
                texts = text_workers.encoded_texts(ledger, kept, names, with_status)
                write = json_export.write_json if fmt == "json" else json_export.write_jsonl
                count = write(sink, texts, HEADER, _sign)
            else:
                reviews = iter_decisions(
                    ledger, filters, limit=limit, newest_first=False, with_entries=True
                )
                reviews = (r for r in reviews if r["id"] not in erased)
                write = json_reference.write_json if fmt == "json" else json_reference.write_jsonl
                count = write(sink, reviews, HEADER, _sign)
        outs.append((count, raw.getvalue()))
    return outs


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _raw_entry(ledger, kind, actor_signer, payload_text):
    """A row as someone with the file would write it (the tool refuses such payloads)."""
    head = ledger.head()
    seq, at = head.seq + 1, head.recorded_at
    digest = compute_hash(seq, kind, at, actor_signer.staff_id, payload_text, head.hash)
    row = (seq, kind, at, actor_signer.staff_id, payload_text, head.hash, digest, "A" * 88)
    ledger.conn.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
    ledger.conn.commit()
    return seq


@pytest.fixture
def tricky_log(staffed_log):
    """Every status, several and self co-signatures, corrections, revisits, erasures, odd
    shapes sealed and in the clear, and text with quotes, line breaks, NUL and non-ASCII."""
    with staffed_log.open() as ledger:
        s = signers(ledger)
        outcomes = ("do_not_share", "seek_advice", "share")
        add_tricky_decisions(ledger, s, TRICKY * 2, outcomes, second_correction=True)
        # Sealed content of odd shapes: opened, then the fields of the wrong type left out.
        odd = {"case_ref": ["C-9"], "answers": {"purpose": {"answer": 3}}, "outcome": 7,
               "basis": "not a list", "urgent": "yes", "question_set": {"name": 1},
               "outcome_record": [], "revisits": "1", "extra": {"x": 1}}  # fmt: skip
        odd_id = append_as(ledger, "decision", s[SAM], odd).seq
        append_as(ledger, "cosign", s[ALEX], {"decision": odd_id, "verdict": 1, "comment": []})
        append_as(ledger, "cosign", s[PRIYA], {"decision": odd_id, "verdict": "agree"})
        append_as(ledger, "correction", s[ALEX], {"decision": odd_id, "wrong": ["x"], "why": 2})
        form = payload_for("share_without_consent", "C-F")
        form["answers"]["form_like"] = {"answer": {"a": {"answer": "x"}, "b": {"answer": ["y"]}}}
        form["urgent"] = True
        append_as(ledger, "decision", s[PRIYA], form)
        # Erased decisions (and their co-signatures) are left out; one revisited is not.
        alex, priya = signer(ledger, ALEX), signer(ledger, PRIYA)
        gone, _ = decide_with_record(ledger, alex, "C-GONE")
        append_as(ledger, "cosign", s[PRIYA], {"decision": gone, "verdict": "agree"})
        kept, _ = decide_with_record(ledger, alex, "C-KEPT")
        decide_with_record(ledger, priya, "C-KEPT", revisits=gone)
        why = "A child's name was typed as the case reference."
        erase_decisions(ledger, alex, priya, [gone], "mistake", why)
        append_as(ledger, "cosign", s[PRIYA], {"decision": kept, "verdict": "disagree"})
        # Content that does not open (its record key destroyed outside the tool).
        _, lost = decide_with_record(ledger, alex, "C-LOST")
        ledger.conn.execute("DELETE FROM record_keys WHERE record = ?", (lost,))
        ledger.conn.commit()
        # Rows in the clear that are not what infoshare writes: not an object, spaced,
        # a plaintext decision with fields of the wrong type.
        plain = {"case_ref": {"a": 1}, "outcome": "do_not_share", "answers": [],
                 "question_set": "x", "record": 5}  # fmt: skip
        floats = {"outcome": "share", "answers": {"purpose": {"answer": "no", "n": 1.5,
                  "big": 1e300}}}  # fmt: skip
        for text in ("[1, 2]", " {} ", json.dumps(plain), json.dumps(floats)):
            seq = _raw_entry(ledger, "decision", s[SAM], text)
        _raw_entry(ledger, "cosign", s[ALEX], json.dumps({"decision": seq, "verdict": "agree"}))
    return staffed_log


FILTERS = [
    {},
    {"status": "awaiting"},
    {"status": "agreed"},
    {"status": "not-agreed"},
    {"status": "superseded"},
    {"status": "corrected"},
    {"case": "C-1"},
    {"outcome": "do_not_share"},
    {"by": SAM},
    {"search": "nul"},
]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_flat_json_writer_matches_the_plain_writer_byte_for_byte(tricky_log, fmt):
    found: dict[str, int] = {}
    with tricky_log.open() as ledger:
        for given in FILTERS:
            filters = make_filters(**given)
            for limit in (0, 1, 4):
                (n_plain, plain), (n_flat, flat) = _both(ledger, fmt, filters, limit)
                assert n_plain == n_flat
                assert flat == plain, (given, limit)
                found[str(given)] = max(found.get(str(given), 0), n_flat)
        (count, whole), _ = _both(ledger, fmt)
    # The log really holds what the test is about: every filter finds some decisions.
    assert all(found.values()), found
    assert count == len(TRICKY) * 2 + 2 + 1 + 1 + 1 + 4  # the erased one left out
    text = whole.decode("utf-8")
    statuses = ("superseded", "not agreed", "agreed", "awaiting co-signature")
    for needle in ('\\"no\\"', "\\r\\n", "\\u0000", "é ✓ 𝄞", '"corrected": true', "C-KEPT",
                   '"record_key"', *(f'"status": "{s}"' for s in statuses)):  # fmt: skip
        assert needle in text, needle
    assert "C-GONE" not in text and "C-LOST" not in text


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_flat_json_writer_matches_when_nothing_opens(tricky_log, fmt):
    """Outside a reader's unlock every sealed payload reads as locked, in both writers."""
    with tricky_log.open() as ledger:
        (n_plain, plain), (n_flat, flat) = _both(ledger, fmt, reader=None)
    assert n_plain == n_flat and flat == plain
    assert b"C-KEPT" not in flat and b"record_key" not in flat  # nothing sealed shows


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_flat_json_writer_matches_on_the_review_log(review_log_path, fmt):
    with review_log_path.open() as ledger:
        (n_plain, plain), (n_flat, flat) = _both(ledger, fmt)
    assert n_plain == n_flat == 5 and flat == plain


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_flat_json_writer_with_no_decisions(staffed_log, fmt):
    with staffed_log.open() as ledger:
        (n_plain, plain), (n_flat, flat) = _both(ledger, fmt)
    assert n_plain == n_flat == 0 and flat == plain


@pytest.fixture
def review_log_path(_template_log, tmp_path):
    import shutil

    from support.people import StaffedLog
    from support.review_log import build_review_log

    path = tmp_path / "log.sqlite3"
    shutil.copy(_template_log, path)
    build_review_log(path)
    return StaffedLog(path)


@pytest.fixture
def sound_log(staffed_log):
    """A log that passes ``verify``, with text of every awkward kind, co-signatures,
    corrections, a revisit and an erasure."""
    with staffed_log.open() as ledger:
        s = signers(ledger)
        ids = []
        for n, text in enumerate(TRICKY):
            body = payload_for("do_not_share", f"C-{n}")
            body["case_ref"] = text or "C-0"  # as a hand-written file might hold it
            body["answers"]["purpose"]["reason"] = text or "none"
            if n == 3:
                body["revisits"] = ids[-1]
            entry = append_as(ledger, "decision", s[SAM], body)
            ids.append(entry.seq)
            if n % 3:
                cosign = {"decision": entry.seq, "decision_hash": entry.hash,
                          "verdict": ("agree", "disagree")[n % 2], "comment": text}  # fmt: skip
                append_as(ledger, "cosign", s[(ALEX, PRIYA)[n % 2]], cosign)
            if n % 4 == 2:
                fix = {"decision": entry.seq, "wrong": text, "right": "r", "why": text or "w"}
                append_as(ledger, "correction", s[ALEX], fix)
        alex, priya = signer(ledger, ALEX), signer(ledger, PRIYA)
        gone, _ = decide_with_record(ledger, alex, "C-GONE")
        erase_decisions(ledger, alex, priya, [gone], "mistake", "A name typed as the case.")
    return staffed_log


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_the_exported_file_verifies_and_matches_the_plain_writer(cli, sound_log, tmp_path, fmt):
    """Through the command: ``verify --export`` passes the file, and its decisions are the
    plain writer's, byte for byte."""
    written = export_and_verify(cli, sound_log.path, fmt, tmp_path / f"all.{fmt}")
    with sound_log.open() as ledger:
        (n_plain, plain), (n_flat, flat) = _both(ledger, fmt)
    assert n_plain == n_flat == len(TRICKY) and flat == plain

    def decisions(data: bytes) -> bytes:  # between the header and the count
        if fmt == "json":
            return data[data.index(b'"decisions": [') : data.index(b'"count":')]
        return b"".join(line for line in data.splitlines(True) if b'"type": "decision"' in line)

    assert decisions(written) == decisions(plain) and b"C-GONE" not in written
