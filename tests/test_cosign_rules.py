"""Co-signature rules through the real CLI: who may co-sign, deferred co-signature with
`pending`/`cosign`, disagreement and revisiting, seek-advice follow-ups, and `show` errors.

Every refusal is checked for its own message and for writing nothing: the number of
ledger entries is the same before and after. Passphrases go in on standard input, one
per line (standard input is not a terminal under CliRunner).
"""

from __future__ import annotations

import json

import pytest
import yaml
from support.people import ALEX, JO, PASSPHRASES, PRIYA, SAM, answers_file_data, payload_by, signer
from support.prompt_driver import CONFIRM, SCREENS_BY_OUTCOME, cosign, drive, pick, typed

from infoshare_cli.actions.deciding import write_decision
from infoshare_cli.asking.flows import ask_verdict, interactive_decision
from infoshare_cli.errors import InfoshareError
from infoshare_cli.reading.records import load_decision

WRONG = "not the passphrase at all"


def lines(*items: str) -> str:
    return "".join(f"{item}\n" for item in items)


@pytest.fixture
def log(staffed_log, cli, tmp_path):
    """The staffed log plus helpers bound to it."""

    class Helpers:
        path = staffed_log.path
        count = staffed_log.count

        @staticmethod
        def run(*args, input=None):
            return cli(*args, input=input, db=staffed_log.path)

        @staticmethod
        def answers(outcome="share", name="answers.yaml", **kwargs):
            data = answers_file_data(outcome, **kwargs)
            path = tmp_path / name
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
            return path

        @classmethod
        def decide(cls, by=SAM, outcome="share", extra=(), input=None):
            """A decision awaiting co-signature; returns its id."""
            path = cls.answers(outcome)
            result = cls.run(
                "decide",
                "--answers",
                path,
                "--by",
                by,
                *extra,
                input=input or lines(PASSPHRASES[by]),
            )
            assert result.exit_code == 0, result.output
            return cls.newest_decision()

        @classmethod
        def newest_decision(cls) -> int:
            """The newest decision's number, as people give it (1, 2, 3 in the order taken)."""
            with staffed_log.open() as ledger:
                row = ledger.conn.execute("SELECT max(number) FROM decision_numbers").fetchone()
            return row[0]

        @classmethod
        def show(cls, decision_id) -> dict:
            result = cls.run("show", str(decision_id), "--json")
            assert result.exit_code == 0, result.output
            return json.loads(result.stdout)

        @classmethod
        def cosign(cls, decision_id, by=PRIYA, verdict="agree", comment="Agreed."):
            return cls.run(
                "cosign",
                str(decision_id),
                "--by",
                by,
                input=lines(PASSPHRASES.get(by, WRONG), verdict, comment),
            )

    return Helpers


def refused(result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert "Traceback" not in result.output


# --- who may co-sign ------------------------------------------------------------------------


def test_decider_cannot_cosign_in_the_same_run(log):
    before = log.count()
    result = log.run(
        "decide",
        "--answers",
        log.answers(),
        "--by",
        PRIYA,
        "--cosigner",
        PRIYA,
        input=lines(PASSPHRASES[PRIYA], PASSPHRASES[PRIYA]),
    )
    refused(result, "The person who took the decision cannot co-sign it")
    assert "Nothing was written" in result.output
    assert log.count() == before


def test_decider_cannot_cosign_later(log):
    decision = log.decide(by=PRIYA)
    before = log.count()
    result = log.cosign(decision, by=PRIYA)
    refused(result, "The person who took the decision cannot co-sign it")
    assert (
        "The person who took the decision cannot co-sign it: the decision should never be "
        "made as an individual. Ask a second manager."
    ) in " ".join(result.output.split())
    assert log.count() == before
    assert log.show(decision)["status"] == "awaiting co-signature"


def test_name_matching_ignores_case_so_the_decider_cannot_sneak_in(log):
    decision = log.decide(by=PRIYA)
    before = log.count()
    result = log.run(
        "cosign",
        str(decision),
        "--by",
        "  priya   SHAH ",
        input=lines(PASSPHRASES[PRIYA], "agree", "ok"),
    )
    refused(result, "cannot co-sign it")
    assert log.count() == before


def test_practitioner_cannot_cosign(log):
    before = log.count()
    result = log.run(
        "decide",
        "--answers",
        log.answers(),
        "--by",
        ALEX,
        "--cosigner",
        SAM,
        input=lines(PASSPHRASES[ALEX], PASSPHRASES[SAM]),
    )
    refused(result, "Sam Lee is a practitioner; only a manager can co-sign a decision.")
    assert log.count() == before

    decision = log.decide(by=ALEX)
    before = log.count()
    refused(log.cosign(decision, by=SAM), "Sam Lee is a practitioner")
    assert log.count() == before


def test_deactivated_manager_cannot_cosign_or_decide(log):
    before = log.count()
    result = log.run(
        "decide",
        "--answers",
        log.answers(),
        "--by",
        SAM,
        "--cosigner",
        JO,
        input=lines(PASSPHRASES[SAM], PASSPHRASES[JO]),
    )
    refused(result, "Jo Baker has been deactivated and cannot co-sign.")
    assert log.count() == before

    decision = log.decide(by=SAM)
    before = log.count()
    refused(log.cosign(decision, by=JO), "Jo Baker has been deactivated and cannot co-sign.")
    assert log.count() == before

    result = log.run("decide", "--answers", log.answers(), "--by", JO, input=lines(PASSPHRASES[JO]))
    refused(result, "Jo Baker has been deactivated and can no longer sign.")
    assert log.count() == before


def test_three_wrong_passphrases_for_the_decider(log):
    before = log.count()
    result = log.run(
        "decide",
        "--answers",
        log.answers(),
        "--by",
        SAM,
        "--cosigner",
        PRIYA,
        # the right passphrase on the fourth line comes too late
        input=lines(WRONG, WRONG + "!", WRONG + "?", PASSPHRASES[SAM], PASSPHRASES[PRIYA]),
    )
    refused(
        result,
        "3 wrong passphrases for Sam Lee: the attempt has ended and nothing was written.",
    )
    assert result.output.count("Passphrase for Sam Lee") == 3
    assert log.count() == before


def test_three_wrong_passphrases_for_the_cosigner(log):
    before = log.count()
    result = log.run(
        "decide",
        "--answers",
        log.answers(),
        "--by",
        SAM,
        "--cosigner",
        PRIYA,
        input=lines(PASSPHRASES[SAM], WRONG, WRONG, PASSPHRASES[ALEX]),
    )
    # Its maker signed it: it is kept, as awaiting co-signature, and the screen says how
    # to co-sign it later (as the wizard does).
    assert result.exit_code == 0, result.output
    assert "Wrong passphrase (1 try left)" in result.output
    screen = " ".join(result.output.split())
    assert "Awaiting co-signature: not final yet" in screen
    assert "the co-signer's passphrase was wrong 3 times" in screen
    assert log.count() == before + 1
    saved = log.newest_decision()
    assert log.show(saved)["status"] == "awaiting co-signature"
    assert f"cosign {saved}`" in screen

    decision = log.decide(by=SAM)
    before = log.count()
    result = log.run(
        "cosign", str(decision), "--by", PRIYA, input=lines(WRONG, WRONG, WRONG, "agree", "ok")
    )
    refused(result, "3 wrong passphrases for Priya Shah")
    assert "Wrong passphrase (2 tries left)" in result.output
    # it says the decision is still there, and how to co-sign it later
    assert f"Decision {decision} is still awaiting co-signature" in result.output
    assert f"cosign {decision}`" in result.output
    assert log.count() == before
    assert log.show(decision)["status"] == "awaiting co-signature"


def test_a_wrong_passphrase_then_the_right_one_is_fine(log):
    result = log.run(
        "decide",
        "--answers",
        log.answers(),
        "--by",
        SAM,
        "--cosigner",
        PRIYA,
        input=lines(WRONG, PASSPHRASES[SAM], WRONG, WRONG, PASSPHRASES[PRIYA]),
    )
    assert result.exit_code == 0, result.output
    assert "(try 3 of 3)" in result.output
    assert log.show(log.newest_decision())["status"] == "agreed"


@pytest.mark.parametrize("role", ["--by", "--cosigner"])
def test_unknown_name_in_decide(log, role):
    before = log.count()
    names = {"--by": "Nobody Here", "--cosigner": "Nobody Here"}
    args = ["--by", SAM] if role == "--cosigner" else []
    result = log.run(
        "decide",
        "--answers",
        log.answers(),
        *args,
        role,
        names[role],
        input=lines(PASSPHRASES[SAM], PASSPHRASES[PRIYA]),
    )
    refused(result, "Nobody called 'Nobody Here' is registered.")
    assert "Alex Morgan, Priya Shah, Sam Lee" in result.output
    assert "Jo Baker" not in result.output.split("Registered staff:")[1]
    assert log.count() == before


def test_unknown_name_in_cosign(log):
    decision = log.decide()
    before = log.count()
    refused(log.cosign(decision, by="Nobody Here"), "Nobody called 'Nobody Here' is registered.")
    assert log.count() == before


def test_by_is_needed_when_the_file_does_not_say(log, tmp_path):
    data = answers_file_data("share")
    del data["decided_by"]
    path = tmp_path / "nobody.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    before = log.count()
    refused(log.run("decide", "--answers", path), "Say who took the decision: --by NAME")
    assert log.count() == before


def test_decided_by_in_the_file_is_used_without_by(log):
    path = log.answers(by=ALEX)
    result = log.run("decide", "--answers", path, input=lines(PASSPHRASES[ALEX]))
    assert result.exit_code == 0, result.output
    assert log.show(log.newest_decision())["decided_by"] == ALEX


# --- deferred co-signature ------------------------------------------------------------------


def test_deferred_cosignature_through_pending_and_cosign(log):
    first = log.decide(by=SAM)
    second = log.decide(by=ALEX, outcome="do_not_share")
    assert first < second

    result = log.run("pending")
    assert result.exit_code == 0, result.output
    assert "Awaiting co-signature (oldest first)" in result.output
    assert "just now" in result.output
    rows = [line for line in result.output.splitlines() if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows] == [str(first), str(second)]

    listed = json.loads(log.run("pending", "--json").stdout)
    assert [r["number"] for r in listed] == [first, second]
    assert listed[0]["decided_by"] == SAM
    assert listed[0]["outcome"] == "share"
    assert listed[0]["case_ref"] == "C-1042"
    assert listed[0]["age"] == "just now"
    assert listed[1]["outcome"] == "do_not_share"

    before = log.count()
    result = log.cosign(first, by=PRIYA, comment="Read it with Sam; the reasons are sound.")
    assert result.exit_code == 0, result.output
    assert f"Decision {first}: Priya Shah agreed." in result.output
    assert log.count() == before + 1

    result = log.cosign(second, by=PRIYA)
    assert result.exit_code == 0, result.output

    assert "Nothing is awaiting co-signature." in log.run("pending").output
    assert json.loads(log.run("pending", "--json").stdout) == []

    shown = log.show(first)
    assert shown["number"] == first
    assert shown["status"] == "agreed"
    assert shown["signature_ok"] is True
    [cosig] = shown["cosignatures"]
    assert cosig["by"] == PRIYA
    assert cosig["verdict"] == "agree"
    assert cosig["comment"] == "Read it with Sam; the reasons are sound."
    assert cosig["decision"] == shown["id"]  # the entry it co-signs
    assert cosig["signature_ok"] is True

    text = log.run("show", str(first)).output
    assert "Co-signed by Priya Shah" in text
    assert "signature verifies" in text


def test_cosigning_twice_is_refused(log):
    decision = log.decide()
    assert log.cosign(decision, by=PRIYA).exit_code == 0
    before = log.count()
    refused(
        log.cosign(decision, by=ALEX),
        f"Decision {decision} has already been co-signed (agreed). Nothing was written.",
    )
    refused(log.cosign(decision, by=PRIYA), "has already been co-signed")
    assert log.count() == before
    assert len(log.show(decision)["cosignatures"]) == 1


def test_cosign_needs_agree_or_disagree(log):
    decision = log.decide()
    before = log.count()
    refused(log.cosign(decision, verdict="maybe"), "Type agree or disagree. Nothing was written.")
    assert log.count() == before


def test_cosign_with_no_passphrase_on_stdin_writes_nothing(log):
    decision = log.decide()
    before = log.count()
    result = log.run("cosign", str(decision), "--by", PRIYA, input="")
    assert result.exit_code == 130, result.output
    assert "nothing was written" in result.output
    assert "Traceback" not in result.output
    assert log.count() == before


def test_same_run_cosignature_is_written_with_the_decision(log):
    before = log.count()
    result = log.run(
        "decide",
        "--answers",
        log.answers("share_without_consent"),
        "--by",
        SAM,
        "--cosigner",
        PRIYA,
        input=lines(PASSPHRASES[SAM], PASSPHRASES[PRIYA]),
    )
    assert result.exit_code == 0, result.output
    assert "Agreed (co-signed)" in result.output
    assert log.count() == before + 2
    shown = log.show(log.newest_decision())
    assert shown["status"] == "agreed"
    assert shown["outcome"] == "share_without_consent"
    assert [c["by"] for c in shown["cosignatures"]] == [PRIYA]
    assert shown["cosignatures"][0]["signature_ok"] is True
    assert "Nothing is awaiting co-signature." in log.run("pending").output


# --- disagreement and revisiting ------------------------------------------------------------


def test_disagreement_then_revisit(log):
    old = log.decide()
    before = log.count()
    refused(
        log.cosign(old, by=PRIYA, verdict="disagree", comment=""),
        "Say why you disagree: the comment is part of the record. Nothing was written.",
    )
    assert log.count() == before

    result = log.cosign(old, by=PRIYA, verdict="disagree", comment="Consent was not checked.")
    assert result.exit_code == 0, result.output
    assert "did not agree" in result.output
    assert f"infoshare decide --revisits {old}" in result.output
    shown = log.show(old)
    assert shown["status"] == "not agreed"
    assert shown["cosignatures"][0]["verdict"] == "disagree"
    assert shown["cosignatures"][0]["comment"] == "Consent was not checked."
    # a "not agreed" decision is no longer pending, and cannot be co-signed again
    assert json.loads(log.run("pending", "--json").stdout) == []
    refused(log.cosign(old, by=ALEX), "has already been co-signed")

    new = log.decide(extra=("--revisits", str(old)))
    assert new > old
    new_shown = log.show(new)
    assert new_shown["revisits_number"] == old
    assert new_shown["status"] == "awaiting co-signature"
    old_shown = log.show(old)
    assert old_shown["status"] == "superseded"
    assert old_shown["revisited_by_numbers"] == [new]
    assert new_shown["revisits"] == old_shown["id"]  # as signed: the entry it takes again
    assert f"Takes decision {old} again." in log.run("show", str(new)).output
    assert f"Taken again as decision {new}." in log.run("show", str(old)).output

    # the superseded one is not co-signable; the new one is
    before = log.count()
    refused(
        log.cosign(old, by=ALEX),
        f"Decision {old} has been taken again as decision {new}; co-sign that one instead.",
    )
    assert log.count() == before
    assert log.cosign(new, by=PRIYA).exit_code == 0
    assert log.show(new)["status"] == "agreed"


def test_revisit_accepts_hash_prefixed_id(log):
    old = log.decide()
    new = log.decide(extra=("--revisits", f"#{old}"))
    assert log.show(new)["revisits_number"] == old


def test_revisiting_twice_is_refused(log):
    old = log.decide()
    new = log.decide(extra=("--revisits", str(old)))
    before = log.count()
    result = log.run(
        "decide",
        "--answers",
        log.answers(),
        "--by",
        SAM,
        "--revisits",
        str(old),
        input=lines(PASSPHRASES[SAM]),
    )
    refused(
        result,
        f"Decision {old} has already been taken again as decision {new}; use --revisits {new}.",
    )
    assert log.count() == before


def test_revisits_in_the_answers_file(log, tmp_path):
    old = log.decide()
    data = answers_file_data("do_not_share")
    data["revisits"] = old
    path = tmp_path / "again.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = log.run("decide", "--answers", path, "--by", SAM, input=lines(PASSPHRASES[SAM]))
    assert result.exit_code == 0, result.output
    assert log.show(log.newest_decision())["revisits_number"] == old
    assert log.show(old)["status"] == "superseded"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("e1", "Entry #1 is a staff change, not a decision."),
        ("1", "There is no decision 1. This log has no decisions yet"),
        ("999", "There is no decision 999."),
        ("abc", "That is not a decision number."),
        ("0", "That is not a decision number."),
    ],
)
def test_revisiting_something_that_is_not_a_decision(log, target, message):
    before = log.count()
    result = log.run(
        "decide",
        "--answers",
        log.answers(),
        "--by",
        SAM,
        "--revisits",
        target,
        input=lines(PASSPHRASES[SAM]),
    )
    refused(result, message)
    assert log.count() == before


def test_seek_advice_records_who_when_what_and_the_follow_up_links(log):
    asked = log.decide(outcome="seek_advice")
    shown = log.show(asked)
    assert shown["outcome"] == "seek_advice"
    record = shown["outcome_record"]
    assert record["advisor"]["answer"] == "Duty social worker, Children's Social Care"
    assert record["asked_on"]["answer"] == "2026-11-26"
    assert record["advice"]["answer"] == "not yet"
    assert "Duty social worker" in log.run("show", str(asked)).output

    follow_up = log.decide(outcome="share_without_consent", extra=("--revisits", str(asked)))
    assert log.show(follow_up)["revisits_number"] == asked
    assert log.show(follow_up)["outcome"] == "share_without_consent"
    assert log.show(asked)["status"] == "superseded"
    assert log.show(asked)["revisited_by_numbers"] == [follow_up]
    before = log.count()
    refused(log.cosign(asked, by=PRIYA), f"has been taken again as decision {follow_up}")
    assert "Passphrase" not in log.cosign(asked, by=PRIYA).output  # refused before asking
    assert log.count() == before
    # the seek-advice record no longer waits for co-signature; the follow-up does
    assert [r["number"] for r in json.loads(log.run("pending", "--json").stdout)] == [follow_up]


# --- show ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("999", "There is no decision 999."),
        ("abc", "That is not a decision number."),
        ("-5", "That is not a decision number"),
        ("2", "There is no decision 2. This log has no decisions yet"),
        ("e2", "Entry #2 is the setting's details, not a decision."),
    ],
)
def test_show_something_that_is_not_a_decision(log, target, message):
    for args in (("show", target), ("show", target, "--json"), ("cosign", target, "--by", PRIYA)):
        result = log.run(*args, input=lines(PASSPHRASES[PRIYA], "agree", "ok"))
        assert result.exit_code != 0, result.output
        assert "Traceback" not in result.output
        if args[1].startswith("-"):
            continue  # click may read -5 as an option; it must still fail cleanly
        assert result.exit_code == 1
        assert message in result.output
        error_lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(error_lines) == 1, result.stderr
        assert result.stdout == ""


def test_show_json_gives_the_decision_number_and_its_entry(log):
    decision = log.decide()
    shown = log.show(decision)
    assert shown["number"] == decision == 1
    assert shown["id"] == log.count()  # its entry's seq: the newest entry
    assert isinstance(shown["entry_id"], str) and len(shown["entry_id"]) == 32
    assert shown["case_ref"] == "C-1042"
    assert shown["decided_by"] == SAM


def test_cosign_without_by_and_without_a_terminal_says_to_give_by(log):
    decision = log.decide()
    before = log.count()
    result = log.run("cosign", str(decision), input=lines(PASSPHRASES[PRIYA], "agree", "ok"))
    refused(result, "Give the co-signing manager's name with --by NAME")
    assert log.count() == before


# --- a decision taken again stays with its case -------------------------------------------


def test_revisit_about_another_case_is_refused_and_leaves_the_other_decision_alone(
    staffed_log, cli, tmp_path
):
    def decide(case_ref, *extra):
        path = tmp_path / "answers.yaml"
        path.write_text(yaml.safe_dump(answers_file_data("share", case_ref=case_ref)))
        return cli(
            "decide",
            "--answers",
            path,
            "--by",
            SAM,
            *extra,
            input=PASSPHRASES[SAM] + "\n",
            db=staffed_log.path,
        )

    assert decide("C-1042").exit_code == 0
    before = staffed_log.count()
    old = before  # the decision just written is the newest entry: decision 1
    result = decide("Z-77 Jones", "--revisits", "1")
    assert result.exit_code == 1, result.output
    assert "Decision 1 is about another case" in result.output
    assert "Nothing was written" in result.output
    assert "Z-77" not in result.output and "C-1042" not in result.output
    assert staffed_log.count() == before
    with staffed_log.open() as ledger:
        assert load_decision(ledger, old).status.label() == "awaiting co-signature"
    # the same case, however it is capitalised and spaced, is fine
    assert decide(" c-1042 ", "--revisits", "1").exit_code == 0


def test_write_decision_refuses_a_revisit_about_another_case(staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        old = write_decision(ledger, sam, payload_by(qset, sam), None, None).decision.seq
        payload = payload_by(qset, sam, revisits=old, case_ref="C-9999")
        before = ledger.count()
        with pytest.raises(InfoshareError, match="is about another case"):
            write_decision(ledger, sam, payload, None, None)
        assert ledger.count() == before


def test_interactive_revisit_keeps_the_case_reference(staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        old = write_decision(ledger, sam, payload_by(qset, sam), None, None).decision.seq
        steps = (
            [
                ("Who is taking this decision", pick(SAM)),
                (f"Passphrase for {SAM}", typed(PASSPHRASES[SAM])),
            ]
            + SCREENS_BY_OUTCOME["do_not_share"]
            + CONFIRM
            + cosign("agree", "")
        )
        written, asker = drive(
            steps, lambda a: interactive_decision(a, ledger, qset, a.password, revisits=old)
        )
        assert written.decision.payload["case_ref"] == "C-1042"
        assert written.decision.payload["revisits"] == old
        assert "Taking decision 1 again, for case C-1042" in asker.screen


# --- a disagreement needs a reason -----------------------------------------------------------


@pytest.mark.parametrize(
    ("verdict", "typed_comment", "stored"),
    [
        ("disagree", "-", "-"),  # a disagreement keeps its comment: it needs one
        ("agree", "-", ""),  # for an agreement, '-' means no comment
        ("agree", "", ""),
    ],
)
def test_a_dash_for_comment_after_the_checklist(staffed_log, qset, verdict, typed_comment, stored):
    """'-' means 'no comment' for an agreement; for a disagreement (which needs a reason)
    it turned into an empty comment, and the whole decision was refused after the checklist.
    Through the real prompts, so the comment prompt's own validator runs too."""
    with staffed_log.open() as ledger:
        sam, priya = signer(ledger, SAM), signer(ledger, PRIYA)
        payload = payload_by(qset, sam)
        steps = [("Do you agree", pick(verdict)), ("Your comment", typed(typed_comment))]
        answer, _asker = drive(steps, lambda asker: ask_verdict(asker, qset, payload))
        written = write_decision(ledger, sam, payload, priya, answer)
        assert written.cosign.payload["verdict"] == verdict
        assert written.cosign.payload["comment"] == stored


def test_the_cosigner_is_told_which_decision_first(log):
    decision = log.decide(by=SAM)
    result = log.cosign(decision, by=PRIYA)
    assert result.exit_code == 0, result.output
    said = f"Co-signing decision {decision}, taken by {SAM} on "
    assert said in result.output
    assert result.output.index(said) < result.output.index("Passphrase for Priya Shah")
    assert "C-1042" not in result.output  # sealed: shown only once the co-signer unlocks


@pytest.mark.parametrize("columns", ["60", "80"])
def test_the_summary_box_keeps_each_command_on_one_line(log, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    result = log.run(
        "decide", "--answers", log.answers(), "--by", SAM, input=lines(PASSPHRASES[SAM])
    )
    assert result.exit_code == 0, result.output
    decision = log.newest_decision()
    lines_with = [line for line in result.output.splitlines() if f"cosign {decision}`" in line]
    assert lines_with and "`" in lines_with[0].split("cosign")[0]  # opened on the same line
    assert result.output.index("Awaiting co-signature") < result.output.index("Outcome")
