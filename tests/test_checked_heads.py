"""An export's whole-log check rests on the exporter's own signed statement of a head that
passed before (integrity/checked_heads.py), and nothing a tampered file carries forward
lets a changed entry out under their signature.

Every test works on a real log made through the real commands, exports with the real
`export` command, and attacks the file with plain SQLite as someone holding it could. What
the check did is read from its report (``signatures_checked``: how many Ed25519 signatures
the pass checked; ``rested_on``: the statement it rested on), with no mock anywhere.
"""

from __future__ import annotations

import json
import shutil

import pytest
from support.ledger_attacks import (
    DECIDED_ENTRIES,
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
)
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, signer

from infoshare_cli.actions.export_check import check_for_export
from infoshare_cli.actions.staff import deactivate_member
from infoshare_cli.domain.staff import find_member
from infoshare_cli.integrity.checked_heads import (
    PACKAGE,
    TAG,
    code_fingerprint,
    rules_fingerprint,
    signed_bytes,
    statement_text,
    trusted_head,
)
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.crypto import generate_private_key, sign
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register

EXPORTED = DECIDED_ENTRIES + 1  # the first export's own entry
RESTED = "had passed your own check on"
REFUSED = "Nothing was exported: this log fails `infoshare verify`"


@pytest.fixture(scope="module")
def _decided_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("checked") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


@pytest.fixture
def log(_decided_template, tmp_path):
    return copy_log(_decided_template, tmp_path / "log.sqlite3")


def export(log, tmp_path, by=ALEX, name="export.json"):
    out = tmp_path / name
    return run_cli(
        log, "export", "--format", "json", "--by", by, "--out", str(out),
        input=PASSPHRASES[by] + "\n",
    )  # fmt: skip


def exported(log, tmp_path, by=ALEX, name="export.json") -> str:
    result = export(log, tmp_path, by, name)
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def check(log, name=ALEX):
    """What export's check does for ``name``, in a read snapshot as `export` runs it."""
    with Ledger.open(log) as ledger:
        ledger.conn.execute("BEGIN")
        try:
            return check_for_export(ledger, signer(ledger, name))
        finally:
            ledger.conn.execute("ROLLBACK")


def trusted(log, name=ALEX):
    """The statement ``name``'s export would rest on, before its pass (None: none holds)."""
    with Ledger.open(log) as ledger:
        member = find_member(load_register(ledger), name)
        return trusted_head(ledger.conn, member.staff_id, member.public_key, ledger.head().seq)


def statements(log) -> list[tuple]:
    conn = raw(log)
    try:
        return conn.execute("SELECT staff_id, seq, statement FROM checked_heads").fetchall()
    finally:
        conn.close()


def _resigned_with_one_claim(log, claim, value) -> None:
    """Alex's stored statement with one claim changed, signed again with Alex's own key (an
    older or newer infoshare's slip, or Alex forging it), written as the statement."""
    conn = raw(log)
    claims = json.loads(conn.execute("SELECT statement FROM checked_heads").fetchone()[0])
    claims[claim] = value
    text = json.dumps(claims, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    conn.execute(
        "UPDATE checked_heads SET statement = ?, signature = ?",
        (text, signer_for(log, ALEX).sign(signed_bytes(text))),
    )
    conn.close()


def problems(log) -> list[str]:
    return [p.message for p in verify_path(log).problems]


# --- the incremental path -----------------------------------------------------------------


def test_the_second_export_checks_only_the_signatures_written_since(log, tmp_path):
    first = check(log)
    assert first.rested_on is None and first.report.ok
    assert first.report.signatures_checked == DECIDED_ENTRIES  # every entry's signature

    screen = exported(log, tmp_path)
    assert RESTED not in screen
    [(who, seq, text)] = statements(log)
    assert seq == DECIDED_ENTRIES and json.loads(text)["checked"] == TAG
    assert json.loads(text)["hash"] == row(raw(log), DECIDED_ENTRIES)["hash"]

    assert trusted(log).seq == DECIDED_ENTRIES
    second = check(log)
    assert second.report.ok and second.rested_on is not None
    assert second.rested_on.seq == DECIDED_ENTRIES
    assert second.report.signatures_checked == 1  # the first export's own entry, #13

    screen = exported(log, tmp_path, name="again.json")
    assert f"entry #{EXPORTED}, written since, was checked in full" in screen
    assert f"entries #1 to #{DECIDED_ENTRIES} {RESTED}" in screen
    assert [s[1] for s in statements(log)] == [DECIDED_ENTRIES, EXPORTED]
    third = check(log)
    assert third.rested_on.seq == EXPORTED and third.report.signatures_checked == 1
    report = verify_path(log)
    assert report.ok and report.checked_heads_held == 2
    assert report.signatures_checked == EXPORTED + 1  # verify never rests on a statement


def test_verify_says_the_earlier_checks_still_match(log, tmp_path):
    exported(log, tmp_path)
    result = run_cli(log, "verify")
    assert result.exit_code == 0, result.output
    assert "1 earlier check by exports, each signed by the person who exported, still matches" in (
        " ".join(result.output.split())
    )
    assert json.loads(run_cli(log, "verify", "--json").stdout)["checked_heads"] == {
        "holding": 1,
        "problems": [],
    }


def test_decisions_written_after_the_checked_head_are_checked_in_full(log, tmp_path):
    exported(log, tmp_path)
    with Tamper(log) as conn:  # the export's own entry, after the head that passed
        conn.execute(
            "UPDATE entries SET signature = (SELECT signature FROM entries WHERE seq = 2) "
            "WHERE seq = ?",
            (EXPORTED,),
        )
    found = check(log)
    assert not found.report.ok and found.report.first_bad.seq == EXPORTED
    result = export(log, tmp_path, name="again.json")
    assert result.exit_code == 1 and REFUSED in result.output


# --- attacks before the checked head ------------------------------------------------------


def test_a_payload_edited_before_the_head_is_caught_by_the_hash_recomputed(log, tmp_path):
    exported(log, tmp_path)
    with Tamper(log) as conn:  # the stored hash left alone: the chain still links
        set_payload(conn, 7, lambda p: p.update(outcome="do_not_share"))
    found = check(log)
    assert not found.report.ok
    assert (found.report.first_bad.seq, found.report.first_bad.code) == (7, "hash")
    result = export(log, tmp_path, name="again.json")
    assert result.exit_code == 1 and REFUSED in result.output
    assert "Entry #7" in result.output and not (tmp_path / "again.json").exists()


def test_a_signature_edited_before_the_head_is_caught_by_the_stated_signature_column(log, tmp_path):
    """An entry's hash covers every field but its signature: the statement covers the
    signature column, so a signature changed since is not exported unchecked."""
    exported(log, tmp_path)
    with Tamper(log) as conn:
        conn.execute(
            "UPDATE entries SET signature = (SELECT signature FROM entries WHERE seq = 7) "
            "WHERE seq = 8"
        )
    found = check(log)
    assert found.rested_on is None  # the whole check ran, and named the entry
    assert (found.report.first_bad.seq, found.report.first_bad.code) == (8, "signature")
    assert found.report.signatures_checked >= 8
    result = export(log, tmp_path, name="again.json")
    assert result.exit_code == 1 and REFUSED in result.output


def test_a_prefix_entry_rewritten_with_the_chain_recomputed_is_refused(log, tmp_path):
    exported(log, tmp_path)
    with Tamper(log) as conn:
        set_payload(conn, 7, lambda p: p.update(outcome="do_not_share"))
        rechain(conn, 7)
    assert trusted(log) is None  # entry #12's hash is no longer the one stated
    found = check(log)
    assert found.rested_on is None and not found.report.ok
    assert (found.report.first_bad.seq, found.report.first_bad.code) == (7, "signature")
    result = export(log, tmp_path, name="again.json")
    assert result.exit_code == 1 and REFUSED in result.output
    assert f"The log was changed after {ALEX} checked it on" in " ".join(problems(log)), problems(
        log
    )


def test_a_statement_forged_over_a_rewritten_log_is_not_trusted(log, tmp_path):
    """The attacker rewrites the log and writes a statement for Alex of its new head, signed
    with a key of their own: it does not hold under Alex's key."""
    exported(log, tmp_path)
    with Tamper(log) as conn:
        set_payload(conn, 7, lambda p: p.update(outcome="do_not_share"))
        rechain(conn, 7)
        old = conn.execute("SELECT staff_id, statement FROM checked_heads").fetchone()
        claims = json.loads(old[1])
        head = row(conn, EXPORTED)
        forged = statement_text(
            log=claims["log"],
            seq=EXPORTED,
            hash=head["hash"],
            keys=claims["keys"],
            signatures=claims["signatures"],
            staff_id=old[0],
            checked_at=claims["checked_at"],
        )
        conn.execute(
            "INSERT INTO checked_heads (staff_id, seq, statement, signature) VALUES (?,?,?,?)",
            (old[0], EXPORTED, forged, sign(generate_private_key(), signed_bytes(forged))),
        )
    assert trusted(log) is None
    found = check(log)
    assert found.rested_on is None and not found.report.ok
    result = export(log, tmp_path, name="again.json")
    assert result.exit_code == 1 and REFUSED in result.output
    assert any(
        "checked the log on" in p and "is not signed with their key as registered" in p
        for p in problems(log)
    ), problems(log)


def test_a_statement_whose_hash_was_edited_is_not_trusted_and_verify_names_it(log, tmp_path):
    exported(log, tmp_path)
    conn = raw(log)
    text = conn.execute("SELECT statement FROM checked_heads").fetchone()[0]
    edited = text.replace(json.loads(text)["hash"], "0" * 64)
    conn.execute("UPDATE checked_heads SET statement = ?", (edited,))
    conn.close()
    assert trusted(log) is None
    found = check(log)
    assert found.rested_on is None  # the whole check
    assert found.report.signatures_checked == EXPORTED
    assert [p.code for p in found.report.problems] == ["checked"]
    assert "is not signed with their key as registered" in problems(log)[0]
    result = export(log, tmp_path, name="again.json")
    assert result.exit_code == 1 and REFUSED in result.output


def test_another_staff_members_statement_does_not_count_for_my_export(log, tmp_path):
    exported(log, tmp_path, by=PRIYA)
    assert statements(log)[0][1] == DECIDED_ENTRIES
    assert check(log, PRIYA).rested_on is not None  # Priya's own export would rest on it
    assert trusted(log, PRIYA).seq == DECIDED_ENTRIES and trusted(log, ALEX) is None
    mine = check(log, ALEX)
    assert mine.rested_on is None and mine.report.ok
    assert mine.report.signatures_checked == EXPORTED
    assert RESTED not in exported(log, tmp_path, name="mine.json")


def test_a_statement_about_another_log_is_not_trusted(log, tmp_path):
    """Alex's own key signed it, but about another log (an insider's slip or a copy): it
    is named, and the export does not rest on it."""
    exported(log, tmp_path)
    conn = raw(log)
    old = conn.execute("SELECT staff_id, seq, statement FROM checked_heads").fetchone()
    claims = json.loads(old[2])
    other = statement_text(
        log="f" * 64,
        seq=old[1],
        hash=claims["hash"],
        keys=claims["keys"],
        signatures=claims["signatures"],
        staff_id=old[0],
        checked_at=claims["checked_at"],
    )
    conn.execute("DELETE FROM checked_heads")
    alex = signer_for(log, ALEX)
    conn.execute(
        "INSERT INTO checked_heads (staff_id, seq, statement, signature) VALUES (?,?,?,?)",
        (old[0], old[1], other, alex.sign(signed_bytes(other))),
    )
    conn.close()
    assert trusted(log) is None
    assert check(log).rested_on is None
    assert any("is about another log" in p for p in problems(log)), problems(log)


def test_a_statement_copied_in_from_another_log_is_not_trusted(log, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    other_log = other / "log.sqlite3"
    build_decided_log(other_log)  # the same people, keys of their own
    exported(other_log, other)
    conn = raw(other_log)
    copied = conn.execute(
        "SELECT staff_id, seq, statement, signature FROM checked_heads"
    ).fetchone()
    conn.close()
    exported(log, tmp_path)
    conn = raw(log)
    conn.execute("DELETE FROM checked_heads")
    conn.execute(
        "INSERT INTO checked_heads (staff_id, seq, statement, signature) VALUES (?,?,?,?)", copied
    )
    conn.close()
    assert trusted(log) is None
    found = check(log)
    assert found.rested_on is None and found.report.signatures_checked == EXPORTED
    assert [p.code for p in found.report.problems] == ["checked"]
    result = export(log, tmp_path, name="again.json")
    assert result.exit_code == 1 and REFUSED in result.output


@pytest.mark.parametrize(
    "rules",
    [
        "0" * 64,  # the fingerprint of some other version of infoshare
        1,  # the number the first statements carried, before the fingerprint
    ],
)
def test_a_statement_under_older_rules_is_not_trusted(log, tmp_path, rules):
    exported(log, tmp_path)
    _resigned_with_one_claim(log, "rules", rules)
    assert trusted(log) is None
    found = check(log)
    assert found.rested_on is None and found.report.ok  # still true: verify accepts it
    assert found.report.signatures_checked == EXPORTED
    assert "not one infoshare wrote" not in run_cli(log, "verify").output
    result = export(log, tmp_path, name="after-an-upgrade.json")
    assert result.exit_code == 0, result.output


def test_a_deactivated_exporters_statement_is_not_rested_on(log, tmp_path):
    exported(log, tmp_path, by=PRIYA)
    with Ledger.open(log) as ledger:
        deactivate_member(ledger, signer(ledger, ALEX), find_member(load_register(ledger), PRIYA))
    # Priya's key still opens, but she is no longer active: her statement is not rested on.
    with Ledger.open(log) as ledger:
        ledger.conn.execute("BEGIN")
        try:
            from infoshare_cli.actions.staff import unlock

            member = find_member(load_register(ledger), PRIYA)
            found = check_for_export(ledger, unlock(member, PASSPHRASES[PRIYA]))
        finally:
            ledger.conn.execute("ROLLBACK")
    assert found.rested_on is None and found.report.ok
    result = export(log, tmp_path, by=PRIYA, name="priya.json")
    assert result.exit_code != 0 and not (tmp_path / "priya.json").exists()
    assert verify_path(log).ok  # her statement was true when she made it


@pytest.mark.parametrize("how", ["DROP TABLE checked_heads", "DELETE FROM checked_heads"])
def test_statements_lost_cost_only_the_whole_check(log, tmp_path, how):
    exported(log, tmp_path)
    conn = raw(log)
    conn.execute(how)
    conn.close()
    assert verify_path(log).ok
    found = check(log)
    assert found.rested_on is None and found.report.signatures_checked == EXPORTED
    assert RESTED not in exported(log, tmp_path, name="again.json")
    assert [s[1] for s in statements(log)] == [EXPORTED]  # kept again, in the same table
    assert verify_path(log).ok and check(log).rested_on.seq == EXPORTED


def test_verify_names_entries_removed_from_the_end_after_a_check(log, tmp_path):
    exported(log, tmp_path)
    with Tamper(log) as conn:
        conn.execute("DELETE FROM entries WHERE seq >= ?", (DECIDED_ENTRIES,))
    found = problems(log)
    assert any(
        f"{ALEX} checked this log on" in p
        and f"up to entry #{DECIDED_ENTRIES}, but it now ends at #{DECIDED_ENTRIES - 1}" in p
        for p in found
    ), found
    result = export(log, tmp_path, name="again.json")
    assert result.exit_code == 1 and REFUSED in result.output


def test_a_row_that_is_not_a_statement_is_named(log):
    conn = raw(log)
    conn.execute(
        "INSERT INTO checked_heads (staff_id, seq, statement, signature) VALUES (?, ?, ?, ?)",
        ("s-0", 3, "not a statement", "x"),
    )
    conn.close()
    assert problems(log) == [
        "A record of an export's check of the log (in the checked_heads table) is not one "
        "infoshare wrote: it was added or edited outside infoshare."
    ]


def test_sam_a_practitioner_who_exports_rests_on_his_own_check(log, tmp_path):
    exported(log, tmp_path, by=SAM)
    assert check(log, SAM).rested_on.seq == DECIDED_ENTRIES
    assert f"entries #1 to #{DECIDED_ENTRIES} {RESTED}" in exported(
        log, tmp_path, by=SAM, name="again.json"
    )


def test_only_a_statement_signed_with_the_exporters_own_key_is_trusted(log, tmp_path):
    exported(log, tmp_path)
    conn = raw(log)
    staff, seq, text = conn.execute("SELECT staff_id, seq, statement FROM checked_heads").fetchone()
    conn.close()

    def trusted(signature: str):
        conn = raw(log)
        conn.execute("UPDATE checked_heads SET signature = ?", (signature,))
        try:
            return trusted_head(conn, staff, signer_for(log, ALEX).member.public_key, EXPORTED)
        finally:
            conn.close()

    assert trusted(signer_for(log, ALEX).sign(signed_bytes(text))).seq == seq
    assert trusted(sign(generate_private_key(), signed_bytes(text))) is None
    assert trusted(signer_for(log, PRIYA).sign(signed_bytes(text))) is None
    assert trusted(signer_for(log, ALEX).sign(text.encode())) is None  # without the tag


def test_a_statement_of_the_head_itself_holds_and_one_beyond_it_does_not(log, tmp_path):
    """A statement is of a head at or before the log's head: at the head itself (nothing
    written since) it holds; a statement beyond the head (entries removed) does not."""
    exported(log, tmp_path)
    conn = raw(log)
    try:
        staff, seq = conn.execute("SELECT staff_id, seq FROM checked_heads").fetchone()
        key = signer_for(log, ALEX).member.public_key
        assert seq == DECIDED_ENTRIES
        assert trusted_head(conn, staff, key, seq).seq == seq
        assert trusted_head(conn, staff, key, seq + 1).seq == seq
        assert trusted_head(conn, staff, key, seq - 1) is None
    finally:
        conn.close()


def test_what_comes_after_the_head_is_checked_against_the_state_before_it(log, tmp_path):
    """The register, the decisions and the erasures up to the checked head are built again
    from the entries (not their rules re-run): a co-signature and an erasure written after
    it are checked against them, and an erasure before it is still reported as one."""
    from infoshare_cli.actions.erasing import erase_decisions

    with Ledger.open(log) as ledger:  # decision 1 (entry #7) erased before the first export
        erase_decisions(ledger, signer(ledger, ALEX), signer(ledger, PRIYA), [7], "mistake", "x")
    decide(log, tmp_path, "do_not_share", SAM, None, case="C-2001")  # awaiting co-signature
    exported(log, tmp_path)
    rested = check(log).rested_on.seq
    result = run_cli(
        log, "cosign", "4", "--by", ALEX,
        input=f"{PASSPHRASES[ALEX]}\nagree\nAgreed after talking it through.\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with Ledger.open(log) as ledger:  # decision 2 (entry #9) erased after it
        erase_decisions(ledger, signer(ledger, ALEX), signer(ledger, PRIYA), [9], "mistake", "y")
    found = check(log)
    assert found.report.ok and found.rested_on.seq == rested
    written_since = verify_path(log).entries - rested
    assert found.report.signatures_checked == written_since == 4  # export, cosign, erasure x2
    assert sorted(e.decision for e in found.report.erased) == [7, 9]
    full = verify_path(log)
    assert full.ok and [e.decision for e in full.erased] == [
        e.decision for e in found.report.erased
    ]


@pytest.mark.parametrize(
    ("claim", "value", "verify_says"),
    [
        ("keys", "0" * 64, "are not the ones"),
        ("signatures", "0" * 64, None),  # only an export reads it: verify checks every one
        ("hash", "0" * 64, "The log was changed after"),
        ("rules", "f" * 64, None),
    ],
)
def test_a_statement_signed_by_the_exporter_but_wrong_in_one_claim_is_not_rested_on(
    log, tmp_path, claim, value, verify_says
):
    """Signed with Alex's own key (as a slip of an older or newer infoshare might be), each
    claim is still held to the log before an export rests on it."""
    exported(log, tmp_path)
    _resigned_with_one_claim(log, claim, value)
    assert trusted(log) is None or claim == "signatures"  # held after the pass, below
    found = check(log)
    assert found.rested_on is None and found.report.signatures_checked == EXPORTED
    if verify_says is None:
        assert found.report.ok and verify_path(log).ok
    else:
        assert any(verify_says in p for p in problems(log)), problems(log)


def test_the_rules_fingerprint_changes_with_any_rule_file_and_only_with_them(tmp_path):
    """A statement names the code that checked: a changed rule module, shipped question set
    or the built-in questions.yaml gives another fingerprint, so an upgrade's first export
    checks everything again without anyone raising a version number by hand."""
    copy = tmp_path / "infoshare_cli"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "questions.yaml").write_bytes((PACKAGE.parent / "questions.yaml").read_bytes())
    assert code_fingerprint(copy) == rules_fingerprint()
    before = code_fingerprint(copy)
    (copy / "__pycache__").mkdir(exist_ok=True)
    (copy / "__pycache__" / "stray.py").write_text("compiled leftovers do not count\n")
    (copy / "notes.txt").write_text("nor does a file that is neither code nor a question set\n")
    assert code_fingerprint(copy) == before
    for changed in (
        copy / "integrity" / "chain.py",
        copy / "domain" / "routing.py",
        copy / "checklist" / "earlier_sets" / "2018.1.yaml",
        tmp_path / "questions.yaml",
    ):
        original = changed.read_bytes()
        changed.write_bytes(original + b"\n")
        assert code_fingerprint(copy) != before, changed
        changed.write_bytes(original)
        assert code_fingerprint(copy) == before
