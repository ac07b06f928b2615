"""Readers trust only what `verify` accepts: attacks on a real log, seen by `show`.

Each test forges something in a copy of a real log (made through the real commands) the
way someone holding the file could, then reads it back with `show` (screen, --json and the
printable record) and checks that the forgery is marked as failing, exactly where `verify`
rejects it. One rulebook (domain/signing.py) serves both.
"""

from __future__ import annotations

import json

import pytest
from support.ledger_attacks import (
    DECIDED_ENTRIES,
    build_decided_log,
    copy_log,
    run_cli,
    signer_for,
    staff_id,
)
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, answers_file_data
from support.reading import sealed_as_the_tool

from infoshare_cli.domain.decisions import cosign_payload
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger import crypto
from infoshare_cli.ledger.store import Ledger

FAKE_SEALED = {"kdf": "argon2id", "note": "never unsealed: the attacker holds the key"}


@pytest.fixture(scope="module")
def _decided_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("decided") / "log.sqlite3"
    build_decided_log(path)
    return copy_log(path, path.parent / "template.sqlite3")


@pytest.fixture
def log(_decided_template, tmp_path):
    return copy_log(_decided_template, tmp_path / "log.sqlite3")


def show_json(log, decision: int) -> dict:
    """`show --json` of the decision at entry ``decision`` (given in the entry form)."""
    result = run_cli(log, "show", f"e{decision}", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def verify_first_bad(log):
    report = verify_path(log)
    assert not report.ok
    return report.first_bad


def cosign_body(log, decision: int, verdict: str = "disagree") -> dict:
    with Ledger.open(log) as ledger:  # sealed as the tool seals it
        target = ledger.get(decision)
        body = cosign_payload(target.seq, target.hash, verdict, "I do not agree at all.")
        return sealed_as_the_tool(ledger, "cosign", body)


def forge_manager(log, *, claimed_signer: str) -> tuple[str, object]:
    """Append a staff entry registering 'Mallory' as a manager, with a key the attacker
    holds, claiming to be signed by ``claimed_signer`` but signed with the attacker's key."""
    attacker = crypto.generate_private_key()
    mallory = "s-ma11047e"
    by = staff_id(log, claimed_signer)
    body = {
        "action": "register",
        "staff_id": mallory,
        "name": "Mallory Fake",
        "role": "manager",
        "dsl": False,
        "public_key": crypto.public_key_b64(attacker),
        "sealed_key": FAKE_SEALED,
        "by": by,
    }
    with Ledger.open(log) as ledger:
        ledger.append("staff", by, body, lambda m: crypto.sign(attacker, m))
    return mallory, attacker


def test_a_healthy_log_shows_every_signature_as_passing(log):
    for decision in (7, 9, 10):
        shown = show_json(log, decision)
        assert shown["checks_ok"] is True and shown["problems"] == []
        assert shown["signature_ok"] is True
        assert all(c["signature_ok"] for c in shown["cosignatures"])


def test_a_forged_manager_cannot_co_sign_in_show(log):
    # The attack the issue names: a staff row and key added without a manager's valid
    # signature, then a co-signature with that key. show used to say it verifies.
    mallory, attacker = forge_manager(log, claimed_signer=ALEX)
    with Ledger.open(log) as ledger:
        forged = ledger.append(
            "cosign", mallory, cosign_body(log, 7), lambda m: crypto.sign(attacker, m)
        )
    bad = verify_first_bad(log)
    assert (bad.seq, bad.code) == (DECIDED_ENTRIES + 1, "signature")

    shown = show_json(log, 7)
    by_seq = {c["seq"]: c for c in shown["cosignatures"]}
    assert by_seq[forged.seq]["signature_ok"] is False
    assert by_seq[8]["signature_ok"] is True  # Priya's real co-signature, before the forgery
    assert shown["checks_ok"] is False
    assert any(
        f"staff entry #{DECIDED_ENTRIES + 1} does not verify" in p for p in shown["problems"]
    )

    screen = run_cli(log, "show", "1")
    assert screen.exit_code == 0
    assert "FAILS the checks" in screen.stdout
    assert f"Entry #{forged.seq} (a co-signature) fails" in " ".join(screen.stdout.split())

    printable = run_cli(log, "show", "1", "--format", "md")
    assert "SIGNATURE DOES NOT VERIFY" in printable.stdout


def test_a_forged_passphrase_change_is_not_used_by_show(log):
    # A "rekey" of Priya to a key the attacker holds, signed by the attacker's key (not
    # Priya's previous one), then a co-signature "by Priya" with it.
    attacker = crypto.generate_private_key()
    priya = staff_id(log, PRIYA)
    body = {"action": "rekey", "staff_id": priya, "by": priya, "sealed_key": FAKE_SEALED,
            "public_key": crypto.public_key_b64(attacker)}  # fmt: skip
    with Ledger.open(log) as ledger:
        rekey = ledger.append("staff", priya, body, lambda m: crypto.sign(attacker, m))
        forged = ledger.append(
            "cosign", priya, cosign_body(log, 10), lambda m: crypto.sign(attacker, m)
        )
    assert verify_first_bad(log).seq == rekey.seq

    shown = show_json(log, 10)
    by_seq = {c["seq"]: c for c in shown["cosignatures"]}
    assert by_seq[11]["signature_ok"] is True
    assert by_seq[forged.seq]["signature_ok"] is False
    assert shown["checks_ok"] is False


def test_a_practitioner_adding_a_manager_is_refused_by_show(log):
    # An insider: Sam's real key, but a practitioner may not change the register. The
    # signature itself is genuine; the rule is broken, so the new "manager" signs nothing.
    sam = signer_for(log, SAM)
    key = crypto.generate_private_key()
    body = {"action": "register", "staff_id": "s-0ddba11", "name": "Sam's Friend",
            "role": "manager", "dsl": False, "public_key": crypto.public_key_b64(key),
            "sealed_key": FAKE_SEALED, "by": sam.staff_id}  # fmt: skip
    with Ledger.open(log) as ledger:
        staff = ledger.append("staff", sam.staff_id, body, sam.sign)
        forged = ledger.append(
            "cosign", "s-0ddba11", cosign_body(log, 7), lambda m: crypto.sign(key, m)
        )
    bad = verify_first_bad(log)
    assert (bad.seq, bad.code) == (staff.seq, "rule")

    shown = show_json(log, 7)
    assert {c["seq"]: c["signature_ok"] for c in shown["cosignatures"]}[forged.seq] is False
    assert any("Sam Lee who signed it is a practitioner" in p for p in shown["problems"])


def test_a_real_practitioner_co_signature_fails_in_show(log):
    # Sam's genuine signature on a co-signature: verify rejects the rule (only managers
    # co-sign), so show must not call it valid either.
    sam = signer_for(log, SAM)
    with Ledger.open(log) as ledger:
        forged = ledger.append(
            "cosign",
            sam.staff_id,
            sealed_as_the_tool(ledger, "cosign", cosign_body(log, 10)),
            sam.sign,
        )
    bad = verify_first_bad(log)
    assert (bad.seq, bad.code) == (forged.seq, "rule")
    shown = show_json(log, 10)
    assert {c["seq"]: c["signature_ok"] for c in shown["cosignatures"]}[forged.seq] is False
    assert any("only a manager can co-sign" in p for p in shown["problems"])


def test_an_edited_decision_is_marked_in_show(log):
    from support.ledger_attacks import Tamper, set_payload

    with Tamper(log) as conn:
        set_payload(conn, 9, lambda p: p.update(outcome="share"))
    assert verify_first_bad(log).seq == 9
    shown = show_json(log, 9)
    assert shown["signature_ok"] is False
    assert any("changed after it was written" in p for p in shown["problems"])


# --- log, case, stats and export ------------------------------------------------------------


def forge_a_co_signature(log):
    """Mallory (a forged staff row) co-signs #9, which Sam took and Alex later agreed."""
    mallory, attacker = forge_manager(log, claimed_signer=ALEX)
    with Ledger.open(log) as ledger:
        return ledger.append(
            "cosign", mallory, cosign_body(log, 9), lambda m: crypto.sign(attacker, m)
        )


def test_log_marks_a_decision_resting_on_a_forgery(log):
    forge_a_co_signature(log)
    rows = {r["id"]: r for r in json.loads(run_cli(log, "log", "--json").stdout)}
    assert rows[9]["checks_ok"] is False
    assert rows[7]["checks_ok"] is True and rows[10]["checks_ok"] is True
    assert any("fails the checks verify makes" in p for p in rows[9]["problems"])

    screen = run_cli(log, "log")
    text = " ".join(screen.stdout.split())
    assert "FAILS" in text.split("Read one in full")[0]  # in the row itself
    assert "1 decision shown here FAILS the checks `infoshare verify` makes: 2." in text


def test_log_names_an_edited_decision(log):
    from support.ledger_attacks import Tamper, set_payload

    with Tamper(log) as conn:
        set_payload(conn, 10, lambda p: p.update(outcome="share"))
    rows = {r["id"]: r for r in json.loads(run_cli(log, "log", "--json").stdout)}
    assert rows[10]["checks_ok"] is False and rows[7]["checks_ok"] is True


def test_case_marks_the_failing_decision(log):
    forge_a_co_signature(log)
    rows = {r["id"]: r for r in json.loads(run_cli(log, "case", "C-1042", "--json").stdout)}
    assert rows[9]["checks_ok"] is False and rows[7]["checks_ok"] is True
    screen = " ".join(run_cli(log, "case", "C-1042").stdout.split())
    assert "FAILS CHECKS" in screen and "FAILS the checks `infoshare verify` makes: 2" in screen


def test_stats_names_a_forged_staff_register(log):
    forge_manager(log, claimed_signer=ALEX)
    result = run_cli(log, "stats", "--json")
    assert json.loads(result.stdout)["staff_register_fails_at"] == DECIDED_ENTRIES + 1
    screen = " ".join(run_cli(log, "stats").stdout.split())
    assert f"Staff entry #{DECIDED_ENTRIES + 1} fails the checks" in screen


def test_export_refuses_a_log_that_fails_verify(log, tmp_path):
    from support.people import PASSPHRASES

    forge_a_co_signature(log)
    for fmt in ("csv", "json", "jsonl", "md", "html"):
        out = tmp_path / f"export.{fmt}"
        result = run_cli(
            log, "export", "--format", fmt, "--by", ALEX, "--out", out,
            input=PASSPHRASES[ALEX] + "\n",
        )  # fmt: skip
        assert result.exit_code == 1, result.output
        assert "Nothing was exported: this log fails `infoshare verify`" in result.output
        assert f"Entry #{DECIDED_ENTRIES + 1}" in result.output
        assert not out.exists()


def test_export_with_allow_unverified_carries_the_warning(log, tmp_path):
    from support.people import PASSPHRASES

    forge_a_co_signature(log)
    for fmt in ("csv", "json", "md", "html"):
        out = tmp_path / f"export.{fmt}"
        result = run_cli(
            log, "export", "--format", fmt, "--by", ALEX, "--out", out, "--allow-unverified",
            input=PASSPHRASES[ALEX] + "\n",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "the log fails `infoshare verify`" in result.output
        text = out.read_text(encoding="utf-8")
        assert "This export was taken from a log that FAILS" in text[:2000], fmt
        if fmt == "json":
            assert json.loads(text)["warning"].startswith("This export was taken from a log")
    with Ledger.open(log) as ledger:
        assert ledger.head().kind == "export" and ledger.head().payload["unverified"] is True


def test_an_export_rechecks_each_entry_unless_verify_passed_in_its_snapshot(log, tmp_path):
    # An export whose whole-log check passed does not check each entry again; when the
    # check failed (--allow-unverified), or ran in another snapshot, every entry is checked.
    import base64

    from support.ledger_attacks import Tamper, row
    from support.people import PASSPHRASES

    from infoshare_cli.actions.exporting import run_export
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.reading.filters import make_filters

    with Tamper(log) as conn:  # decision #9's signature no longer matches
        s = base64.b64decode(row(conn, 9)["signature"])
        flipped = base64.b64encode(bytes([s[0] ^ 1]) + s[1:]).decode()
        conn.execute("UPDATE entries SET signature = ? WHERE seq = 9", (flipped,))
    out = tmp_path / "export.md"
    result = run_cli(
        log, "export", "--format", "md", "--by", ALEX, "--out", out, "--allow-unverified",
        input=PASSPHRASES[ALEX] + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "SIGNATURE DOES NOT VERIFY" in out.read_text(encoding="utf-8")
    # A head claimed as verified counts for nothing outside the snapshot verify ran in.
    with Ledger.open(log) as ledger:
        head = ledger.head()
        assert not ledger.conn.in_transaction
        again = tmp_path / "again.md"
        run_export(
            ledger, signer_for(log, ALEX), load_question_set(), fmt="md",
            filters=make_filters(), path=again, verified_head=(head.seq, head.hash),
        )  # fmt: skip
    assert "SIGNATURE DOES NOT VERIFY" in again.read_text(encoding="utf-8")


# --- the register people are unlocked against -----------------------------------------------


def test_a_forged_manager_is_not_on_the_staff_list_and_cannot_be_picked(log, tmp_path):
    """A manager put into the file without a manager's signature is not listed, cannot be
    named as a co-signer: every command that names or unlocks staff
    uses the register as `verify` accepts it."""
    forge_manager(log, claimed_signer=ALEX)
    listed = run_cli(log, "staff", "list")
    assert listed.exit_code == 0, listed.output
    assert "Mallory" not in listed.stdout
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(answers_file_data("share", case_ref="C-3001", by=SAM)))
    result = run_cli(
        log,
        *("decide", "--answers", answers, "--cosigner", "Mallory Fake"),
        input=f"{PASSPHRASES[SAM]}\nwhatever she typed\n",
    )
    assert result.exit_code != 0
    assert "Nobody called 'Mallory Fake' is on the staff register" in " ".join(
        result.output.split()
    )


def test_a_reseal_nobody_signed_does_not_lock_its_owner_out(log):
    """Someone with the file but no passphrase appends a "reseal" of Priya's key: a seal
    her passphrase does not open (or one that takes a gigabyte to try). verify rejects it;
    the tool must not use it, so Priya's passphrase still unlocks her key."""
    attacker = crypto.generate_private_key()
    priya = staff_id(log, PRIYA)
    with Ledger.open(log) as ledger:
        public = ledger.get(3).payload["public_key"]  # Priya's registration (entry #3)
        sealed = crypto.seal_private_key(attacker, "the attacker's own passphrase")
        sealed["public_key"] = public  # claims to be her key, as the reseal rule asks
        body = {"action": "reseal", "staff_id": priya, "sealed_key": sealed, "by": priya}
        forged = ledger.append("staff", priya, body, lambda m: crypto.sign(attacker, m))
    bad = verify_first_bad(log)
    assert (bad.seq, bad.code) == (forged.seq, "signature")
    result = run_cli(log, "log", "--as", PRIYA, input=PASSPHRASES[PRIYA] + "\n")
    assert result.exit_code == 0, result.output
    assert "Wrong passphrase" not in result.output
    assert "Decisions, newest first" in result.stdout


def forge_decision(log) -> int:
    """Append a copy of decision #10 (Alex's) as a new decision 'by Alex', signed with an
    attacker's key: it awaits co-signature, and fails verify."""
    attacker = crypto.generate_private_key()
    with Ledger.open(log) as ledger:
        model = ledger.get(10)
        forged = ledger.append(
            "decision", model.actor, model.payload, lambda m: crypto.sign(attacker, m)
        )
    assert verify_first_bad(log).seq == forged.seq
    return forged.seq


def test_a_forged_decision_cannot_be_co_signed(log):
    """A real manager's co-signature would lend a forgery their name: `cosign` refuses a
    decision that fails verify's checks, before anyone types a passphrase."""
    forged = forge_decision(log)
    with Ledger.open(log) as ledger:
        before = ledger.count()
    result = run_cli(
        log, "cosign", f"e{forged}", "--by", PRIYA, input=f"{PASSPHRASES[PRIYA]}\nagree\nfine\n"
    )
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert (
        "Decision 4 fails the checks" in said
    )  # entry #13, the fourth decision and "Nothing was written" in said
    with Ledger.open(log) as ledger:
        assert ledger.count() == before


def test_pending_marks_a_forged_decision_as_log_does(log):
    """`pending` reads the list of decisions awaiting co-signature; a decision appended by
    hand is on it (it awaits, as far as the entries go) and must be marked as failing,
    not offered as an ordinary one to co-sign."""
    forged = forge_decision(log)
    listed = run_cli(log, "pending", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {row["id"]: row for row in json.loads(listed.stdout)}
    assert rows[forged]["checks_ok"] is False
    assert any(f"Entry #{forged} (a decision) fails" in p for p in rows[forged]["problems"])
    screen = run_cli(log, "pending")
    assert screen.exit_code == 0, screen.output
    said = " ".join(screen.stdout.split())
    assert "FAILS CHECKS" in said
    assert "FAILS the checks `infoshare verify` makes: 4" in said  # decision 4: entry #13


def test_pending_shows_genuine_decisions_as_passing(log, tmp_path):
    from support.ledger_attacks import decide

    decide(log, tmp_path, "share", SAM, None, case="C-4001")
    listed = run_cli(log, "pending", "--json")
    rows = json.loads(listed.stdout)
    assert rows and all(row["checks_ok"] and row["problems"] == [] for row in rows)
    assert "FAILS" not in run_cli(log, "pending").stdout


def test_someone_registered_after_a_forged_staff_entry_is_told_why_they_are_not_found(log):
    """The register stops at the first staff entry verify rejects (here, a manager added
    with the attacker's key): a person registered after it is not offered, and the message
    says why and what to do, instead of "Nobody called … is registered"."""
    forge_manager(log, claimed_signer=ALEX)
    with Ledger.open(log) as ledger:
        forged = ledger.count()
    result = run_cli(log, "log", "--as", "Mallory Fake", input="whatever she typed\n")
    assert result.exit_code == 1, result.output
    said = " ".join(result.output.split())
    assert f"staff entry #{forged} fails its checks" in said and "infoshare verify" in said
    listed = run_cli(log, "staff", "list")
    assert f"Staff entry #{forged} fails the checks" in " ".join(listed.stdout.split())
