"""Erasing a record (crypto-shredding): two managers, the record key destroyed so no key
can open the record again, no copy of it left in the file, and a log that still verifies
and says who erased what, when and why; a key missing without an erasure is damage."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support.erasing import decide_with_record, wrapped_key
from support.people import ALEX, JO, PASSPHRASES, PRIYA, SAM, StaffedLog, signer
from support.reading import read_as
from support.review_log import payload_for

from infoshare_cli.actions.erasing import erase_decisions
from infoshare_cli.actions.staff import open_keys
from infoshare_cli.domain.erasure import confirm_payload, erase_payload
from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.report import when_text
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger import keystore
from infoshare_cli.reading.erasures import erased_decisions

WHY = "A child's name was typed as the case reference."


def raw_bytes(path: Path) -> bytes:
    """Every byte of the log on disk: the main file and its write-ahead log."""
    data = path.read_bytes()
    wal = Path(f"{path}-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


@pytest.fixture
def two_decisions(staffed_log):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        first = decide_with_record(ledger, sam, case_ref="Jane Smith")
        second = decide_with_record(ledger, sam, case_ref="C-2001")
    return staffed_log, first, second


def test_erase_leaves_a_log_that_verifies_and_a_record_no_key_opens(two_decisions):
    log, (first, record), (second, other) = two_decisions
    with log.open() as ledger:
        alex, priya = signer(ledger, ALEX), signer(ledger, PRIYA)
        done = erase_decisions(ledger, alex, priya, [first], "mistake", WHY, ["Jane Smith"])
        assert done.decisions == [first] and done.cleared
        assert done.confirm.seq == done.erase.seq + 1
        for name in (ALEX, PRIYA, SAM):
            keys = open_keys(ledger, signer(ledger, name))
            with pytest.raises(keystore.RecordKeyMissing):
                keystore.record_key(ledger.conn, keys, record)
            assert keystore.record_key(ledger.conn, keys, other)  # the other still opens
        erased = erased_decisions(ledger)
    assert set(erased) == {first}
    report = verify_path(log.path)
    assert report.ok, report.problems
    [shown] = report.erased
    assert (shown.decision, shown.by, shown.confirmed_by) == (first, ALEX, PRIYA)
    assert (shown.reason, shown.why) == ("mistake", WHY)
    conn = sqlite3.connect(log.path)
    (number,) = conn.execute(
        "SELECT number FROM decision_numbers WHERE seq = ?", (first,)
    ).fetchone()
    conn.close()
    assert number == 1
    # verify --json: each erasure in full, the decision by its entry and its number
    assert report.to_json()["erased"] == [
        {
            "decision": first,
            "decision_number": number,
            "erased_by": ALEX,
            "cosigned_by": PRIYA,
            "entry": done.erase.seq,
            "erased_at": shown.erased_at,
            "reason": "mistake",
            "why": WHY,
        }
    ]


def test_no_byte_of_the_erased_key_stays_in_the_file(two_decisions):
    log, (first, record), _ = two_decisions
    with log.open() as ledger:
        old = wrapped_key(ledger, record)
        assert old in raw_bytes(log.path)
        erase_decisions(
            ledger, signer(ledger, ALEX), signer(ledger, PRIYA), [first], "mistake", WHY
        )
        assert old not in raw_bytes(log.path)
    assert old not in raw_bytes(log.path)


def test_the_byte_scan_finds_a_key_deleted_the_ordinary_way(two_decisions):
    """The control for the test above: without secure_delete and the checkpoint, a deleted
    key stays in the file, and the scan finds it."""
    log, (_, record), _ = two_decisions
    with log.open() as ledger:
        old = wrapped_key(ledger, record)
    conn = sqlite3.connect(log.path)
    conn.execute("PRAGMA secure_delete=OFF")
    conn.execute("DELETE FROM record_keys WHERE record = ?", (record,))
    conn.commit()
    conn.close()
    assert old in raw_bytes(log.path)


def test_a_key_destroyed_outside_the_tool_is_damage_and_verify_names_it(two_decisions):
    log, _, (second, other) = two_decisions
    conn = sqlite3.connect(log.path)
    conn.execute("DELETE FROM record_keys WHERE record = ?", (other,))
    conn.commit()
    conn.close()
    report = verify_path(log.path)
    assert not report.ok
    [problem] = report.keys
    assert problem.seq == second and "destroyed outside infoshare" in problem.message
    assert problem.code == "keys"  # what verify --json names it by
    with log.open() as ledger:
        stored_at = ledger.conn.execute(
            "SELECT recorded_at FROM entries WHERE seq = ?", (second,)
        ).fetchone()[0]
    # named as the decision it is, with its time, as every other problem with an entry
    assert (problem.kind, problem.recorded_at) == ("decision", stored_at)
    assert problem.message.startswith(
        f"Entry #{second} (a decision, {when_text(stored_at)}): its record key is missing"
    )
    assert report.erased == []


def test_a_key_put_back_after_erasure_is_named(two_decisions):
    log, (first, record), _ = two_decisions
    with log.open() as ledger:
        row = ledger.conn.execute(
            "SELECT record, data_key, nonce, wrapped FROM record_keys WHERE record = ?", (record,)
        ).fetchone()
        done = erase_decisions(
            ledger, signer(ledger, ALEX), signer(ledger, PRIYA), [first], "retention", "Past 25y."
        )
    conn = sqlite3.connect(log.path)
    conn.execute("INSERT INTO record_keys VALUES (?, ?, ?, ?)", row)
    conn.commit()
    conn.close()
    report = verify_path(log.path)
    assert [p.seq for p in report.keys] == [done.erase.seq]
    assert "back in the log file" in report.keys[0].message
    assert report.keys[0].code == "keys"
    assert report.keys[0].kind == "erase"
    assert report.keys[0].message.startswith(f"Entry #{done.erase.seq} (an erasure")


@pytest.mark.parametrize(
    ("eraser", "cosigner", "problem"),
    [
        (ALEX, ALEX, "cannot be the manager who erases"),
        (SAM, PRIYA, "Only a manager can erase a record"),
        (ALEX, SAM, "Only a manager can co-sign an erasure"),
        (ALEX, JO, "deactivated"),
    ],
)
def test_two_different_active_managers_or_nothing(two_decisions, eraser, cosigner, problem):
    log, (first, record), _ = two_decisions
    before = log.count()
    with log.open() as ledger:
        with pytest.raises(InfoshareError, match=problem):
            erase_decisions(
                ledger, signer(ledger, eraser), signer(ledger, cosigner), [first], "mistake", WHY
            )
        assert ledger.conn.execute(
            "SELECT 1 FROM record_keys WHERE record = ?", (record,)
        ).fetchone()
    assert log.count() == before


def test_the_reason_must_not_repeat_what_is_erased_and_a_record_goes_once(two_decisions):
    log, (first, _), (second, _) = two_decisions
    with log.open() as ledger:
        alex, priya = signer(ledger, ALEX), signer(ledger, PRIYA)
        with pytest.raises(InfoshareError, match="repeats the case reference"):
            erase_decisions(
                ledger, alex, priya, [first], "mistake", "typed JANE SMITH", ["Jane Smith"]
            )
        with pytest.raises(InfoshareError, match="Say why"):
            erase_decisions(ledger, alex, priya, [first], "mistake", "   ")
        erase_decisions(ledger, alex, priya, [first], "mistake", WHY)
        with pytest.raises(InfoshareError, match="already erased"):
            erase_decisions(ledger, alex, priya, [first, second], "mistake", WHY)
        with pytest.raises(InfoshareError, match="not a decision"):
            erase_decisions(ledger, alex, priya, [1], "mistake", WHY)
    assert verify_path(log.path).ok


def test_an_erasure_nobody_co_signed_fails_verify(two_decisions):
    log, (first, record), (second, _) = two_decisions
    with log.open() as ledger:
        alex = signer(ledger, ALEX)
        ledger.append(
            "erase", alex.staff_id, erase_payload([(first, record)], "mistake", WHY), alex.sign
        )
    report = verify_path(log.path)
    assert not report.ok and "no second manager co-signed it" in report.first_bad.message
    with log.open() as ledger:
        ledger.append("setting", alex.staff_id, {"note": "later"}, alex.sign)
    report = verify_path(log.path)
    assert "never co-signed" in report.first_bad.message


def test_an_erasure_co_signed_by_the_same_manager_fails_verify(two_decisions):
    log, (first, record), _ = two_decisions
    with log.open() as ledger:
        alex = signer(ledger, ALEX)
        with ledger.batch():
            erase = ledger.append(
                "erase", alex.staff_id, erase_payload([(first, record)], "mistake", WHY), alex.sign
            )
            ledger.append("erase", alex.staff_id, confirm_payload(erase.seq, erase.hash), alex.sign)
            ledger.conn.execute("DELETE FROM record_keys WHERE record = ?", (record,))
    report = verify_path(log.path)
    assert not report.ok
    assert "a second manager must" in report.first_bad.message


# --- the command ------------------------------------------------------------------------------


def test_erase_command_with_a_corrected_copy_then_verify_reports_it(cli, two_decisions):
    log, (first, record), _ = two_decisions
    lines = f"{PASSPHRASES[ALEX]}\n{PASSPHRASES[PRIYA]}\n"
    result = cli(
        "erase",
        "1",  # the first decision: its number
        "--why",
        WHY,
        "--by",
        ALEX,
        "--cosigner",
        PRIYA,
        "--case-ref",
        "C-3001",
        input=lines,
        db=log.path,
    )
    assert result.exit_code == 0, result.output
    assert "Erased decision 1, with co-signatures" in result.stdout
    assert "co-signed by Priya Shah" in result.stdout
    assert "Backups taken before now still hold" in result.stderr
    assert "Jane Smith" not in result.output
    with log.open() as ledger, read_as(ledger, SAM) as opener:
        copy = ledger.head()
        assert copy.kind == "decision" and copy.payload["copy_of"] == first
        assert copy.payload["case_ref"] == "C-3001" and copy.payload["record"] != record
        # The copy holds the content; the erased original no longer opens for anyone.
        assert copy.payload["answers"] == payload_for("do_not_share", "C-1042")["answers"]
        assert "answers" not in ledger.get(first).payload and first in opener.problems
        assert b"Jane Smith" not in log.path.read_bytes()
        assert keystore.record_key(
            ledger.conn, open_keys(ledger, signer(ledger, SAM)), copy.payload["record"]
        )
    # the third decision: numbered after the two before it
    assert "The corrected copy is decision 3, awaiting co-signature" in result.stdout
    assert "cosign 3`" in result.stdout
    shown = cli("verify", db=log.path)
    assert shown.exit_code == 0, shown.output
    screen = " ".join(shown.stdout.split())
    assert f"Decision 1 (entry #{first}): erased" in screen
    assert "by Alex Morgan, co-signed by Priya Shah" in screen
    assert WHY in screen and "not damage" in screen


@pytest.mark.parametrize(
    ("args", "lines", "problem"),
    [
        (["--cosigner", PRIYA], "", "--by NAME"),
        (["--by", ALEX, "--cosigner", ALEX, "--why", WHY], "", "second manager"),
        (["--by", SAM, "--cosigner", PRIYA], "", "Only a manager can erase"),
        (["--by", ALEX, "--cosigner", PRIYA, "--reason", "bored"], "", "--reason"),
        (["--by", ALEX, "--cosigner", PRIYA, "--why", " "], "alex passphrase one\n", "Say why"),
        (["--by", ALEX, "--cosigner", PRIYA], "alex passphrase one\n", "--why TEXT"),
        (["--by", ALEX, "--cosigner", PRIYA, "--why", WHY], "wrong one\n" * 3, "wrong"),
    ],
    ids=[
        "no-eraser",
        "same-manager",
        "practitioner",
        "bad-reason",
        "empty-why",
        "no-why",
        "wrong-pass",
    ],
)
def test_erase_command_refusals_write_nothing(cli, two_decisions, args, lines, problem):
    log, (first, record), _ = two_decisions
    before = log.count()
    result = cli("erase", "1", *args, input=lines, db=log.path)
    assert result.exit_code != 0
    assert problem in result.output and "Traceback" not in result.output
    assert "Jane Smith" not in result.output
    assert log.count() == before
    with log.open() as ledger:
        assert wrapped_key(ledger, record)


def test_erase_command_on_a_decision_without_its_own_key(cli, tmp_path):
    # A log made before encryption (the golden log): its decisions have no key to destroy.
    golden = tmp_path / "golden.db"
    golden.write_bytes((Path(__file__).parent / "data" / "golden.db").read_bytes())
    staffed_log = StaffedLog(golden)
    old = 1  # decision 1, entry #7
    result = cli(
        "erase",
        str(old),
        "--by",
        ALEX,
        "--cosigner",
        PRIYA,
        "--why",
        WHY,
        input="",
        db=staffed_log.path,
    )
    assert result.exit_code == 1
    assert "before records had their own keys" in result.output
    assert "Passphrase" not in result.output


def test_erase_several_at_once_and_name_a_later_decision_that_took_one_again(cli, two_decisions):
    log, (first, _), (second, _) = two_decisions
    with log.open() as ledger:
        again, _ = decide_with_record(ledger, signer(ledger, SAM), "Jane Smith", revisits=first)
    lines = f"{PASSPHRASES[ALEX]}\n{PASSPHRASES[PRIYA]}\n"
    args = ["--why", WHY, "--by", ALEX, "--cosigner", PRIYA]
    result = cli("erase", "1", "#2", "1", *args, input=lines, db=log.path)
    assert result.exit_code == 0, result.output
    assert "Erased decisions 1, 2, with co-signatures" in result.stdout
    assert "Decision 3 took a decision you erased again" in result.stderr
    assert again > second
    report = verify_path(log.path)
    assert report.ok and [e.decision for e in report.erased] == [first, second]
    assert {e.erase_seq for e in report.erased} == {report.erased[0].erase_seq}  # one step
    refused = cli("erase", "3", "--case-ref", "C-9", "2", *args, db=log.path)
    assert refused.exit_code == 1 and "one at a time" in refused.output


def test_erase_command_refuses_a_reason_that_repeats_the_sealed_case_reference(cli, two_decisions):
    """The case reference is sealed in the log: erase opens it with the eraser's keys to
    check the reason, which stays readable, does not repeat it."""
    log, (first, record), _ = two_decisions
    lines = f"{PASSPHRASES[ALEX]}\n{PASSPHRASES[PRIYA]}\n"
    why = "Typed jane  SMITH by mistake."
    result = cli(
        "erase",
        "1",
        "--why",
        why,
        "--by",
        ALEX,
        "--cosigner",
        PRIYA,
        input=lines,
        db=log.path,
    )
    assert result.exit_code == 1 and "repeats the case reference" in result.output
    assert "Jane Smith" not in result.output
    with log.open() as ledger:
        assert wrapped_key(ledger, record)


def test_readers_say_an_erased_decision_was_erased_and_a_lost_key_is_damage(cli, two_decisions):
    log, (first, _), (second, other) = two_decisions
    with log.open() as ledger:
        erase_decisions(
            ledger, signer(ledger, ALEX), signer(ledger, PRIYA), [first], "mistake", WHY
        )
    conn = sqlite3.connect(log.path)
    conn.execute("DELETE FROM record_keys WHERE record = ?", (other,))  # outside the tool
    conn.commit()
    conn.close()
    result = cli("log", "--as", SAM, input=PASSPHRASES[SAM] + "\n", db=log.path)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert "Decision 1 was erased on purpose" in said
    assert "by Alex Morgan, co-signed by Priya Shah" in said and WHY in said
    assert f"entry #{first} could not be opened" not in said
    assert f"the content of entry #{second} could not be opened" in said  # damage, named


def test_co_signing_a_decision_another_window_erased_writes_nothing(cli, two_decisions):
    """Two windows: one erases while the other is about to co-sign; the co-signature takes
    the write lock second, finds the record erased, and is refused: nothing is added to an
    erased record."""
    log, (first, _), _ = two_decisions
    with log.open() as ledger:
        erase_decisions(
            ledger, signer(ledger, ALEX), signer(ledger, PRIYA), [first], "mistake", WHY
        )
    before = log.count()
    result = cli(
        "cosign",
        "1",
        "--by",
        PRIYA,
        input=f"{PASSPHRASES[PRIYA]}\nagree\nfine\n",
        db=log.path,
    )
    assert result.exit_code == 1 and "has been erased" in result.output
    assert log.count() == before
    assert verify_path(log.path).ok


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_export_leaves_erased_decisions_out_and_still_checks_out(cli, two_decisions, fmt):
    """An erased decision has no content left, nor a key to check it with: an export leaves
    it out and says so, and a JSON export of the rest passes `verify --export`."""
    log, (first, _), (second, _) = two_decisions
    with log.open() as ledger:
        erase_decisions(
            ledger, signer(ledger, ALEX), signer(ledger, PRIYA), [first], "mistake", WHY
        )
    out = log.path.parent / f"after.{fmt}"
    result = cli(
        "export",
        "--by",
        ALEX,
        "-f",
        fmt,
        "--out",
        out,
        input=PASSPHRASES[ALEX] + "\n",
        db=log.path,
    )
    assert result.exit_code == 0, result.output
    assert "Exported 1 decision to" in result.stdout
    assert "1 erased decision matched and was left out" in result.stderr
    assert "could not be opened" not in result.stderr
    if fmt == "json":
        data = __import__("json").loads(out.read_text(encoding="utf-8"))
        assert [d["id"] for d in data["decisions"]] == [second]  # its entry
        assert [d["number"] for d in data["decisions"]] == [2]
        checked = cli("verify", "--export", out, db=log.path)
        assert checked.exit_code == 0, checked.output
    else:
        rows = out.read_text(encoding="utf-8").splitlines()
        assert len(rows) == 2 and rows[1].startswith('"2"')  # decision 2


def test_show_of_an_erased_decision_says_so_without_a_passphrase(cli, two_decisions):
    log, (first, _), _ = two_decisions
    with log.open() as ledger:
        erase_decisions(
            ledger, signer(ledger, ALEX), signer(ledger, PRIYA), [first], "mistake", WHY
        )
    result = cli("show", "1", input="", db=log.path)
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "Decision 1 was erased on purpose" in said
    assert "by Alex Morgan, co-signed by Priya Shah" in said and WHY in said
    assert "Passphrase" not in result.output
    as_json = cli("show", "1", "--json", db=log.path)
    data = __import__("json").loads(as_json.stdout)
    assert data["number"] == 1 and data["id"] == first
    assert data["erased"]["cosigned_by"] == PRIYA and data["erased"]["reason"] == "mistake"
    printed = cli("show", "1", "--format", "md", db=log.path)
    assert printed.exit_code == 1 and "nothing to print" in printed.output


def test_an_erased_decision_no_longer_waits_for_a_co_signature(cli, two_decisions):
    log, (first, _), (second, _) = two_decisions
    with log.open() as ledger:
        erase_decisions(
            ledger, signer(ledger, ALEX), signer(ledger, PRIYA), [first], "mistake", WHY
        )
    result = cli("pending", "--as", PRIYA, "--json", input=PASSPHRASES[PRIYA] + "\n", db=log.path)
    assert result.exit_code == 0, result.output
    assert [d["id"] for d in __import__("json").loads(result.stdout)] == [second]


# --- the signing rules of an erasure, each refusal word for word ------------------------------

_ERASE = {"action": "erase", "records": [{"decision": 3, "record": "r"}], "reason": "mistake"}
_PENDING = (10, "h" * 64, "s-alex")  # an erase entry at #10, by Alex, waiting
_CONFIRM = {"action": "confirm", "erase": 10, "hash": "h" * 64}


@pytest.mark.parametrize(
    ("seq", "actor", "payload", "is_manager", "pending", "problem"),
    [
        (10, "s-alex", _ERASE, True, None, None),
        (10, "s-sam", _ERASE, False, None, "it erases a record, but only a manager can."),
        (12, "s-alex", _ERASE, True, _PENDING,
         "it starts an erasure before the one before it was co-signed."),
        (10, "s-alex", {**_ERASE, "records": []}, True, None,
         "it erases a record but does not say which decision."),
        (10, "s-alex", {**_ERASE, "records": [{"decision": 4, "record": "r"}]}, True, None,
         "it erases a decision that is not earlier in the log."),
        (10, "s-alex", {**_ERASE, "records": [{"decision": 12, "record": "r"}]}, True, None,
         "it erases a decision that is not earlier in the log."),
        (10, "s-alex", {**_ERASE, "reason": "tidying"}, True, None,
         "it erases a record without one of infoshare's reasons."),
        (11, "s-priya", _CONFIRM, True, _PENDING, None),
        (11, "s-priya", _CONFIRM, True, None,
         "it co-signs an erasure that is not the entry just before it."),
        (11, "s-priya", {**_CONFIRM, "erase": 9}, True, _PENDING,
         "it co-signs an erasure that is not the entry just before it."),
        (12, "s-priya", _CONFIRM, True, _PENDING,
         "it co-signs an erasure that is not the entry just before it."),
        (11, "s-priya", {**_CONFIRM, "hash": "0" * 64}, True, _PENDING,
         "it co-signs an erasure, but names a different version of it."),
        (11, "s-sam", _CONFIRM, False, _PENDING,
         "it co-signs an erasure, but only a manager can."),
        (11, "s-alex", _CONFIRM, True, _PENDING,
         "the manager who erased a record also co-signed it; a second manager must."),
        (11, "s-alex", {"action": "undo"}, True, None,
         "it is a kind of erasure infoshare does not make."),
    ],
)  # fmt: skip
def test_the_erasure_signing_rules(seq, actor, payload, is_manager, pending, problem):
    """Decisions #3 and #7 are earlier in the log; #4 is not a decision."""
    from infoshare_cli.domain.erasure import erase_rule_problem

    decisions = {3: ("a" * 64, "s-sam"), 7: ("b" * 64, "s-sam")}
    assert (
        erase_rule_problem(
            seq, actor, payload, is_manager=is_manager, pending=pending, decisions=decisions
        )
        == problem
    )
