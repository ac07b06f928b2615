"""verify's building blocks: the fast hash is byte-for-byte compute_hash, the fast JSON
loader is json.loads; progress; anchors."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.anchors import anchor_for, parse_anchor
from infoshare_cli.integrity.report import Head, Problem, when_text
from infoshare_cli.integrity.signatures import entry_hash_fast
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.entries import compute_hash, json_loader

# Any text SQLite can hand back (no lone surrogates: those cannot be stored as UTF-8).
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    seq=st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    kind=texts,
    recorded_at=texts,
    actor=texts,
    payload=st.one_of(texts, st.just('{"a":"\\u00e9\\n\\"x\\""}')),
    prev=texts,
)
def test_fast_hash_is_compute_hash(seq, kind, recorded_at, actor, payload, prev):
    fast = entry_hash_fast(seq, kind, recorded_at, actor, payload, prev).hex()
    assert fast == compute_hash(seq, kind, recorded_at, actor, payload, prev)


def test_progress_is_reported(staffed_log):
    calls = []
    assert verify_path(
        staffed_log.path, progress=lambda done, total: calls.append((done, total))
    ).ok
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)


def test_anchor_text_round_trip():
    head = Head(42, "ab" * 32, "2026-11-26T10:02:00.000000Z")
    anchor = anchor_for(head, 42, today=date(2026, 11, 26))
    assert anchor.text == f"infoshare-anchor:v1:42:{'ab' * 32}:2026-11-26"
    assert parse_anchor(anchor.text) == anchor
    assert parse_anchor(f"infoshare-anchor:v1:42:{'AB' * 8}:").hash == "ab" * 8


@pytest.mark.parametrize(
    "text",
    [
        "infoshare-anchor:v2:42:" + "ab" * 32 + ":2026-11-26",
        "infoshare-anchor:v1:0:" + "ab" * 32 + ":2026-11-26",
        "infoshare-anchor:v1:x:" + "ab" * 32 + ":2026-11-26",
        "infoshare-anchor:v1:42:abc:2026-11-26",
        "infoshare-anchor:v1:42:" + "ab" * 32 + ":2026-13-45",
        "infoshare-anchor:v1:42:" + "zz" * 32 + ":2026-11-26",
        "anchor",
    ],
)
def test_bad_anchors(text):
    with pytest.raises(InfoshareError):
        parse_anchor(text)


def test_empty_log_cannot_be_anchored():
    with pytest.raises(InfoshareError) as refused:
        anchor_for(None, 0)
    assert refused.value.message == "The log is empty: there is nothing to anchor yet."


@pytest.mark.parametrize(
    ("given", "refusal"),
    [(None, "That is not an anchor."), ("anchor", "That is not an infoshare anchor.")],
)
def test_what_is_not_an_anchor_is_named_with_what_one_looks_like(given, refusal):
    with pytest.raises(InfoshareError) as refused:
        parse_anchor(given)
    assert refused.value.message.startswith(f"{refusal} An anchor looks like infoshare-anchor:")
    assert " exactly as " in refused.value.message


# --- the pass over the entries, fed rows directly ---------------------------------------------


def test_no_entries_have_no_head():
    from infoshare_cli.integrity.chain import check_entries

    assert check_entries([]) == (0, None, None)


@pytest.mark.parametrize("seq", ["1", 1.0, None, b"1"])
def test_an_entry_number_that_is_not_a_whole_number(seq):
    from infoshare_cli.integrity.chain import check_entries

    row = (seq, "staff", "2026-11-26T10:00:00.000000Z", "s-1", "{}", "0" * 64, "a" * 64, "")
    checked, head, bad = check_entries([row])
    assert (checked, head) == (0, None)
    assert (bad.code, bad.detail, bad.seq) == ("fields", "its number is not a whole number.", None)


@pytest.mark.parametrize(
    ("kind", "recorded_at", "named_kind", "named_time"),
    [
        ("staff", "2026-11-26T10:00:00.000000Z", "staff", "2026-11-26T10:00:00.000000Z"),
        (b"staff", 7, None, None),  # what is not text is not repeated
    ],
)
def test_an_entry_with_fields_that_are_not_text(kind, recorded_at, named_kind, named_time):
    from infoshare_cli.integrity.chain import check_entries

    row = (1, kind, recorded_at, "s-1", b"{}", "0" * 64, "a" * 64, "")
    _checked, _head, bad = check_entries([row])
    assert (bad.code, bad.seq, bad.kind, bad.recorded_at) == ("fields", 1, named_kind, named_time)
    assert bad.detail == "some of its fields are not text (the file was edited outside infoshare)."


@pytest.mark.parametrize("seqs", [[0], [-3]])
def test_entries_numbered_out_of_sequence(seqs):
    """SQLite's integer key keeps a real log in order; rows handed over any other way are
    checked all the same."""
    from infoshare_cli.integrity.chain import check_entries
    from infoshare_cli.ledger.entries import GENESIS_HASH

    rows, prev = [], GENESIS_HASH
    for seq in seqs:
        at = "2026-11-26T10:00:00.000000Z"
        digest = compute_hash(seq, "setting", at, "s-1", "{}", prev)
        rows.append((seq, "setting", at, "s-1", "{}", prev, digest, ""))
        prev = digest
    _checked, _head, bad = check_entries(rows)
    assert (bad.code, bad.seq) == ("order", seqs[-1])
    assert bad.detail == "it is numbered out of sequence (numbering starts at 1)."


def _loaded(load, text):
    try:
        return ("value", load(text))
    except (ValueError, TypeError, RecursionError) as exc:
        return ("error", type(exc))


json_texts = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
).map(lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":")))


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        texts,
        json_texts,
        json_texts.map(lambda t: " " + t),
        json_texts.map(lambda t: t + " "),
        json_texts.map(lambda t: t + "x"),
        json_texts.map(lambda t: "\ufeff" + t),
        st.sampled_from(["NaN", "-Infinity", '{"a":NaN}', "[1,2", "", "[" * 100_000]),
    )
)
def test_the_fast_json_loader_is_json_loads(text):
    """verify's pass and the CSV export read payloads with the C scanner directly: the same
    value, or the same kind of error, as json.loads for any text."""
    assert _loaded(json_loader(), text) == _loaded(json.loads, text)


def test_a_signature_worker_answers_each_batch_with_its_first_bad_signature():
    """What each worker process runs (serve), here on in-memory pipes: for each batch of
    (public key, signature, digest), the index of the first that does not verify, or -1."""
    import hashlib
    import io
    import marshal
    import struct

    from infoshare_cli.integrity.signature_workers import serve
    from infoshare_cli.ledger import crypto

    private = crypto.generate_private_key()
    public = crypto.public_key_b64(private)
    digest = hashlib.sha256(b"an entry").digest()
    good = (public, crypto.sign(private, digest), digest)
    other = (public, crypto.sign(private, hashlib.sha256(b"another").digest()), digest)
    no_key = (None, crypto.sign(private, digest), digest)
    frames = b""
    for batch in ([good, good], [good, other, good], [no_key], []):
        body = marshal.dumps(batch)
        frames += struct.pack("<I", len(body)) + body
    answers = io.BytesIO()
    serve(io.BytesIO(frames), answers)
    # Each answer is a frame too: its length (4), then the index.
    assert struct.unpack("<" + "Ii" * 4, answers.getvalue()) == (4, -1, 4, 1, 4, 0, 4, -1)


def test_a_log_whose_entries_sqlite_cannot_read_is_a_finding(staffed_log):
    """A file that opens as a log but whose entries table is damaged (a disk fault, a
    bad copy) gets a report saying so, with or without an anchor: never a traceback."""
    conn = sqlite3.connect(staffed_log.path)
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'entries'").fetchone()
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    data = bytearray(staffed_log.path.read_bytes())
    data[(root - 1) * size : root * size] = b"\xff" * size
    staffed_log.path.write_bytes(bytes(data))

    report = verify_path(staffed_log.path)
    assert not report.ok
    assert report.anchor is None
    assert report.integrity == ["SQLite cannot read the file (database disk image is malformed)"]

    anchor = parse_anchor(f"infoshare-anchor:v1:6:{'ab' * 32}:2026-11-26")
    assert verify_path(staffed_log.path, anchor=anchor).anchor == anchor


@pytest.mark.parametrize(
    "stored",
    ["2026-11-26T10:02:00.000000z", "2026-11-26T10:02:00", "2026-11-26", "yesterday", "", 42],
)
def test_a_problem_shows_a_time_only_for_a_stored_utc_time(stored):
    """The time in a problem's message is the entry's stored UTC time ("...Z", the form the
    tool writes) in local time; anything else stored there (a lower-case "z", no zone,
    not a time) shows no time rather than a guessed one."""
    at = "2026-11-26T10:02:00.000000Z"
    local = datetime(2026, 11, 26, 10, 2, tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    assert when_text(at) == local
    assert Problem("signature", "x", seq=3, kind="staff", recorded_at=at).message == (
        f"Entry #3 (a staff change, {local}): x"
    )
    assert when_text(stored) is None
