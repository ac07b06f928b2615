"""Attacks on a real log file, each made with raw sqlite3, each caught by `verify`.

The log is made through the real code (staff register, `decide --answers`, `cosign`), then
edited the way someone with the file and a SQLite tool could edit it. Every test names the
first bad entry verify must report.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3

import pytest
from support.ledger_attacks import (
    ANCHOR_BY,
    ANCHOR_PASSPHRASES,
    DECIDED_ENTRIES,
    TRIGGERS,
    Tamper,
    build_decided_log,
    copy_log,
    decide,
    raw,
    rechain,
    row,
    run_cli,
    set_payload,
    signer_for,
    staff_id,
    take_anchor,
)
from support.people import ALEX, JO, PRIYA, SAM, build_staffed_log
from support.reading import sealed_as_the_tool

from infoshare_cli.domain.decisions import cosign_payload
from infoshare_cli.domain.shapes import NOT_A_RECORD, shape_detail
from infoshare_cli.integrity.anchors import parse_anchor
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger import crypto
from infoshare_cli.ledger.entries import compute_hash
from infoshare_cli.ledger.store import Ledger


@pytest.fixture(scope="session")
def _decided_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("decided") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


@pytest.fixture
def log(_decided_template, tmp_path):
    return copy_log(_decided_template, tmp_path / "log.sqlite3")


def first_bad(path, **kwargs):
    report = verify_path(path, **kwargs)
    assert not report.ok
    # A large log has its signatures checked by worker processes: the same finding.
    # ...and the checks it runs beside the pass (integrity/beside.py) find the same.
    other = verify_path(path, processes=True, threads=2, **kwargs)
    assert (other.first_bad, other.problems) == (report.first_bad, report.problems)
    assert other.to_json() == report.to_json()
    return report.first_bad


def anchor_of(path):
    """The one-line anchor (the signed one is tested in test_anchor_signatures.py)."""
    return take_anchor(path)["anchor"]


# --- a healthy log --------------------------------------------------------------------------


def test_healthy_log_verifies(log):
    report = verify_path(log)
    assert report.ok, report.problems
    assert report.entries == DECIDED_ENTRIES
    assert report.head.seq == DECIDED_ENTRIES
    result = run_cli(log, "verify")
    assert result.exit_code == 0, result.output
    assert "The log is intact" in result.stdout
    assert f"All {DECIDED_ENTRIES} entries checked" in result.stdout


def test_verify_leaves_the_file_untouched(log):
    before = log.read_bytes()
    assert verify_path(log).ok
    assert log.read_bytes() == before


def test_verify_does_not_trust_the_stored_hash_or_the_views(log):
    # Edit the payload and also store the hash the new payload would have: the chain
    # link from the next entry and the signature still give it away.
    with Tamper(log) as conn:
        set_payload(conn, 7, lambda p: p.update(outcome="do_not_share"))
        r = row(conn, 7)
        from infoshare_cli.ledger.entries import compute_hash

        new = compute_hash(7, r["kind"], r["recorded_at"], r["actor"], r["payload"], r["prev_hash"])
        conn.execute("UPDATE entries SET hash = ? WHERE seq = 7", (new,))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (7, "signature")


# --- the tamper scenarios -------------------------------------------------------------------


def test_edit_a_payload_field(log):
    with Tamper(log) as conn:
        set_payload(conn, 7, lambda p: p.update(outcome="do_not_share"))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (7, "hash")
    assert bad.message.startswith("Entry #7 (a decision, ")
    assert bad.message.endswith(
        ": its contents do not match its hash — it was changed after it was written."
    )
    assert verify_path(log).schema == []  # the triggers were put back


def test_edit_after_renaming_the_table_away_from_its_triggers(log):
    # Another way round the triggers: rename the table out from under them.
    conn = raw(log)
    conn.execute("ALTER TABLE entries RENAME TO entries_old")
    conn.execute("CREATE TABLE entries AS SELECT * FROM entries_old")
    conn.execute(
        "UPDATE entries SET actor = (SELECT actor FROM entries WHERE seq = 8) WHERE seq = 7"
    )
    conn.close()
    report = verify_path(log)
    assert not report.ok
    assert (report.first_bad.seq, report.first_bad.code) == (7, "hash")
    assert report.schema  # the table, its triggers and views are no longer what infoshare made


def test_delete_an_entry(log):
    with Tamper(log) as conn:
        conn.execute("DELETE FROM entries WHERE seq = 9")
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (9, "missing")
    assert bad.message == (
        "Entry #9: it is missing: the log goes from #8 straight to #10, so entry #9 is gone "
        "— deleted after it was written."
    )


def test_delete_several_entries(log):
    with Tamper(log) as conn:
        conn.execute("DELETE FROM entries WHERE seq IN (9, 10, 11)")
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (9, "missing")
    assert bad.message == (
        "Entry #9: it is missing: the log goes from #8 straight to #12, so entries #9 to #11 "
        "are gone — deleted after it was written."
    )


def test_delete_two_entries_after_the_first(log):
    with Tamper(log) as conn:
        conn.execute("DELETE FROM entries WHERE seq IN (2, 3)")
    bad = first_bad(log)
    assert bad.message == (
        "Entry #2: it is missing: the log goes from #1 straight to #4, so entries #2 to #3 "
        "are gone — deleted after it was written."
    )


def test_delete_the_first_entry(log):
    with Tamper(log) as conn:
        conn.execute("DELETE FROM entries WHERE seq = 1")
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (1, "missing")
    assert bad.message == (
        "Entry #1: it is missing: the log goes from the start straight to #2, so entry #1 is "
        "gone — deleted after it was written."
    )


def test_delete_an_entry_and_renumber_the_rest(log):
    with Tamper(log) as conn:
        conn.execute("DELETE FROM entries WHERE seq = 9")
        for seq in range(10, DECIDED_ENTRIES + 1):
            conn.execute("UPDATE entries SET seq = ? WHERE seq = ?", (seq - 1, seq))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (9, "hash")


def test_reorder_two_entries(log):
    columns = ("kind", "recorded_at", "actor", "payload", "prev_hash", "hash", "signature")
    with Tamper(log) as conn:
        a, b = row(conn, 9), row(conn, 10)
        conn.execute("UPDATE entries SET hash = 'x' WHERE seq = 9")  # UNIQUE, while swapping
        for seq, r in ((10, a), (9, b)):
            sets = ", ".join(f"{c} = ?" for c in columns)
            conn.execute(
                f"UPDATE entries SET {sets} WHERE seq = ?", (*(r[c] for c in columns), seq)
            )
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (9, "hash")


def test_reorder_and_rechain(log):
    # The attacker also recomputes every hash after the swap: the signatures catch it.
    with Tamper(log) as conn:
        a, b = row(conn, 9), row(conn, 10)
        for seq, r in ((9, b), (10, a)):
            conn.execute(
                "UPDATE entries SET kind = ?, recorded_at = ?, actor = ?, payload = ?, "
                "signature = ?, hash = ? WHERE seq = ?",
                (r["kind"], r["recorded_at"], r["actor"], r["payload"], r["signature"],
                 f"x{seq}", seq),
            )  # fmt: skip
        rechain(conn, 9)
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (9, "signature")


def test_swap_two_signatures(log):
    with Tamper(log) as conn:
        s7, s10 = row(conn, 7)["signature"], row(conn, 10)["signature"]
        conn.execute("UPDATE entries SET signature = ? WHERE seq = 7", (s10,))
        conn.execute("UPDATE entries SET signature = ? WHERE seq = 10", (s7,))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (7, "signature")
    assert bad.message.endswith(
        "its signature does not match Sam Lee's key as registered at the time — the entry was "
        "changed and re-sealed, or signed by someone else."
    )


def test_rewrite_the_whole_chain_with_consistent_hashes(log):
    with Tamper(log) as conn:
        set_payload(conn, 10, lambda p: p.update(outcome="do_not_share"))
        rechain(conn, 1)
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (10, "signature")


def test_an_insider_rehashes_and_resigns_their_own_old_entry(log):
    """Sam edits his own pending decision #9, recomputes its hash from its stored previous
    hash and signs it again with his real key: the entry alone is faultless. Only the link
    from the next entry (#10, by Alex, which Sam cannot re-sign) gives it away."""
    sam = signer_for(log, SAM)
    with Tamper(log) as conn:
        set_payload(conn, 9, lambda p: p.update(case_ref="C-9999"))
        r = row(conn, 9)
        new = compute_hash(9, r["kind"], r["recorded_at"], r["actor"], r["payload"], r["prev_hash"])
        conn.execute(
            "UPDATE entries SET hash = ?, signature = ? WHERE seq = 9",
            (new, crypto.sign(sam.private_key, bytes.fromhex(new))),
        )
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (10, "chain")
    assert bad.message.startswith("Entry #10 (a decision, ")
    assert bad.message.endswith(
        "it does not follow on from entry #9 (the link between them is broken) — entries were "
        "changed, removed, inserted or reordered."
    )


def test_a_manager_rehashes_and_resigns_the_first_entry(log):
    """Alex re-makes her own registration, entry #1, on the same starting hash: the link
    from entry #2 names entry #1, not the start of the log."""
    alex = signer_for(log, ALEX)
    with Tamper(log) as conn:
        set_payload(conn, 1, lambda p: p.update(name="Alexandra Morgan"))
        r = row(conn, 1)
        new = compute_hash(1, r["kind"], r["recorded_at"], r["actor"], r["payload"], r["prev_hash"])
        conn.execute(
            "UPDATE entries SET hash = ?, signature = ? WHERE seq = 1",
            (new, crypto.sign(alex.private_key, bytes.fromhex(new))),
        )
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (2, "chain")
    assert "it does not follow on from entry #1 (the link between them is broken)" in bad.message


def test_the_first_entry_must_follow_on_from_the_start(log):
    """Entry #1 re-made by its own signer (Alex) on another starting hash: faultless alone,
    but the chain does not start where every log starts."""
    alex = signer_for(log, ALEX)
    with Tamper(log) as conn:
        r = row(conn, 1)
        prev = "1" * 64
        new = compute_hash(1, r["kind"], r["recorded_at"], r["actor"], r["payload"], prev)
        conn.execute(
            "UPDATE entries SET prev_hash = ?, hash = ?, signature = ? WHERE seq = 1",
            (prev, new, crypto.sign(alex.private_key, bytes.fromhex(new))),
        )
        rechain(conn, 2, lambda r: crypto.sign(alex.private_key, bytes.fromhex(r["hash"])))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (1, "chain")
    assert "it does not follow on from the start of the log" in bad.message


@pytest.mark.parametrize("public_key", ["not a key", "", "AAAA", "A" * 44, "*" * 44])
def test_a_registered_key_that_is_not_a_key_signs_nothing(log, public_key):
    """An insider manager (Alex) registers 'Mallory' with a public key that is not a valid
    Ed25519 key; whatever Mallory then 'signs' cannot be checked, so it is not signed."""
    alex = signer_for(log, ALEX)
    mallory = "s-mallory"
    with Ledger.open(log) as ledger:
        body = {"action": "register", "staff_id": mallory, "name": "Mallory Grey",
                "role": "manager", "dsl": False, "public_key": public_key,
                "sealed_key": {}, "by": alex.staff_id}  # fmt: skip
        ledger.append("staff", alex.staff_id, body, alex.sign)
        entry = ledger.append(
            "decision",
            mallory,
            sealed_as_the_tool(ledger, "decision", {"case_ref": "C-1042", "outcome": "share"}),
            lambda message: base64.b64encode(bytes(64)).decode(),
        )
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "signature")
    assert (
        "it is signed by Mallory Grey, but the key registered for them is not a valid "
        "signing key, so the signature cannot be checked." in bad.message
    )


def test_replace_a_signers_public_key_and_resign(log):
    attacker = crypto.generate_private_key()
    priya = staff_id(log, PRIYA)

    def resign(r):
        if r["actor"] == priya:
            return crypto.sign(attacker, bytes.fromhex(r["hash"]))
        return None

    with Tamper(log) as conn:
        set_payload(conn, 3, lambda p: p.update(public_key=crypto.public_key_b64(attacker)))
        rechain(conn, 3, resign)
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (3, "signature")
    assert bad.message.startswith("Entry #3 (a staff change, ")
    assert "Alex Morgan's key" in bad.message  # Alex registered Priya


def test_replace_a_key_with_a_forged_rekey_entry(log):
    # Append a "passphrase change" for Priya signed by the attacker's key, then a
    # co-signature with it: the rekey must be signed by Priya's previous key.
    attacker = crypto.generate_private_key()
    priya = staff_id(log, PRIYA)
    sealed = crypto.seal_private_key(attacker, "attacker passphrase")
    with Ledger.open(log) as ledger:
        body = {"action": "rekey", "staff_id": priya, "by": priya, "sealed_key": sealed,
                "public_key": crypto.public_key_b64(attacker)}  # fmt: skip
        entry = ledger.append("staff", priya, body, lambda m: crypto.sign(attacker, m))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "signature")
    assert "Priya Shah's key" in bad.message


def test_replace_a_key_with_a_second_register_entry(log):
    # An insider manager (Alex, real key) "registers" Priya again with a key Alex controls.
    alex = signer_for(log, ALEX)
    priya = staff_id(log, PRIYA)
    key = crypto.generate_private_key()
    with Ledger.open(log) as ledger:
        body = {"action": "register", "staff_id": priya, "name": PRIYA, "role": "manager",
                "dsl": False, "public_key": crypto.public_key_b64(key),
                "sealed_key": crypto.seal_private_key(key, "alex knows this one"),
                "by": alex.staff_id}  # fmt: skip
        entry = ledger.append("staff", alex.staff_id, body, alex.sign)
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "rule")
    assert "already registered" in bad.message


def test_drop_the_triggers_then_edit(log):
    with Tamper(log, keep_triggers_dropped=True) as conn:
        conn.execute("UPDATE entries SET recorded_at = '2026-01-01T00:00:00.000000Z' WHERE seq = 8")
    report = verify_path(log)
    assert not report.ok
    assert (report.first_bad.seq, report.first_bad.code) == (8, "hash")
    dropped = " ".join(p.message for p in report.schema)
    for name in TRIGGERS:
        assert name in dropped
    assert "has been removed" in dropped
    result = run_cli(log, "verify")
    assert result.exit_code == 1
    assert "First bad entry: Entry #8 (a co-signature, " in result.stdout


def test_dropped_triggers_alone_are_a_finding(log):
    conn = raw(log)
    conn.execute("DROP TRIGGER entries_no_delete")
    conn.close()
    report = verify_path(log)
    assert not report.ok and report.first_bad is None
    assert [p.code for p in report.schema] == ["schema"]
    assert run_cli(log, "verify").exit_code == 1


def test_a_neutered_or_extra_trigger_is_a_finding(log):
    conn = raw(log)
    conn.execute("DROP TRIGGER entries_no_update")
    conn.execute("CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries BEGIN SELECT 1; END")
    conn.execute("CREATE TRIGGER sneaky AFTER INSERT ON entries BEGIN SELECT 1; END")
    conn.close()
    messages = " ".join(p.message for p in verify_path(log).schema)
    assert "'entries_no_update' has been altered" in messages
    assert "extra trigger 'sneaky'" in messages


def test_truncate_the_newest_entries_is_caught_by_an_anchor(log):
    anchor = anchor_of(log)
    with Tamper(log) as conn:
        conn.execute("DELETE FROM entries WHERE seq > 9")
    # A careless cut shows in the derived data: #9 lost its co-signature, so belongs in the
    # list of decisions awaiting one, and #10 is gone but still numbered and in the case
    # index. A careful one edits those too.
    assert [p.code for p in verify_path(log).problems] == ["derived", "derived", "derived"]
    conn = raw(log)
    conn.execute("INSERT INTO decisions_awaiting VALUES (9)")
    conn.execute("DELETE FROM case_index WHERE decision > 9")
    conn.execute("DELETE FROM decision_numbers WHERE seq > 9")
    conn.close()
    # Without an anchor a cleanly cut chain still holds: that is what anchors are for.
    assert verify_path(log).ok
    report = verify_path(log, anchor=parse_anchor(anchor))
    assert not report.ok
    assert report.anchor_problem.code == "anchor"
    day = parse_anchor(anchor).date
    assert f"only 9 entries, but the anchor of {day} recorded {DECIDED_ENTRIES}" in (
        report.anchor_problem.message
    )
    result = run_cli(log, "verify", "--anchor", anchor)
    assert result.exit_code == 1
    assert "entries have been removed from the end" in result.stdout


def test_restoring_an_older_backup_is_caught_by_an_anchor(log, tmp_path):
    old = tmp_path / "old-backup.sqlite3"
    assert run_cli(log, "backup", old).exit_code == 0
    from support.ledger_attacks import decide

    decide(log, tmp_path, "share", SAM, PRIYA, case="C-2001")
    anchor = anchor_of(log)
    assert verify_path(log, anchor=parse_anchor(anchor)).ok
    # Put the old backup back in place.
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"log.sqlite3{suffix}").unlink(missing_ok=True)
    shutil.copy(old, log)
    assert verify_path(log).ok  # an old log is a perfectly good log on its own...
    result = run_cli(log, "verify", "--anchor", anchor)  # ...but not against the anchor
    assert result.exit_code == 1
    assert "an older copy of it has been put back" in result.stdout
    # And new entries written since do not hide it: entry #13 is not the anchored one.
    decide(log, tmp_path, "do_not_share", SAM, PRIYA, case="C-2002")
    decide(log, tmp_path, "do_not_share", SAM, PRIYA, case="C-2003")
    report = verify_path(log, anchor=parse_anchor(anchor))
    assert report.first_bad is None and report.anchor_problem is not None
    assert "entry #14 no longer has the hash" in report.anchor_problem.message.lower()


def test_a_whole_new_log_with_new_keys_is_only_caught_by_an_anchor(log, tmp_path):
    anchor = anchor_of(log)
    forged = tmp_path / "forged.sqlite3"
    build_staffed_log(forged)  # same people, new keys, every entry validly signed
    from support.ledger_attacks import decide

    decide(forged, tmp_path, "share", SAM, PRIYA)
    decide(forged, tmp_path, "do_not_share", SAM, PRIYA)
    decide(forged, tmp_path, "do_not_share", SAM, PRIYA)
    assert verify_path(forged).ok
    report = verify_path(forged, anchor=parse_anchor(anchor))
    assert not report.ok
    assert "entry #12 no longer has the hash" in report.anchor_problem.message.lower()


# --- the rules behind signatures: insiders with real keys, bypassing the CLI ----------------


def _append(path, name, kind, payload):
    signer = signer_for(path, name)
    with Ledger.open(path) as ledger:
        body = sealed_as_the_tool(ledger, kind, payload)
        return ledger.append(kind, signer.staff_id, body, signer.sign)


def test_a_decision_co_signed_by_its_author(log):
    with Ledger.open(log) as ledger:
        decision_hash = ledger.get(10).hash  # Alex's decision
    entry = _append(log, ALEX, "cosign", cosign_payload(10, decision_hash, "agree", ""))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "rule")
    assert "co-signed by the person who took it" in bad.message


def test_a_co_signature_by_a_practitioner(log):
    with Ledger.open(log) as ledger:
        decision_hash = ledger.get(10).hash
    entry = _append(log, SAM, "cosign", cosign_payload(10, decision_hash, "agree", ""))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "rule")
    assert "Sam Lee, a practitioner; only a manager can co-sign" in bad.message


def test_a_co_signature_of_another_version_of_the_decision(log):
    entry = _append(log, PRIYA, "cosign", cosign_payload(9, "ab" * 32, "agree", ""))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "rule")
    assert "names a different version of it" in bad.message


def test_a_co_signature_of_something_that_is_not_a_decision(log):
    entry = _append(log, PRIYA, "cosign", {"decision": 4, "decision_hash": "", "verdict": "agree"})
    assert (first_bad(log).seq, first_bad(log).code) == (entry.seq, "rule")


def test_an_entry_signed_by_a_deactivated_manager(log):
    # Jo was deactivated at #6; her key still unseals, but she can no longer sign.
    from support.people import PASSPHRASES

    from infoshare_cli.actions.staff import unlock
    from infoshare_cli.domain.staff import find_member
    from infoshare_cli.reading.register import load_register

    with Ledger.open(log) as ledger:
        jo = unlock(find_member(load_register(ledger), JO), PASSPHRASES[JO])
        entry = ledger.append(
            "decision",
            jo.staff_id,
            sealed_as_the_tool(ledger, "decision", {"case_ref": "C-9"}),
            jo.sign,
        )
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "signer")
    assert "Jo Baker, who had been deactivated (entry #6)" in bad.message


def test_a_practitioner_changing_the_staff_register(log):
    sam = signer_for(log, SAM)
    priya = staff_id(log, PRIYA)
    with Ledger.open(log) as ledger:
        body = {"action": "deactivate", "staff_id": priya, "by": sam.staff_id}
        entry = ledger.append("staff", sam.staff_id, body, sam.sign)
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "rule")
    assert "Sam Lee who signed it is a practitioner" in bad.message


def test_an_entry_by_someone_never_registered(log):
    key = crypto.generate_private_key()
    with Ledger.open(log) as ledger:
        entry = ledger.append(
            "decision", "s-deadbeef0123456789abcdef", {"x": 1}, lambda m: crypto.sign(key, m)
        )
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "signer")
    assert bad.message.endswith(  # the id cut to 20 characters: it could be anything
        "it is signed by someone who is not in the staff register at that point "
        "(staff id 's-deadbeef0123456789')."
    )


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ("[]", shape_detail(NOT_A_RECORD)),
        ("7", shape_detail(NOT_A_RECORD)),
        ('"text"', shape_detail(NOT_A_RECORD)),
        ("null", shape_detail(NOT_A_RECORD)),
    ],
)
def test_a_staff_entry_whose_contents_are_not_usable(log, payload, detail):
    """Signed by a real manager, so only its contents can be at fault."""
    alex = signer_for(log, ALEX)
    with Ledger.open(log) as ledger:
        head = ledger.head()
    seq, recorded_at = head.seq + 1, head.recorded_at  # not before the entry it follows
    digest = compute_hash(seq, "staff", recorded_at, alex.staff_id, payload, head.hash)
    conn = raw(log)
    conn.execute(
        "INSERT INTO entries VALUES (?, 'staff', ?, ?, ?, ?, ?, ?)",
        (seq, recorded_at, alex.staff_id, payload, head.hash, digest,
         crypto.sign(alex.private_key, bytes.fromhex(digest))),
    )  # fmt: skip
    conn.close()
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (seq, "fields")
    assert bad.message.endswith(": " + detail)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda b64: b64[:10] + "*" + b64[10:],  # a character base64 does not have
        lambda b64: b64[:10] + "\n" + b64[10:],  # a line break inside
        lambda b64: b64 + "AAAA",  # more than the key
        lambda b64: b64[:-4],  # less than the key
    ],
    ids=["star", "line-break", "longer", "shorter"],
)
def test_a_registered_key_written_loosely_is_not_a_key(log, spoil):
    """Base64 is read strictly: a key with anything added, cut or slipped in is not the key,
    even when a lenient reader would still find the right 32 bytes in it."""
    alex = signer_for(log, ALEX)
    mallory_key = crypto.generate_private_key()
    with Ledger.open(log) as ledger:
        body = {"action": "register", "staff_id": "s-mallory", "name": "Mallory Grey",
                "role": "manager", "dsl": False,
                "public_key": spoil(crypto.public_key_b64(mallory_key)),
                "sealed_key": {}, "by": alex.staff_id}  # fmt: skip
        ledger.append("staff", alex.staff_id, body, alex.sign)
        entry = ledger.append(
            "decision", "s-mallory", {"n": 1}, lambda m: crypto.sign(mallory_key, m)
        )
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "signature")
    assert "the key registered for them is not a valid signing key" in bad.message


@pytest.mark.parametrize(
    "spoil",
    [
        lambda sig: sig[:10] + "*" + sig[10:],
        lambda sig: sig[:10] + " " + sig[10:],
        lambda sig: base64.b64encode(base64.b64decode(sig)[:63]).decode(),  # one byte short
        lambda sig: base64.b64encode(base64.b64decode(sig) + b"\0").decode(),  # one too many
    ],
    ids=["star", "space", "63-bytes", "65-bytes"],
)
def test_a_signature_written_loosely_is_not_a_signature(log, spoil):
    with Tamper(log) as conn:
        signature = row(conn, 7)["signature"]
        conn.execute("UPDATE entries SET signature = ? WHERE seq = 7", (spoil(signature),))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (7, "signature")


def test_a_signature_that_is_not_base64(log):
    with Tamper(log) as conn:
        conn.execute("UPDATE entries SET signature = 'not base64!' WHERE seq = 11")
    assert (first_bad(log).seq, first_bad(log).code) == (11, "signature")


def test_fields_that_are_not_text(log):
    with Tamper(log) as conn:
        conn.execute("UPDATE entries SET payload = CAST(payload AS BLOB) WHERE seq = 8")
        conn.execute("UPDATE entries SET actor = X'ff' WHERE seq = 10")
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (8, "fields")
    result = run_cli(log, "verify", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["first_bad_entry"]["seq"] == 8


def test_a_file_that_is_not_a_log_at_all(tmp_path):
    path = tmp_path / "x.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    result = run_cli(path, "verify")
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_a_damaged_page_fails_the_integrity_check(log):
    # Scramble the cell pointers of an index page: the entries still read back and chain,
    # but SQLite's own integrity check finds the damage.
    conn = raw(log)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'entries_kind'").fetchone()
    conn.close()
    data = bytearray(log.read_bytes())
    offset = (root[0] - 1) * page_size
    for i in range(offset + 8, offset + 40):
        data[i] ^= 0x5A
    log.write_bytes(bytes(data))
    result = run_cli(log, "verify", "--json")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    out = json.loads(result.stdout)
    assert out["integrity_check"] != "ok"


# --- the command line -----------------------------------------------------------------------


def test_verify_json_on_a_healthy_log(log):
    result = run_cli(log, "verify", "--json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["ok"] is True and out["entries"] == DECIDED_ENTRIES
    assert out["first_bad_entry"] is None and out["integrity_check"] == "ok"


def test_verify_json_names_the_first_bad_entry(log):
    with Tamper(log) as conn:
        conn.execute("DELETE FROM entries WHERE seq = 11")
    out = json.loads(run_cli(log, "verify", "--json").stdout)
    assert out["ok"] is False
    assert out["first_bad_entry"]["seq"] == 11
    assert out["first_bad_entry"]["problem"] == "missing"
    assert out["first_bad_entry"]["message"] == (
        "Entry #11: it is missing: the log goes from #10 straight to #12, so entry #11 is "
        "gone — deleted after it was written."
    )


def test_anchor_statement_round_trip(log):
    result = run_cli(log, "anchor", *ANCHOR_BY, input=ANCHOR_PASSPHRASES)
    assert result.exit_code == 0, result.output
    line = next(x.strip() for x in result.stderr.splitlines() if x.strip().startswith("infos"))
    prefix, version, count, head_hash, day, keys = line.split(":")
    assert (prefix, version, count) == ("infoshare-anchor", "v2", str(DECIDED_ENTRIES))
    with Ledger.open(log) as ledger:
        assert head_hash == ledger.head().hash
    assert len(day) == 10 and len(keys) == 64
    assert "paper register" in result.stderr
    assert line in result.stdout  # the signed anchor carries the same line
    # Copied by hand: capitals, spaces, only the first 16 digits of the hash and keys.
    typed = f"  INFOSHARE-ANCHOR:v2:{count}:{head_hash[:16].upper()}:{day}:{keys[:16]} "
    ok = run_cli(log, "verify", "--anchor", typed)
    assert ok.exit_code == 0, ok.output
    assert "still contains the anchor" in ok.stdout
    assert "signing keys match" in ok.stdout
    # The older form, without the keys, still verifies (and says it checked no keys).
    old = run_cli(log, "verify", "--anchor", f"infoshare-anchor:v1:{count}:{head_hash}:{day}")
    assert old.exit_code == 0, old.output
    assert "does not record the staff's signing keys" in old.stdout
    as_json = take_anchor(log)
    assert as_json["anchor"] == line and as_json["signed"] == result.stdout
    assert as_json["signed_by"] == [ALEX, PRIYA]


def test_anchor_refuses_a_log_that_does_not_verify(log):
    with Tamper(log) as conn:
        conn.execute("DELETE FROM entries WHERE seq = 5")
    result = run_cli(log, "anchor")
    assert result.exit_code == 1
    assert "cannot be anchored" in result.stderr
    assert "infoshare-anchor:" not in result.stdout


def test_anchor_refuses_a_log_whose_newest_entry_is_forged(log):
    # Anchoring checks the newest entry (not every entry): a changed head is refused.
    with Tamper(log) as conn:
        seq = conn.execute("SELECT max(seq) FROM entries").fetchone()[0]
        s = row(conn, seq)["signature"]
        flipped = base64.b64encode(bytes([base64.b64decode(s)[0] ^ 1]) + base64.b64decode(s)[1:])
        conn.execute("UPDATE entries SET signature = ? WHERE seq = ?", (flipped.decode(), seq))
    result = run_cli(log, "anchor")
    assert result.exit_code == 1
    assert "cannot be anchored" in result.stderr
    assert f"Entry #{seq}" in result.stderr
    assert "infoshare-anchor:" not in result.stdout


def test_signatures_check_the_same_with_and_without_threads(log):
    with Tamper(log) as conn:
        s = row(conn, 12)["signature"]
        flipped = base64.b64encode(bytes([base64.b64decode(s)[0] ^ 1]) + base64.b64decode(s)[1:])
        conn.execute("UPDATE entries SET signature = ? WHERE seq = 12", (flipped.decode(),))
    for threads in (1, 2, 4):
        for processes in (False, True):
            bad = verify_path(log, threads=threads, processes=processes).first_bad
            assert (bad.seq, bad.code) == (12, "signature")


def test_several_anchors_are_each_checked_and_the_newest_measures_what_lies_past(log, tmp_path):
    """Entries written after the newest anchor are not covered by it: verify says how many."""
    from support.ledger_attacks import decide

    first = anchor_of(log)
    decide(log, tmp_path, "share", SAM, PRIYA, case="C-2001")
    second = anchor_of(log)
    decide(log, tmp_path, "do_not_share", SAM, PRIYA, case="C-2002")
    report = verify_path(log, anchor=[parse_anchor(first), parse_anchor(second)])
    assert report.ok, report.problems
    assert report.anchor.count == parse_anchor(second).count  # the newest, whatever the order
    assert [a.count for a, _, _ in report.older_anchors] == [parse_anchor(first).count]
    assert "2 entries over 0 days lie past this anchor" in report.anchor_note
    result = run_cli(log, "verify", "--anchor", first, "--anchor", second)
    assert result.exit_code == 0, result.output
    assert "lie past this anchor" in result.stdout and "infoshare anchor" in result.stdout
    # An older anchor that no longer holds fails the check, even beside a good newest one.
    forged = first.replace(parse_anchor(first).hash[:16], "0" * 16)
    result = run_cli(log, "verify", "--anchor", forged, "--anchor", second)
    assert result.exit_code == 1
    assert "no longer has the hash" in result.stdout


def _flip_signature(log, seq):
    with Tamper(log) as conn:
        s = base64.b64decode(row(conn, seq)["signature"])
        flipped = base64.b64encode(bytes([s[0] ^ 1]) + s[1:]).decode()
        conn.execute("UPDATE entries SET signature = ? WHERE seq = ?", (flipped, seq))


@pytest.mark.parametrize("boot", ["import sys; sys.exit(0)", "raise SystemExit(3)", "1/0"])
def test_worker_processes_that_answer_nothing_are_not_trusted(log, monkeypatch, boot):
    """A worker that never starts, stops, or answers nothing leaves its batches to be
    checked here: a forged signature is still found, and a good log still passes."""
    from infoshare_cli.integrity import signature_workers

    assert verify_path(log, processes=True, threads=2).ok
    monkeypatch.setattr(signature_workers, "_BOOT", boot)
    assert verify_path(log, processes=True, threads=2).ok
    _flip_signature(log, 9)
    bad = verify_path(log, processes=True, threads=2).first_bad
    assert (bad.seq, bad.code) == (9, "signature")


@pytest.mark.parametrize("python", ["no-python", None])
def test_worker_processes_that_cannot_be_started(log, monkeypatch, python):
    import sys

    missing = str(log.parent / python) if python else python
    monkeypatch.setattr(sys, "executable", missing)
    _flip_signature(log, 7)
    bad = verify_path(log, processes=True, threads=2).first_bad
    assert (bad.seq, bad.code) == (7, "signature")


def _damage_beside_the_entries(log):
    """A log whose record keys and derived data are wrong, its entries intact."""
    conn = raw(log)
    conn.execute("INSERT INTO decisions_awaiting VALUES (9)")
    conn.execute("DELETE FROM case_index WHERE decision = 9")
    conn.execute("DELETE FROM decision_numbers WHERE seq = (SELECT max(seq) FROM decision_numbers)")
    record = conn.execute(
        "SELECT json_extract(payload, '$.record') FROM entries WHERE kind = 'decision' "
        "ORDER BY seq LIMIT 1"
    ).fetchone()[0]
    conn.execute("DELETE FROM record_keys WHERE record = ?", (record,))
    conn.close()


def _report_of(log, **kwargs):
    report = verify_path(log, **kwargs).to_json()
    assert report.pop("log") == str(log)
    return report


@pytest.mark.parametrize("damaged", [False, True])
def test_the_checks_beside_the_pass_find_what_the_pass_would(log, monkeypatch, damaged):
    """A large log's outcomes, record keys and derived data are checked on a connection of
    their own while the pass runs (integrity/beside.py). The same report as one after the
    other on the log's own connection; and when the checks beside fail, or see entries
    other than the command's (someone wrote in between), they are done after the pass as
    on a small log, with the same report again."""
    from infoshare_cli.integrity import beside

    if damaged:
        _damage_beside_the_entries(log)
    alone = _report_of(log, processes=False)
    assert alone["ok"] is not damaged
    if damaged:
        problems = " ".join(alone["problems"])
        assert "record key is missing" in problems and "case index" in problems, problems
        assert "decision numbers" in problems and "awaiting" in problems, problems
    assert _report_of(log, processes=True, threads=2) == alone
    seen = []
    real = beside.ChecksBeside.result

    def result(self):
        found = real(self)
        seen.append(found)
        return found

    monkeypatch.setattr(beside.ChecksBeside, "result", result)
    assert _report_of(log, processes=True, threads=2) == alone
    assert seen and seen[-1] is not None  # the checks beside were used, not redone

    def fails(conn):
        raise sqlite3.DatabaseError("disk I/O error")

    monkeypatch.setattr(beside, "derived_problems", fails)
    assert _report_of(log, processes=True, threads=2) == alone
    assert seen[-1] is None
    monkeypatch.undo()
    monkeypatch.setattr(beside.ChecksBeside, "result", result)
    # The entries it sees are not the command's: one more was written in between.
    monkeypatch.setattr(beside, "entries_seen", lambda conn: (DECIDED_ENTRIES + 1, None, None))
    assert _report_of(log, processes=True, threads=2) == alone
    assert seen[-1] is None


def test_a_log_copied_into_memory_is_checked_on_its_copy(log):
    """`migrate` verifies a copy of the old log brought up to date in memory: the checks
    beside the pass would read the file instead, so they are not run beside it."""
    from infoshare_cli.integrity.beside import reads_the_file
    from infoshare_cli.integrity.verify import verify_ledger

    with Ledger.open(log, readonly=True) as ledger:
        assert reads_the_file(ledger.conn, log)
    snapshot = Ledger.snapshot(log)
    try:
        assert not reads_the_file(snapshot.conn, log)
        report = verify_ledger(snapshot, processes=True, threads=2)
    finally:
        snapshot.close()
    assert report.ok and report.entries == DECIDED_ENTRIES


def test_co_signatures_of_decisions_no_longer_at_hand_are_looked_up(log, monkeypatch):
    """The pass keeps only its newest decisions at hand; older ones are read back from the
    log, with the same result (here with none at hand at all)."""
    from infoshare_cli.integrity import chain

    monkeypatch.setattr(chain, "_RECENT", 0)
    assert verify_path(log).ok
    with Tamper(log) as conn:
        cosign = conn.execute(
            "SELECT seq FROM entries WHERE kind = 'cosign' ORDER BY seq LIMIT 1"
        ).fetchone()[0]
    _flip_signature(log, cosign)
    bad = verify_path(log).first_bad
    assert (bad.seq, bad.code) == (cosign, "signature")


# A module that answers every batch "all good", as a worker would; planted as json.py.
_ALL_GOOD_WORKER = """
import struct, sys
while True:
    head = sys.stdin.buffer.read(4)
    if len(head) < 4:
        raise SystemExit(0)
    sys.stdin.buffer.read(struct.unpack("<I", head)[0])
    sys.stdout.buffer.write(struct.pack("<i", -1))
    sys.stdout.buffer.flush()
"""


def test_a_module_planted_in_the_working_folder_does_not_run_in_the_workers(
    log, tmp_path, monkeypatch
):
    """Someone who can write to the folder the log is checked from (a shared folder, say)
    leaves a json.py there. A worker that imported it would answer "every signature holds",
    and `verify` would call a forged log intact; the workers must ignore the working folder
    (and PYTHON* settings), as Python's isolated mode does."""
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "json.py").write_text(_ALL_GOOD_WORKER, encoding="utf-8")
    monkeypatch.chdir(folder)
    # As at a nursery's PC: no test helpers on the path (they import json at start-up).
    monkeypatch.delenv("PYTHONPATH", raising=False)
    _flip_signature(log, 9)
    bad = verify_path(log, processes=True, threads=2).first_bad
    assert bad is not None and (bad.seq, bad.code) == (9, "signature")
    # ...found by a real worker, not by this process after the worker failed: a signature
    # without a key is bad (answer 0); the planted module would say -1, a dead worker None.
    from infoshare_cli.integrity.signature_workers import Workers

    workers = Workers(1)
    try:
        assert workers.send([(None, "not a signature", b"digest")])
        assert workers.answer() == 0
    finally:
        workers.close()


def test_a_bad_signature_in_an_early_batch_of_a_long_log(log):
    """Signatures are checked in batches of 256 while the entries are still being read: a
    bad one in the first batch of a longer log stops the pass there and is named."""
    alex = signer_for(log, ALEX)
    with Ledger.open(log) as ledger, ledger.batch():
        for n in range(300):
            ledger.append("setting", alex.staff_id, {"note": n}, alex.sign)
    with Tamper(log) as conn:
        s = base64.b64decode(row(conn, 20)["signature"])
        flipped = base64.b64encode(bytes([s[0] ^ 1]) + s[1:]).decode()
        conn.execute("UPDATE entries SET signature = ? WHERE seq = 20", (flipped,))
    for threads in (1, 2):
        bad = verify_path(log, threads=threads, processes=False).first_bad
        assert (bad.seq, bad.kind, bad.code) == (20, "setting", "signature")
        assert bad.message.endswith(
            "its signature does not match Alex Morgan's key as registered at the time — the "
            "entry was changed and re-sealed, or signed by someone else."
        )


def test_a_correction_of_something_that_is_not_a_decision(log):
    """Entry #8 is a co-signature: a correction can only point at a decision."""
    entry = _append(log, ALEX, "correction", {"decision": 8, "wrong": "x", "right": "y"})
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "rule")
    assert bad.message.endswith("it corrects a decision that is not earlier in the log.")


@pytest.mark.parametrize(
    "missing", ["name", "role", "public_key", "sealed_key"], ids=lambda m: f"no-{m}"
)
def test_a_staff_registration_with_details_missing(log, missing):
    """Signed by an active manager and allowed by the signing rules, but a register entry
    without a name, a role, a key or a sealed key cannot be applied to the register."""
    alex = signer_for(log, ALEX)
    body = {"action": "register", "staff_id": "s-new", "name": "Kim Hale", "role": "manager",
            "dsl": False, "public_key": crypto.public_key_b64(crypto.generate_private_key()),
            "sealed_key": {}, "by": alex.staff_id}  # fmt: skip
    del body[missing]
    with Ledger.open(log) as ledger:
        entry = ledger.append("staff", alex.staff_id, body, alex.sign)
    bad = first_bad(log)
    assert (bad.seq, bad.kind, bad.code) == (entry.seq, "staff", "fields")
    assert ": its contents are not in the shape infoshare writes (" in bad.message


def test_progress_is_reported_every_1024_entries(log):
    alex = signer_for(log, ALEX)
    with Ledger.open(log) as ledger, ledger.batch():
        for n in range(1030 - DECIDED_ENTRIES):
            ledger.append("setting", alex.staff_id, {"note": n}, alex.sign)
    calls = []
    report = verify_path(log, progress=lambda done, total: calls.append((done, total)))
    assert report.ok
    assert calls == [(0, 1030), (1024, 1030), (1030, 1030)]
    assert verify_path(log).ok  # and with no one to tell (migrate, export's API)


def test_verify_json_carries_each_anchor_and_its_result(log):
    good = parse_anchor(anchor_of(log))
    wrong = parse_anchor(f"infoshare-anchor:v1:5:{'ab' * 32}:")
    report = verify_path(log, anchor=[wrong, good])
    data = report.to_json()
    assert data["anchor"] == {"text": good.text, "ok": True, "message": report.anchor_note}
    assert "still contains the anchor" in report.anchor_note
    [older] = data["older_anchors"]
    assert (older["text"], older["ok"]) == (wrong.text, False)
    assert older["message"] == report.older_anchors[0][1].message
    assert verify_path(log).to_json()["anchor"] is None


def test_a_worker_lost_mid_check_still_names_the_earliest_bad_signature(log, monkeypatch):
    """Two batches of signatures (256 each), each with a forged one. The first goes to a
    worker; the worker is lost before the second can be handed over, so the second is
    checked here. The batch still waiting at the worker must be checked too, first: the
    report names entry #20, as the single-process check does, not the later one."""
    from infoshare_cli.integrity import signature_workers

    alex = signer_for(log, ALEX)
    with Ledger.open(log) as ledger, ledger.batch():
        for n in range(600):
            ledger.append("setting", alex.staff_id, {"note": n}, alex.sign)
    for seq in (20, 400):
        _flip_signature(log, seq)
    assert verify_path(log, threads=1, processes=False).first_bad.seq == 20
    sent = []
    real_send = signature_workers.Workers.send

    def send_once(self, work):
        sent.append(len(work))
        if len(sent) > 1:
            self.broken = True  # the worker is gone (its pipe closed)
            return False
        return real_send(self, work)

    monkeypatch.setattr(signature_workers.Workers, "send", send_once)
    bad = verify_path(log, processes=True, threads=2).first_bad
    assert len(sent) == 2
    assert (bad.seq, bad.code) == (20, "signature")


@pytest.mark.parametrize(
    "payload, says",
    [
        (
            {"decision": 8, "decision_hash": "0" * 64, "verdict": "agree"},
            "it co-signs a decision that is not earlier in the log.",
        ),
        (
            {"decision": 7, "decision_hash": "0" * 64, "verdict": "agree"},
            "it co-signs the decision at entry #7, but names a different version of it (the "
            "decision's hash does not match) — one of them was changed.",
        ),
    ],
    ids=["not-a-decision", "another-version"],
)
def test_a_co_signature_that_cannot_stand_is_named_in_words(log, payload, says):
    """Alex, a manager, co-signs entry #8 (itself a co-signature) or names the wrong hash
    for decision #7."""
    entry = _append(log, ALEX, "cosign", payload)
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (entry.seq, "rule")
    assert bad.message.endswith(": " + says)


def test_a_signature_with_stray_characters_in_its_text_is_not_accepted(log):
    """A signature is read as strict base64: the same bytes written with a stray character
    in the text are not the signature that was made, even though a lenient decoder would
    skip the character and find them."""
    with Tamper(log) as conn:
        text = row(conn, 9)["signature"]
        conn.execute(
            "UPDATE entries SET signature = ? WHERE seq = 9", (text[:20] + "!" + text[20:],)
        )
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (9, "signature")


def test_a_public_key_with_stray_characters_in_its_text_is_no_key(staffed_log, tmp_path):
    """A public key is read as strict base64, as a signature is: Priya's key written into
    her registration with a stray character is not her key, although a lenient decoder
    would skip the character and find it, so the decision she signed with it no longer
    passes, even with every hash and signature made again by their real signers."""
    log = staffed_log.path
    decide(log, tmp_path, "do_not_share", PRIYA, None)
    signers = {staff_id(log, name): signer_for(log, name) for name in (ALEX, PRIYA)}
    assert verify_path(log).ok

    def stray(payload):
        text = payload["public_key"]
        payload["public_key"] = text[:10] + "!" + text[10:]

    with Tamper(log) as conn:
        assert (row(conn, 3)["kind"], row(conn, 7)["actor"]) == ("staff", staff_id(log, PRIYA))
        set_payload(conn, 3, stray)
        rechain(conn, 3, lambda r: signers[r["actor"]].sign(bytes.fromhex(r["hash"])))
    bad = first_bad(log)
    assert (bad.seq, bad.code) == (7, "signature"), bad.message
