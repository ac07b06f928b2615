"""Findings of a review: each test failed before its fix.

Two terminals at once: a person unlocks their key, spends minutes in the checklist, and
meanwhile someone in another window changes the register or the same decision. What is
written at the end must still follow the rules `verify` checks, or nothing is written.
"""

from __future__ import annotations

import pytest
import yaml
from conftest import ALEX, ANSWERS_BY_OUTCOME, PASSPHRASES, PRIYA, SAM

from infoshare_cli.actions.deciding import cosign_existing, write_decision
from infoshare_cli.actions.staff import add_member, change_passphrase, deactivate_member, unlock
from infoshare_cli.asking.answers_file import parse_answers
from infoshare_cli.domain.decisions import decision_payload
from infoshare_cli.domain.staff import find_member
from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.records import load_decision
from infoshare_cli.reading.register import load_register


@pytest.fixture
def two(staffed_log):
    """Two connections to the same log: two terminals."""
    a, b = Ledger.open(staffed_log.path), Ledger.open(staffed_log.path)
    yield a, b
    a.close()
    b.close()


def signer(ledger, name):
    return unlock(find_member(load_register(ledger), name), PASSPHRASES[name])


def payload_for(qset, decider, outcome="share", revisits=None, case_ref="C-1042"):
    data = {"case_ref": case_ref, "answers": ANSWERS_BY_OUTCOME[outcome]}
    if revisits is not None:
        data["revisits"] = revisits
    draft = parse_answers(yaml.safe_dump(data).encode(), "answers.yaml", qset).draft
    draft.decided_by = decider.staff_id
    return decision_payload(qset, draft)


def assert_refused_and_log_verifies(path, ledger, before, call, message):
    with pytest.raises(InfoshareError) as caught:
        call()
    assert message in caught.value.message
    assert "Nothing was written" in caught.value.message
    assert ledger.count() == before
    report = verify_path(path)
    assert report.ok, [p.message for p in report.problems]


def test_decider_changes_passphrase_in_another_window_before_the_decision_is_written(
    staffed_log, two, qset
):
    a, b = two
    alex = signer(a, ALEX)
    payload = payload_for(qset, alex)
    change_passphrase(b, signer(b, ALEX), "a brand new passphrase")
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: write_decision(a, alex, payload, None, None),
        "was changed in the meantime",
    )


def test_cosigner_deactivated_in_another_window_before_the_decision_is_written(
    staffed_log, two, qset
):
    a, b = two
    sam, priya = signer(a, SAM), signer(a, PRIYA)
    payload = payload_for(qset, sam)
    deactivate_member(b, signer(b, ALEX), find_member(load_register(b), PRIYA))
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: write_decision(a, sam, payload, priya, ("agree", "")),
        "has been deactivated",
    )


def test_decider_deactivated_in_another_window_before_the_decision_is_written(
    staffed_log, two, qset
):
    a, b = two
    sam = signer(a, SAM)
    payload = payload_for(qset, sam)
    deactivate_member(b, signer(b, ALEX), find_member(load_register(b), SAM))
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: write_decision(a, sam, payload, None, None),
        "has been deactivated",
    )


def test_two_managers_cosigning_the_same_decision_at_once(staffed_log, two, qset):
    a, b = two
    sam = signer(a, SAM)
    decision = write_decision(a, sam, payload_for(qset, sam), None, None).decision
    # Both load the pending decision and unlock their keys...
    record_a, record_b = load_decision(a, decision.seq), load_decision(b, decision.seq)
    priya, alex = signer(a, PRIYA), signer(b, ALEX)
    # ...Alex saves first; Priya's co-signature must not be added on top.
    cosign_existing(b, record_b, alex, "agree", "")
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: cosign_existing(a, record_a, priya, "disagree", "Not enough evidence."),
        "has already been co-signed",
    )
    assert load_decision(a, decision.seq).status == "agreed"


def test_two_windows_taking_the_same_decision_again_at_once(staffed_log, two, qset):
    a, b = two
    sam = signer(a, SAM)
    old = write_decision(a, sam, payload_for(qset, sam), None, None).decision.seq
    alex_b = signer(b, ALEX)
    write_decision(b, alex_b, payload_for(qset, alex_b, revisits=old), None, None)
    payload = payload_for(qset, sam, revisits=old)  # checked before the other window saved
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: write_decision(a, sam, payload, None, None),
        "has already been taken again",
    )


def test_two_windows_deactivating_the_last_two_managers_at_once(staffed_log, two):
    a, b = two
    alex, priya = signer(a, ALEX), signer(b, PRIYA)
    # Each checked the register before the other wrote: two active managers.
    alex_member = find_member(load_register(a), ALEX)
    priya_member = find_member(load_register(a), PRIYA)
    deactivate_member(b, priya, alex_member)
    before = a.count()
    with pytest.raises(InfoshareError):
        deactivate_member(a, alex, priya_member)
    assert a.count() == before
    assert verify_path(staffed_log.path).ok


def test_manager_deactivated_in_another_window_cannot_then_add_staff(staffed_log, two):
    a, b = two
    priya = signer(a, PRIYA)
    deactivate_member(b, signer(b, ALEX), find_member(load_register(b), PRIYA))
    before = a.count()
    with pytest.raises(InfoshareError) as caught:
        add_member(a, priya, "Kim Doe", "practitioner", "kim passphrase five")
    assert "has been deactivated" in caught.value.message
    assert a.count() == before
    assert verify_path(staffed_log.path).ok


def test_corrector_deactivated_in_another_window_before_the_correction_is_written(
    staffed_log, two, qset
):
    from infoshare_cli.actions.corrections import append_correction

    a, b = two
    sam = signer(a, SAM)
    decision = write_decision(a, sam, payload_for(qset, sam), None, None).decision
    record = load_decision(a, decision.seq)
    deactivate_member(b, signer(b, ALEX), find_member(load_register(b), SAM))
    before = a.count()
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: append_correction(a, record, sam, "The date.", "The 3rd.", "Typo."),
        "has been deactivated",
    )


# --- a decision taken again stays with its case -------------------------------------------


def test_revisit_about_another_case_is_refused_and_leaves_the_other_decision_alone(
    staffed_log, cli, tmp_path
):
    from conftest import answers_file_data

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
    old = before  # the decision just written is the newest entry
    result = decide("Z-77 Jones", "--revisits", str(old))
    assert result.exit_code == 1, result.output
    assert f"Decision #{old} is about another case" in result.output
    assert "Nothing was written" in result.output
    assert "Z-77" not in result.output and "C-1042" not in result.output
    assert staffed_log.count() == before
    with staffed_log.open() as ledger:
        assert load_decision(ledger, old).status == "awaiting co-signature"
    # the same case, however it is capitalised and spaced, is fine
    assert decide(" c-1042 ", "--revisits", str(old)).exit_code == 0


def test_write_decision_refuses_a_revisit_about_another_case(staffed_log, qset):
    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        old = write_decision(ledger, sam, payload_for(qset, sam), None, None).decision.seq
        payload = payload_for(qset, sam, revisits=old, case_ref="C-9999")
        before = ledger.count()
        with pytest.raises(InfoshareError, match="is about another case"):
            write_decision(ledger, sam, payload, None, None)
        assert ledger.count() == before


def test_interactive_revisit_keeps_the_case_reference(staffed_log, qset):
    from test_wizard_prompts import CONFIRM, SCREENS_BY_OUTCOME, cosign, drive, pick, typed

    from infoshare_cli.asking.flows import interactive_decision

    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        old = write_decision(ledger, sam, payload_for(qset, sam), None, None).decision.seq
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
        assert f"Taking decision #{old} again, for case C-1042" in asker.screen


# --- what people type: the setting's name and control characters -------------------------


@pytest.mark.parametrize(
    "setting",
    [
        "Acorns\udcff",  # an undecodable byte on the command line: crashed after the passphrases
        "Acorns\x1b[31m red",  # an escape code, shown later on every printable record
        "A" * 201,
    ],
)
def test_init_refuses_an_unusable_setting_name_before_anything_is_written(cli, tmp_path, setting):
    db = tmp_path / "log.sqlite3"
    result = cli(
        "init",
        "--setting",
        setting,
        "--manager",
        ALEX,
        input=PASSPHRASES[ALEX] + "\n" + PASSPHRASES[ALEX] + "\n",
        db=db,
    )
    assert result.exit_code == 1, result.output
    assert "The setting's name" in result.output
    assert "Something went wrong" not in result.output
    assert "New passphrase" not in result.output  # refused before anyone types one
    assert not db.exists()


CONTROL_TEXTS = [
    "Mum said \x1b[2J no",  # clears the reader's screen when shown
    "Mum said no\x1b[1A\x1b[2KShare: agreed",  # rewrites the line above on screen
    "nul \x00 byte",
    "bell \x07",
    "C1 control \x9b31m",
]


@pytest.mark.parametrize("text", CONTROL_TEXTS)
def test_reasons_and_text_answers_with_control_characters_are_refused(
    cli, staffed_log, tmp_path, text
):
    from conftest import answers_file_data

    data = answers_file_data("share_without_consent")
    data["answers"]["consent"]["reason"] = text
    data["answers"]["right_way"]["what"] = text
    path = tmp_path / "answers.json"
    import json

    path.write_text(json.dumps(data), encoding="utf-8")
    before = staffed_log.count()
    result = cli(
        "decide",
        "--answers",
        path,
        "--by",
        SAM,
        input=PASSPHRASES[SAM] + "\n",
        db=staffed_log.path,
    )
    assert result.exit_code == 1, result.output
    assert "'consent': remove the control characters" in result.output
    assert "'right_way': remove the control characters" in result.output
    assert "Mum" not in result.output and "byte" not in result.output
    assert staffed_log.count() == before


def test_tabs_and_line_breaks_in_a_reason_are_fine(cli, staffed_log, tmp_path):
    from conftest import answers_file_data

    data = answers_file_data("share_without_consent")
    data["answers"]["consent"]["reason"] = "First line.\n\tSecond line.\r\nThird, accentué, 子."
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = cli(
        "decide",
        "--answers",
        path,
        "--by",
        SAM,
        input=PASSPHRASES[SAM] + "\n",
        db=staffed_log.path,
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("text", CONTROL_TEXTS)
def test_comments_and_corrections_with_control_characters_are_refused(staffed_log, text):
    from infoshare_cli.actions.corrections import correction_payload
    from infoshare_cli.domain.decisions import cosign_payload

    with pytest.raises(InfoshareError, match="control characters"):
        cosign_payload(1, "0" * 64, "disagree", text)
    with staffed_log.open() as ledger:
        record = type("R", (), {"id": 1, "entry": ledger.get(1)})()
        for field in ("wrong", "right", "why"):
            texts = {"wrong": "The date.", "right": "The 3rd.", "why": "Typo."} | {field: text}
            with pytest.raises(InfoshareError, match="control characters") as caught:
                correction_payload(record, **texts)
            assert "Mum" not in caught.value.message


def test_the_text_prompt_refuses_control_characters_as_it_is_typed():
    from infoshare_cli.asking.prompts import _validator

    for kind in ("text", "reason", "optional"):
        assert "control characters" in str(_validator(kind, back=True)("Mum \x1b[2J said"))
        assert _validator(kind, back=True)("Two\tcolumns") is True


# --- Ctrl-C after the log was set up ------------------------------------------------------


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, EOFError])
def test_ctrl_c_after_the_first_run_setup_does_not_claim_nothing_was_written(tmp_path, interrupt):
    from infoshare_cli.asking.flows import interactive_setup
    from infoshare_cli.errors import Cancelled

    class Asker:
        def say(self, text):
            pass

        def confirm(self, message, default=True):
            if message.startswith("Add another manager"):
                raise interrupt
            return True

        def text(self, message, **kwargs):
            return "Little Acorns" if "setting" in message else ALEX

    path = tmp_path / "log.sqlite3"
    with pytest.raises(Cancelled) as caught:
        interactive_setup(
            Asker(), path, lambda prompt: PASSPHRASES[ALEX], lambda read, who: PASSPHRASES[ALEX]
        )
    message = caught.value.message
    assert "nothing was written" not in message.lower()
    assert "The log is set up" in message and "no decision was taken" in message
    assert caught.value.exit_code == 130
    with Ledger.open(path) as ledger:  # the log and its first manager are kept, and sound
        assert [m.name for m in load_register(ledger).values()] == [ALEX]
    assert verify_path(path).ok


# --- errors about an answers file do not repeat free text typed in the wrong place --------


def test_answers_file_errors_do_not_repeat_free_text(cli, staffed_log, tmp_path):
    from conftest import answers_file_data

    path = tmp_path / "answers.yaml"

    def decide(data):
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        return cli(
            "decide",
            "--answers",
            path,
            "--by",
            SAM,
            input=PASSPHRASES[SAM] + "\n",
            db=staffed_log.path,
        )

    before = staffed_log.count()
    data = answers_file_data("share")
    data["answers"]["public interest Jane"] = "yes"
    data["answers"]["right_way"]["Jane Smith"] = "yes"
    data["Jane Smith's mum"] = "x"
    data["outcome_record"] = {"Jane Smith": "x"}
    data["answers"]["identifiable"] = {"answer": "yes", "Jane's reason": "x"}
    result = decide(data)
    assert result.exit_code == 1, result.output
    assert "Jane" not in result.output
    assert "Unknown key '…'" in result.output

    data = answers_file_data("share")
    data["answers"]["purpose"] = "Yes, to protect Jane Smith"  # a note where a choice goes
    data["answers"]["right_way"]["Jane Smith"] = "yes"
    data["outcome_record"] = {"Jane Smith": "x"}
    result = decide(data)
    assert result.exit_code == 1, result.output
    assert "Jane" not in result.output
    assert "'purpose' has no choice '…'; choose from: yes, no, not_sure." in result.output
    assert "'right_way' has no part called '…'." in result.output

    # a plain mistyped word is still repeated, to help find it
    data = answers_file_data("share")
    data["answers"]["purpose"] = "maybe"
    assert "'purpose' has no choice 'maybe'" in decide(data).output
    assert staffed_log.count() == before


def test_a_disagreement_with_a_dash_for_comment_is_not_lost_after_the_checklist(staffed_log, qset):
    """'-' means 'no comment' for an agreement; for a disagreement (which needs a reason)
    it turned into an empty comment, and the whole decision was refused after the checklist."""
    from infoshare_cli.asking.flows import ask_verdict

    class Asker:
        def say(self, renderable):
            pass

        def select(self, message, choices, **kwargs):
            return "disagree"

        def text(self, message, **kwargs):
            return "-"

    with staffed_log.open() as ledger:
        sam, priya = signer(ledger, SAM), signer(ledger, PRIYA)
        payload = payload_for(qset, sam)
        verdict = ask_verdict(Asker(), qset, payload)
        written = write_decision(ledger, sam, payload, priya, verdict)
        assert written.cosign.payload["verdict"] == "disagree"
        assert written.cosign.payload["comment"] == "-"


def test_exporter_deactivated_in_another_window_while_the_export_is_written(
    staffed_log, two, qset, tmp_path
):
    from infoshare_cli.actions.exporting import run_export
    from infoshare_cli.reading.filters import make_filters

    a, b = two
    priya = signer(a, PRIYA)
    deactivate_member(b, signer(b, ALEX), find_member(load_register(b), PRIYA))
    before = a.count()
    out = tmp_path / "export.csv"
    assert_refused_and_log_verifies(
        staffed_log.path,
        a,
        before,
        lambda: run_export(a, priya, qset, fmt="csv", filters=make_filters(), path=out),
        "has been deactivated in the meantime",
    )
    assert not out.exists()
