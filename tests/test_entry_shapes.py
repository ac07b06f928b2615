"""Odd entry shapes never crash: fuzzed payloads of every kind of entry.

Someone holding a manager's passphrase, or writing rows by hand, can put any JSON into an
entry's payload: a staff id that is a list, a decision whose case reference is ``[]``, a
co-signature whose decision is a string, an export without a count, a field nobody
writes. Each example takes a payload of the shape infoshare writes for one kind, gives
some of its fields values of the wrong JSON type (lists, objects, numbers, null, huge
strings, control characters), drops some and adds others; sometimes the payload is not an
object at all, sometimes its personal fields are sealed as the tool seals them (so the odd
shape arrives from inside the encrypted content), and the row is either signed by a real
manager's key (an insider) or not signed at all (someone with only the file).

`verify` must name the bad entry and never crash; every other command must work, or refuse
with a clear message: exit code 0 or 1, never an internal error or a traceback.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.ledger_attacks import build_decided_log, copy_log, raw, run_cli, signer_for
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, answers_file_data
from support.reading import read_as

from infoshare_cli.actions.staff import open_keys
from infoshare_cli.domain.privacy import PERSONAL_FIELDS
from infoshare_cli.domain.shapes import NOT_A_RECORD, shape_problem
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger import keystore
from infoshare_cli.ledger.entries import KINDS, LOCKED, Entry, compute_hash, readable_payload
from infoshare_cli.ledger.sealing import seal_payload
from infoshare_cli.ledger.store import Ledger

SAFE_INT = 2**53 - 1
ODD_TEXT = ["", " ", "\x1b[2J\x1b[H✓ intact", "erahs t'nod\u202e", "\x00", "\u2028", "x" * 20_000]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-SAFE_INT, SAFE_INT),
    st.sampled_from([2**64, -(2**63), 1.5, -0.0, 1e300]),
    st.text(max_size=12),
    st.sampled_from(ODD_TEXT),
    st.sampled_from(["register", "reseal", "erase", "confirm", "agree", "manager", "share", "s-x"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
# Field names of every kind, so an "extra" field is often one another kind reads.
ANY_FIELD = sorted(
    {
        "action", "staff_id", "name", "role", "dsl", "public_key", "sealed_key", "by",
        "reading_key", "data_key", "reset", "reset_hash", "decision", "decision_hash",
        "verdict", "comment", "wrong", "right", "why", "case_ref", "outcome", "answers",
        "basis", "urgent", "revisits", "question_set", "outcome_record", "record", "id",
        "sealed", "copy_of", "format", "count", "head", "file", "filters", "sha256",
        "records", "reason", "erase", "hash", "retention", "retain_until", "of", "original",
        "text", "version", "from_entries", "from_head_seq", "_unreadable",
    }
)  # fmt: skip


def _examples(path: Path) -> dict[str, dict]:
    """A payload of every kind, as infoshare writes it before sealing (from the log where it
    has one, opened; personal fields in the clear, without the record and ciphertext)."""
    found: dict[str, dict] = {}
    with Ledger.open(path) as ledger, read_as(ledger):
        for entry in ledger.entries():
            opened = {k: v for k, v in entry.payload.items() if k not in ("sealed", "record")}
            found.setdefault(entry.kind, opened)
        head = ledger.head()
        record7 = json.loads(ledger.get(7).payload_text)["record"]
    found.setdefault(
        "export",
        {
            "format": "csv",
            "filters": {"case": None},
            "limit": 0,
            "count": 3,
            "sha256": "0" * 64,
            "encrypted": None,
            "file": "decisions.csv",
            "head": {"seq": head.seq, "hash": head.hash},
            "excel": False,
        },
    )
    found.setdefault(
        "erase",
        {
            "action": "erase",
            "records": [{"decision": 7, "record": record7}],
            "reason": "mistake",
            "why": "typed in the wrong record",
        },
    )
    found.setdefault(
        "migration",
        {
            "from_file_sha256": "0" * 64,
            "from_head_seq": 3,
            "from_head_hash": "0" * 64,
            "from_entries": 3,
        },
    )
    found.setdefault(
        "correction",
        {"decision": 7, "wrong": "The date.", "right": "The 26th.", "why": "A typo."},
    )
    found.setdefault("imported", {"of": 1, "original": {"seq": 1, "kind": "staff"}})
    found.setdefault(
        "questions", {"name": "Ours", "version": "1", "sha256": "0" * 64, "text": "version: 1\n"}
    )
    assert set(found) == set(KINDS), set(KINDS) - set(found)
    return found


class Template:
    def __init__(self, path: Path):
        self.path = path
        self.examples = _examples(path)

    def __repr__(self) -> str:  # hypothesis prints it with a failing example
        return "<the decided log>"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("shapes") / "log.sqlite3"
    build_decided_log(path)
    return Template(copy_log(path, path.parent / "template.sqlite3"))


@st.composite
def odd_payloads(draw, base: dict):
    """``base`` with some fields of the wrong type, some dropped, some added; or not an
    object at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(scalars, st.lists(values, max_size=3)))
    payload = dict(base)
    names = sorted(base)
    for name in draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=3)):
        if draw(st.booleans()):
            payload[name] = draw(values)
        else:
            del payload[name]
    extra = draw(
        st.dictionaries(st.sampled_from(ANY_FIELD) | st.text(max_size=6), values, max_size=2)
    )
    payload.update(extra)
    return payload


def _sealed(log: Path, kind: str, payload):
    """Personal fields sealed as the tool seals them, when they can be (canonical JSON)."""
    if kind not in PERSONAL_FIELDS or not isinstance(payload, dict):
        return payload
    body = {k: v for k, v in payload.items() if k not in ("sealed", "record")}
    alex = signer_for(log, ALEX)
    with Ledger.open(log) as ledger, ledger.batch():
        keys = open_keys(ledger, alex)
        record, key = keystore.new_record(ledger.conn, keys)
        try:
            return seal_payload(kind, body, record, key)
        except (TypeError, ValueError):  # not canonical JSON (a float, a huge number)
            return payload


def append_raw(log: Path, kind: str, payload, signed: bool) -> Entry:
    """The row, written as someone with the file would (the tool refuses such payloads):
    signed with a real manager's key (an insider), or not signed at all."""
    alex = signer_for(log, ALEX)
    with Ledger.open(log) as ledger:
        head = ledger.head()
    seq, text = head.seq + 1, json.dumps(payload, ensure_ascii=False)
    at = head.recorded_at
    digest = compute_hash(seq, kind, at, alex.staff_id, text, head.hash)
    signature = alex.sign(bytes.fromhex(digest)) if signed else "A" * 88
    row = (seq, kind, at, alex.staff_id, text, head.hash, digest, signature)
    conn = raw(log)
    conn.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
    conn.commit()
    conn.close()
    return Entry(*row)


def no_crash(result, args) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        args,
        repr(result.exception),
        result.output,
    )
    assert result.exit_code in (0, 1), (args, result.output)
    assert "Traceback" not in result.output, (args, result.output)
    assert "internal error" not in result.output.lower(), (args, result.output)


def _commands(log: Path, tmp: Path, seq: int):
    """(argv, stdin) of every command that reads or writes past the odd entry."""
    answers = tmp / "answers.json"
    answers.write_text(json.dumps(answers_file_data("share", by=SAM)))
    alex = PASSPHRASES[ALEX] + "\n"
    yield ("verify",), None
    yield ("log",), None
    yield ("log", "-q", "bruising"), None
    yield ("log", "--json"), None
    yield ("show", "7"), None
    yield ("show", str(seq)), None
    yield ("show", str(seq), "--json"), None
    yield ("case", "C-1042"), None
    yield ("stats",), None
    yield ("pending",), None
    yield ("staff", "list", "--all"), None
    yield ("anchor",), None
    yield ("backup", str(tmp / "backup.sqlite3")), None
    for fmt in ("csv", "json", "jsonl", "md", "html"):
        out = str(tmp / f"export.{fmt}")
        yield ("export", "-f", fmt, "--by", ALEX, "--out", out, "--allow-unverified"), alex
    yield ("export", "-f", "json", "--by", ALEX, "--out", str(tmp / "checked.json")), alex
    yield ("cosign", str(seq), "--by", PRIYA), PASSPHRASES[PRIYA] + "\nagree\nFine.\n"
    yield ("decide", "--answers", str(answers)), PASSPHRASES[SAM] + "\n"


@pytest.mark.parametrize("kind", KINDS)
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_an_odd_entry_is_named_and_crashes_nothing(template, tmp_path, kind, data):
    payload = data.draw(odd_payloads(template.examples[kind]), label="payload")
    signed = data.draw(st.booleans(), label="signed")
    seal = data.draw(st.booleans(), label="sealed as the tool seals")
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    log = work / "log.sqlite3"
    shutil.copy(template.path, log)
    if seal:
        payload = _sealed(log, kind, payload)
    entry = append_raw(log, kind, payload, signed)

    report = verify_path(log)  # never raises
    if not signed:
        assert not report.ok
    if not report.ok and report.first_bad is not None:
        assert report.first_bad.seq == entry.seq, report.first_bad.message
        assert report.first_bad.message.startswith(f"Entry #{entry.seq}")

    for args, stdin in _commands(log, work, entry.seq):
        no_crash(run_cli(log, *args, input=stdin), args)


@pytest.mark.parametrize(
    "kind, payload",
    [
        ("cosign", {"decision": 2**64, "verdict": "agree"}),
        ("cosign", {"decision": -(2**63) - 1, "verdict": "disagree", "reason": "x"}),
        ("correction", {"decision": 2**64, "field": "reason", "wrong": "a", "right": "b"}),
        ("decision", {"revisits": 2**64}),
        ("erase", {"decisions": [2**64]}),
    ],
)
def test_an_entry_naming_a_number_sqlite_cannot_hold_crashes_nothing(
    template, tmp_path, kind, payload
):
    """Found by the fuzz test above: a co-signature naming decision 2**64 stopped `anchor`
    with an OverflowError (SQLite holds 64-bit numbers), and a decision taking it again
    stopped `pending`. Such a number names no entry, for every reader."""
    log = tmp_path / "log.sqlite3"
    shutil.copy(template.path, log)
    entry = append_raw(log, kind, payload, signed=True)
    verify_path(log)  # never raises
    for args, stdin in _commands(log, tmp_path, entry.seq):
        no_crash(run_cli(log, *args, input=stdin), args)


@pytest.mark.parametrize("payload", [{"staff_id": ""}, {"staff_id": "s-x", "action": 7}])
def test_a_staff_entry_without_an_action_crashes_nothing(template, tmp_path, payload):
    """Found by the fuzz test above: readers folded such an entry into the register and
    stopped on a KeyError; now its shape is refused, verify names it, readers leave it out."""
    log = tmp_path / "log.sqlite3"
    shutil.copy(template.path, log)
    entry = append_raw(log, "staff", payload, signed=True)
    bad = verify_path(log).first_bad
    assert (bad.seq, bad.code) == (entry.seq, "fields")
    assert "its action is missing or not text" in bad.message
    for args in (("log",), ("stats",), ("pending",), ("staff", "list", "--all")):
        result = run_cli(log, *args)
        no_crash(result, args)
        assert result.exit_code == 0, result.output


def test_a_decision_whose_case_reference_is_a_list_is_marked_not_shown_as_text(template, tmp_path):
    """The example in issue 11: a decision signed by an insider, its case reference ``[]``."""
    log = tmp_path / "log.sqlite3"
    shutil.copy(template.path, log)
    payload = dict(template.examples["decision"], case_ref=[])
    entry = append_raw(log, "decision", payload, signed=True)

    report = verify_path(log)
    assert report.first_bad.seq == entry.seq
    assert "its case reference is not text" in report.first_bad.message

    shown = run_cli(log, "log")
    no_crash(shown, "log")
    assert shown.exit_code == 0
    assert "FAILS CHECKS" in shown.output
    assert "[]" not in shown.output
    detail = run_cli(log, "show", f"e{entry.seq}")
    no_crash(detail, "show")
    assert "its case reference is not text" in detail.output


def test_a_staff_id_that_is_a_list_stops_nothing(template, tmp_path):
    """The other example in issue 11: an unsigned staff entry whose staff id is a list once
    made verify, backup, anchor and decide stop with an internal TypeError."""
    log = tmp_path / "log.sqlite3"
    shutil.copy(template.path, log)
    payload = dict(template.examples["staff"], staff_id=["s-1"])
    entry = append_raw(log, "staff", payload, signed=False)
    report = verify_path(log)
    assert report.first_bad.seq == entry.seq
    assert "its staff id is not text" in report.first_bad.message
    for args, stdin in _commands(log, tmp_path, entry.seq):
        no_crash(run_cli(log, *args, input=stdin), args)


def test_every_entry_the_tool_writes_is_in_the_shape(template):
    """The rule refuses nothing infoshare itself writes, sealed content opened included."""
    with Ledger.open(template.path) as ledger, read_as(ledger):
        odd = {e.seq: e.shape_problem for e in ledger.entries() if e.shape_problem is not None}
    assert odd == {}
    for kind, example in template.examples.items():
        assert shape_problem(kind, example) is None, kind


@pytest.mark.parametrize(
    "head, ok",
    [
        (None, True),
        ({"seq": 12, "hash": "ab" * 32}, True),
        ({"seq": "12", "hash": "ab" * 32}, False),
        ({"seq": 12, "hash": 12}, False),
        ({"hash": "ab" * 32}, False),
        ([12, "ab" * 32], False),
    ],
)
def test_an_exports_recorded_head_is_a_number_and_a_hash(head, ok):
    problem = shape_problem("export", {"head": head})
    if ok:
        assert problem is None
    else:
        assert problem is not None and "the log's head it records is not a number and a hash" in (
            problem
        )


def test_an_entry_of_a_kind_no_version_wrote_is_named_so():
    from infoshare_cli.integrity.report import Problem

    problem = Problem("fields", "it is not a kind of entry this version knows.", 5, "weird")
    assert problem.message == (
        "Entry #5 (an entry of an unknown kind): it is not a kind of entry this version knows."
    )


@pytest.mark.parametrize("text", ["5", "null", '["sealed"]', '"sealed"', '"a sealed note"'])
def test_a_payload_that_is_no_object_reads_as_empty_even_if_it_holds_the_word_sealed(text):
    """Only an object with a "sealed" field is opened: a number, a list or a text (even
    one holding the word "sealed") reads as an empty payload, and the opener is never
    asked to open it."""

    def opener(payload):
        raise AssertionError("asked to open a payload that is not sealed")

    for open_sealed in (None, opener):
        assert readable_payload("decision", text, open_sealed) == ({}, NOT_A_RECORD)


def test_only_a_sealed_payload_is_opened():
    """A payload without "sealed" is read as it is; one with it is opened, or reads as
    locked where there is no way to open it."""
    plain = {"id": "ab" * 16, "name": "Little Acorns"}
    text = json.dumps(plain)
    assert readable_payload("setting", text, None) == (plain, None)
    opened = []

    def opener(payload):
        opened.append(payload)
        return {k: v for k, v in payload.items() if k != "sealed"}

    assert readable_payload("setting", text, opener) == (plain, None)
    assert opened == []
    sealed = json.dumps({**plain, "sealed": {"nonce": "AA==", "ciphertext": "AA=="}})
    readable_payload("setting", sealed, opener)
    assert opened == [{**plain, "sealed": {"nonce": "AA==", "ciphertext": "AA=="}}]
    locked, _ = readable_payload("setting", sealed, None)
    assert "sealed" not in locked and locked["_unreadable"] == LOCKED
