"""Odd entry shapes never crash: fuzzed staff, co-signature and correction payloads.

Someone holding a manager's passphrase (or writing rows by hand) can put any JSON into an
entry's payload: a staff id that is a list, a co-signature whose decision is a string, a
decision without answers. `verify` must name the bad entry and never crash; every other
command must either work or refuse with a clear message, never stop with an internal error.

Covered so far: the kinds the signing rules read (staff, cosign, correction). Decision,
setting, export and erase payloads of odd shapes still reach readers that assume the
shape infoshare writes (issue 11, class 10: not done yet).
"""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.ledger_attacks import build_decided_log, copy_log, raw, run_cli, signer_for
from support.people import ALEX

from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.crypto import canonical_json
from infoshare_cli.ledger.entries import Entry, compute_hash
from infoshare_cli.ledger.store import Ledger

SAFE_INT = 2**53 - 1
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-SAFE_INT, SAFE_INT),
    st.text(max_size=12),
    st.sampled_from(["register", "rekey", "deactivate", "agree", "disagree", "manager", "s-x"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = {
    "staff": ["action", "staff_id", "name", "role", "dsl", "public_key", "sealed_key", "by"],
    "cosign": ["decision", "decision_hash", "verdict", "comment"],
    "correction": ["decision", "wrong", "right", "why"],
    "decision": ["case_ref", "outcome", "answers", "basis", "urgent", "revisits"],
    "setting": ["name", "setting"],
    "export": ["format", "count", "head", "file"],
    "erase": ["action", "decision", "reason", "key"],
}


def payloads(kind: str):
    known = st.fixed_dictionaries({}, optional={f: values for f in FIELDS.get(kind, [])})
    return st.one_of(known, st.dictionaries(st.text(max_size=8), values, max_size=4))


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("shapes") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


def append_raw(log, kind: str, payload: dict):
    """The row a manager's real key signs, written as someone with the file would (the tool
    itself refuses such payloads)."""
    alex = signer_for(log, ALEX)
    with Ledger.open(log) as ledger:
        head = ledger.head()
    seq, text = head.seq + 1, canonical_json(payload).decode()
    at = head.recorded_at
    digest = compute_hash(seq, kind, at, alex.staff_id, text, head.hash)
    row = (seq, kind, at, alex.staff_id, text, head.hash, digest, alex.sign(bytes.fromhex(digest)))
    conn = raw(log)
    conn.execute("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
    conn.close()
    return Entry(*row)


def no_crash(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception),
        result.output,
    )
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("kind", ["staff", "cosign", "correction"])
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_an_odd_entry_is_named_and_crashes_nothing(template, tmp_path, kind, data):
    payload = data.draw(payloads(kind), label="payload")
    log = tmp_path / "log.sqlite3"
    shutil.copy(template, log)
    entry = append_raw(log, kind, payload)

    report = verify_path(log)  # never raises
    if not report.ok and report.first_bad is not None:
        assert report.first_bad.seq == entry.seq, report.first_bad.message
        assert report.first_bad.message.startswith(f"Entry #{entry.seq}")

    for args in (
        ("verify",),
        ("show", "7"),
        ("show", str(entry.seq)),
        ("log",),
        ("log", "--json"),
        ("case", "C-1042"),
        ("stats",),
        ("pending",),
        ("anchor",),
        ("staff", "list", "--all"),
    ):
        no_crash(run_cli(log, *args))


@pytest.mark.parametrize("payload", [{"staff_id": ""}, {"staff_id": "s-x", "action": 7}])
def test_a_staff_entry_without_an_action_crashes_nothing(template, tmp_path, payload):
    """Found by the fuzz test above: readers folded such an entry into the register and
    stopped on a KeyError; now its shape is refused, verify names it, readers leave it out."""
    log = tmp_path / "log.sqlite3"
    shutil.copy(template, log)
    entry = append_raw(log, "staff", payload)
    bad = verify_path(log).first_bad
    assert (bad.seq, bad.code) == (entry.seq, "rule")
    for args in (("log",), ("stats",), ("pending",), ("staff", "list", "--all")):
        result = run_cli(log, *args)
        no_crash(result)
        assert result.exit_code == 0, result.output
