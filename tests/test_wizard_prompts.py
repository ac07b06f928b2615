"""The wizard and `decide` flow through the REAL questionary prompts, fed by keystrokes
(see support/prompt_driver.py for how the keys reach the prompts)."""

from __future__ import annotations

from typing import Any

import pytest
from support.people import ALEX, ANSWERS_BY_OUTCOME, PASSPHRASES, PRIYA, SAM, SEEK_ADVICE_RECORD
from support.prompt_driver import (
    CLOSE,
    CONFIRM,
    CTRL_C,
    CTRL_D,
    CTRL_U,
    ENTER,
    NOT_URGENT,
    PARENT_TOLD,
    REFUSED,
    RIGHT_WAY,
    SCREENS_BY_OUTCOME,
    TO_CONSENT,
    KeyedAsker,
    cosign,
    drive,
    pick,
    tick,
    typed,
    who,
)
from support.reading import read_as

from infoshare_cli.actions.deciding import NOBODY
from infoshare_cli.asking.flows import interactive_decision
from infoshare_cli.asking.prompts import _validator
from infoshare_cli.asking.wizard import BACK, run_wizard
from infoshare_cli.domain.decisions import Draft, decision_payload
from infoshare_cli.errors import Cancelled, WrongPassphrase
from infoshare_cli.reading.records import load_decision


def as_logged(scripted: Any) -> dict:
    """An answer in the answers-file shape (support.people) as the log's payload holds it."""
    if isinstance(scripted, dict) and "answer" in scripted:
        return dict(scripted)
    if isinstance(scripted, dict):
        return {"answer": {k: as_logged(v) for k, v in scripted.items()}}
    return {"answer": scripted}


def expected_answers(outcome: str) -> dict:
    answers = {q: as_logged(a) for q, a in ANSWERS_BY_OUTCOME[outcome].items()}
    return answers | {"recorded": {"answer": "confirmed"}}


def decide(staffed_log, qset, steps) -> tuple[Any, KeyedAsker]:
    with staffed_log.open() as ledger:
        return drive(steps, lambda a: interactive_decision(a, ledger, qset, a.password))


def wizard(qset, steps) -> tuple[Draft, KeyedAsker]:
    return drive(steps, lambda a: run_wizard(qset, Draft("C-1042", "s-test"), a))


# --- one test per outcome ------------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(SCREENS_BY_OUTCOME))
def test_each_outcome_through_the_real_prompts(staffed_log, qset, outcome):
    before = staffed_log.count()
    steps = who() + SCREENS_BY_OUTCOME[outcome] + CONFIRM + cosign("agree", "")
    written, asker = decide(staffed_log, qset, steps)

    assert staffed_log.count() == before + 2
    payload = written.decision.payload
    assert payload["outcome"] == outcome
    assert payload["case_ref"] == "C-1042"
    assert payload["answers"] == expected_answers(outcome)
    assert payload["urgent"] is False
    if outcome == "seek_advice":
        assert payload["outcome_record"] == {
            k: {"answer": v} for k, v in SEEK_ADVICE_RECORD.items()
        }
    if outcome == "share_without_consent":
        assert payload["basis"] == ["public interest: evidence of significant harm"]
    assert written.cosign.payload["verdict"] == "agree"
    assert written.cosign.payload["comment"] == ""  # an agreeing comment may be left empty
    with staffed_log.open() as ledger, read_as(ledger):
        record = load_decision(ledger, written.decision.seq)
        assert record.status.label() == "agreed"
        assert [c.seq for c in record.cosigns] == [written.cosign.seq]
        assert ledger.get(written.decision.seq).payload == payload
    assert "Outcome" in asker.screen  # the review was shown


# --- Back ----------------------------------------------------------------------------------


def test_help_commands_are_shown_as_this_person_runs_infoshare(qset, tmp_path, monkeypatch):
    """Run by its path (the README's install, not activated), the advice question's help
    names the command that works here, and says where the decision's number comes from."""
    import sys

    from infoshare_cli import hints

    script = tmp_path / ".venv" / "bin" / "infoshare"
    monkeypatch.setattr(sys, "argv", [str(script)])
    hints.program.cache_clear()
    try:
        _, asker = wizard(qset, SCREENS_BY_OUTCOME["seek_advice"] + CONFIRM)
    finally:
        hints.program.cache_clear()
    screen = " ".join(asker.screen.split())
    assert f"take the decision again with `{script} decide --revisits NUMBER`" in screen
    assert "where NUMBER is this decision's number" in screen
    assert "`infoshare decide" not in screen


def test_back_changes_the_previous_answer_and_the_route(qset):
    steps = (
        NOT_URGENT
        + TO_CONSENT
        + [("consent to share", pick("given"))]
        # the first question of "right way": Back re-asks consent, its answer preselected
        + [("What will be shared", typed("<"))]
        + REFUSED
        + RIGHT_WAY
        + PARENT_TOLD
        + CONFIRM
    )
    draft, asker = wizard(qset, steps)

    back_at = asker.asked.index("What will be shared? (A summary, not the file itself.)")
    asked_after_back = asker.asked[back_at + 1 :]
    assert asked_after_back[0] == "Do you have consent to share?"
    assert any("statutory duty" in m for m in asked_after_back)
    assert any("public interest" in m for m in asked_after_back)
    payload = decision_payload(qset, draft)
    assert payload["outcome"] == "share_without_consent"
    assert payload["answers"] == expected_answers("share_without_consent")


def test_back_from_a_text_prompt(qset):
    steps = NOT_URGENT + [
        ("legitimate purpose", pick("no")),
        ("What is the purpose", typed("<")),  # back to the question, not a reason of "<"
        ("legitimate purpose", pick("not_sure")),
        ("What is the purpose", typed("Unclear whether the concern is enough.")),
        ("Who are you asking", typed(SEEK_ADVICE_RECORD["advisor"])),
        ("When did you ask", typed(SEEK_ADVICE_RECORD["asked_on"])),
        ("What have you been advised", typed("<")),  # back one part of the outcome record
        ("When did you ask", CTRL_U + typed("2026-11-27")),  # remembered, then changed
        ("What have you been advised", typed(SEEK_ADVICE_RECORD["advice"])),
    ]
    draft, asker = wizard(qset, steps + CONFIRM)

    payload = decision_payload(qset, draft)
    assert payload["outcome"] == "seek_advice"
    assert payload["answers"]["purpose"] == {
        "answer": "not_sure",
        "reason": "Unclear whether the concern is enough.",
    }
    assert payload["outcome_record"]["asked_on"] == {"answer": "2026-11-27"}
    assert "type < and press Enter" in asker.screen  # how to go back is on screen


def test_back_on_a_checkbox(qset):
    steps = (
        NOT_URGENT
        + TO_CONSENT
        + [
            ("consent to share", pick("refused")),
            ("What happened", typed("Parent refused when asked on Monday.")),
            ("statutory duty", pick("no")),
            ("sufficient public interest", tick(BACK)),
            ("statutory duty", pick("yes")),
            ("Which duty or order", typed("Section 47 enquiry by Children's Social Care.")),
        ]
        + RIGHT_WAY
        + PARENT_TOLD
        + CONFIRM
    )
    draft, asker = wizard(qset, steps)

    assert "tick '← Back to the previous question' alone" in asker.screen
    payload = decision_payload(qset, draft)
    assert payload["outcome"] == "share_without_consent"
    assert payload["basis"] == ["statutory duty or court order"]
    assert "public_interest" not in payload["answers"]


# --- the review screen ---------------------------------------------------------------------


def test_review_change_reroutes_to_new_questions(qset):
    steps = (
        NOT_URGENT
        + TO_CONSENT
        + [("consent to share", pick("given"))]
        + RIGHT_WAY
        + [
            ("Is this record right", pick("change")),
            ("Which answer do you want to change", pick("consent")),
        ]
        + REFUSED  # consent refused: statutory and public interest are asked now
        # "right way" was already answered and still applies; only whether the parent
        # will be told is new, asked now that consent was not given
        + PARENT_TOLD
        + CONFIRM
    )
    draft, asker = wizard(qset, steps)

    first_review = asker.asked.index("Is this record right?")
    later = asker.asked[first_review:]
    assert any("statutory duty" in m for m in later)
    assert any("sufficient public interest" in m for m in later)
    payload = decision_payload(qset, draft)
    assert payload["outcome"] == "share_without_consent"
    assert payload["answers"] == expected_answers("share_without_consent")
    assert asker.screen.count("Review the record") == 2


def test_review_change_drops_answers_off_the_path(qset):
    steps = (
        NOT_URGENT
        + TO_CONSENT
        + REFUSED
        + RIGHT_WAY
        + PARENT_TOLD
        + [
            ("Is this record right", pick("change")),
            ("Which answer do you want to change", pick("consent")),
            ("consent to share", pick("given")),
        ]
        + CONFIRM
    )
    draft, _ = wizard(qset, steps)

    assert "statutory" not in draft.answers and "public_interest" not in draft.answers
    payload = decision_payload(qset, draft)
    assert payload["outcome"] == "share"
    assert payload["basis"] == []
    assert payload["answers"] == expected_answers("share")


def test_review_cancel_writes_nothing(staffed_log, qset):
    before = staffed_log.count()
    steps = who() + SCREENS_BY_OUTCOME["do_not_share"] + [("Is this record right", pick("cancel"))]
    with pytest.raises(Cancelled):
        decide(staffed_log, qset, steps)
    assert staffed_log.count() == before


# --- leaving part-way: nothing written ---------------------------------------------------


def test_ctrl_c_at_a_question_writes_nothing(staffed_log, qset):
    before = staffed_log.count()
    steps = who() + NOT_URGENT + [("legitimate purpose", CTRL_C)]
    with pytest.raises(KeyboardInterrupt):
        decide(staffed_log, qset, steps)
    assert staffed_log.count() == before


WRONG = "not the passphrase"
COSIGNER_FAILURES = {
    "three wrong passphrases": (
        [
            ("which manager is co-signing", pick(PRIYA)),
            (f"Passphrase for {PRIYA}", typed(WRONG)),
            ("Wrong passphrase (2 tries left). Passphrase for Priya Shah (try 2", typed(WRONG)),
            ("Wrong passphrase (1 try left). Passphrase for Priya Shah (try 3", typed(WRONG)),
        ],
        "wrong 3 times",
    ),
    "Ctrl-C at the co-signer's passphrase": (
        [("which manager is co-signing", pick(PRIYA)), ("Passphrase for", CTRL_C)],
        "stopped",
    ),
    "Ctrl-C at picking the co-signer": ([("which manager is co-signing", CTRL_C)], "stopped"),
    "Ctrl-C at the verdict": (
        [
            ("which manager is co-signing", pick(PRIYA)),
            (f"Passphrase for {PRIYA}", typed(PASSPHRASES[PRIYA])),
            ("Do you agree", CTRL_C),
        ],
        "stopped",
    ),
    "the input closed at the comment": (
        [
            ("which manager is co-signing", pick(PRIYA)),
            (f"Passphrase for {PRIYA}", typed(PASSPHRASES[PRIYA])),
            ("Do you agree", pick("disagree")),
            ("why you do not agree", CLOSE),
        ],
        "stopped",
    ),
    "the co-signer is called away": (
        [
            ("which manager is co-signing", pick(PRIYA)),
            (f"Passphrase for {PRIYA}", typed(PASSPHRASES[PRIYA])),
            ("Do you agree", pick("called away")),
        ],
        "called away",
    ),
}


@pytest.mark.parametrize("failure", list(COSIGNER_FAILURES))
def test_a_cosigner_failure_saves_the_decision_as_awaiting(staffed_log, qset, failure):
    cosigner_steps, why = COSIGNER_FAILURES[failure]
    before = staffed_log.count()
    steps = who() + SCREENS_BY_OUTCOME["do_not_share"] + CONFIRM + cosigner_steps
    written, _ = decide(staffed_log, qset, steps)

    assert staffed_log.count() == before + 1  # the decision, with no co-signature
    assert written.cosign is None
    assert why in written.cosign_missing
    with staffed_log.open() as ledger, read_as(ledger):
        record = load_decision(ledger, written.decision.seq)
        record.open_all()
    assert record.status.label() == "awaiting co-signature"
    assert record.payload["answers"] == expected_answers("do_not_share")


def test_closed_input_at_a_question_writes_nothing(staffed_log, qset):
    before = staffed_log.count()
    steps = who() + NOT_URGENT + TO_CONSENT + [("consent to share", CLOSE)]
    with pytest.raises(EOFError):
        decide(staffed_log, qset, steps)
    assert staffed_log.count() == before


def test_ctrl_d_at_a_text_prompt_writes_nothing(staffed_log, qset):
    before = staffed_log.count()
    steps = who() + NOT_URGENT + [("legitimate purpose", pick("no")), ("What is the", CTRL_D)]
    with pytest.raises(EOFError):
        decide(staffed_log, qset, steps)
    assert staffed_log.count() == before


# --- what the screens say and refuse -------------------------------------------------------


def test_urgent_alert_says_call_999_first(qset):
    steps = (
        [("immediate danger", pick("yes")), ("make the call now", pick("carry_on"))]
        + [("legitimate purpose", pick("no")), ("What is the purpose", typed("No purpose."))]
        # urgent answers that would end in "do not share" lead to advice instead
        + [
            ("Who are you asking", typed(SEEK_ADVICE_RECORD["advisor"])),
            ("When did you ask", typed(SEEK_ADVICE_RECORD["asked_on"])),
            ("What have you been advised", typed(SEEK_ADVICE_RECORD["advice"])),
        ]
        + CONFIRM
    )
    draft, asker = wizard(qset, steps)

    assert decision_payload(qset, draft)["outcome"] == "seek_advice"
    screen = asker.screen
    assert "999" in screen and "Act now" in screen
    flowing = " ".join(screen.replace("│", " ").split())  # the alert's panel wraps its text
    assert "The call comes first: do not wait for this tool." in flowing
    assert "You can finish this record afterwards" in flowing
    # the alert comes straight after the urgent question, before the next one's help
    assert screen.index("999") < screen.index("Sharing must be for a reason")
    assert screen.count("999") == 1  # shown once, not again on every later question
    assert decision_payload(qset, draft)["urgent"] is True


def test_outcome_so_far_is_not_an_urgent_alert(qset):
    draft, asker = wizard(qset, SCREENS_BY_OUTCOME["seek_advice"] + CONFIRM)
    assert "Outcome so far: Seek advice first" in asker.screen
    assert "Act now" not in asker.screen


def test_an_empty_reason_is_refused(qset):
    steps = NOT_URGENT + [
        ("legitimate purpose", pick("no")),
        # Enter on an empty reason (and on spaces) is refused; the prompt stays
        ("What is the purpose", ENTER + "   " + ENTER + CTRL_U + typed("Out of curiosity.")),
    ]
    draft, _ = wizard(qset, steps + CONFIRM)
    assert draft.answers["purpose"].reason == "Out of curiosity."
    assert _validator("reason", back=True)("  ") == "A reason is needed here."
    assert _validator("text", back=False)("") == "Please type an answer."
    assert _validator("optional", back=False)("") is True


def test_a_bad_date_is_refused(qset):
    steps = SCREENS_BY_OUTCOME["seek_advice"][:-2] + [
        ("When did you ask", typed("31/02/2026") + CTRL_U + typed("2026-11-26")),
        SCREENS_BY_OUTCOME["seek_advice"][-1],
    ]
    draft, _ = wizard(qset, steps + CONFIRM)
    assert draft.outcome_record["asked_on"].value == "2026-11-26"


@pytest.mark.parametrize(
    "typed_day, days_ago", [("today", 0), ("Yesterday", 1), ("26/11/2026", None)]
)
def test_dates_as_people_type_them_are_stored_as_year_month_day(qset, typed_day, days_ago):
    from datetime import date, timedelta

    steps = SCREENS_BY_OUTCOME["seek_advice"][:-2] + [
        ("When did you ask", typed(typed_day)),
        SCREENS_BY_OUTCOME["seek_advice"][-1],
    ]
    draft, _ = wizard(qset, steps + CONFIRM)
    expected = "2026-11-26" if days_ago is None else date.today() - timedelta(days=days_ago)
    assert draft.outcome_record["asked_on"].value == str(expected)


def test_an_exclusive_choice_ticked_with_others_is_asked_again_with_why(qset):
    steps = (
        NOT_URGENT
        + TO_CONSENT
        + [
            ("consent to share", pick("refused")),
            ("What happened", typed("Parent refused.")),
            ("statutory duty", pick("no")),
            ("sufficient public interest", tick("evidence_of_harm", "none")),
            # asked again at once (no reason typed for a contradictory answer)
            ("sufficient public interest", tick("none")),
            ("Explain your judgement", typed("Nothing points to significant harm.")),
        ]
        + CONFIRM
    )
    draft, asker = wizard(qset, steps)
    assert "cannot be ticked together with other choices" in asker.screen
    payload = decision_payload(qset, draft)
    assert payload["outcome"] == "do_not_share"
    assert payload["answers"]["public_interest"]["answer"] == ["none"]


# --- passphrases and the co-signature ------------------------------------------------------


def test_three_wrong_passphrases_end_the_attempt(staffed_log, qset):
    before = staffed_log.count()
    steps = [
        ("Who is taking this decision", pick(SAM)),
        ("Passphrase for Sam Lee", typed("not it at all")),
        ("Passphrase for Sam Lee (try 2 of 3)", typed("still not it")),
        ("Passphrase for Sam Lee (try 3 of 3)", typed(PASSPHRASES[PRIYA])),
    ]
    with pytest.raises(WrongPassphrase, match="3 wrong passphrases for Sam Lee"):
        decide(staffed_log, qset, steps)
    assert staffed_log.count() == before


def test_a_wrong_passphrase_then_the_right_one(staffed_log, qset):
    steps = (
        [
            ("Who is taking this decision", pick(SAM)),
            ("Passphrase for Sam Lee", typed("not it at all")),
            ("Passphrase for Sam Lee (try 2 of 3)", typed(PASSPHRASES[SAM])),
            ("Case reference", typed("C-7")),
        ]
        + SCREENS_BY_OUTCOME["do_not_share"]
        + CONFIRM
        + [("which manager is co-signing", pick(NOBODY))]
    )
    written, _ = decide(staffed_log, qset, steps)
    assert written.decision.payload["case_ref"] == "C-7"


def test_deferring_the_cosignature(staffed_log, qset):
    before = staffed_log.count()
    steps = (
        who()
        + SCREENS_BY_OUTCOME["do_not_share"]
        + CONFIRM
        + [("which manager is co-signing", pick("No manager is here now"))]
    )
    written, _ = decide(staffed_log, qset, steps)

    assert written.cosign is None
    assert staffed_log.count() == before + 1
    with staffed_log.open() as ledger:
        record = load_decision(ledger, written.decision.seq)
    assert record.status.label() == "awaiting co-signature"
    assert record.cosigns == []


def test_cosigner_disagrees_with_a_comment(staffed_log, qset):
    before = staffed_log.count()
    steps = (
        who()
        + SCREENS_BY_OUTCOME["do_not_share"]
        + CONFIRM
        + [
            ("which manager is co-signing", pick(PRIYA)),
            (f"Passphrase for {PRIYA}", typed(PASSPHRASES[PRIYA])),
            ("Do you agree", pick("disagree")),
            # a disagreement needs its reason: Enter on nothing is refused
            ("why you do not agree", ENTER + typed("Talk to the DSL first; share it.")),
        ]
    )
    written, asker = decide(staffed_log, qset, steps)

    assert staffed_log.count() == before + 2
    assert written.cosign.payload["verdict"] == "disagree"
    assert written.cosign.payload["comment"] == "Talk to the DSL first; share it."
    assert written.cosign.payload["decision"] == written.decision.seq
    with staffed_log.open() as ledger:
        assert load_decision(ledger, written.decision.seq).status.label() == "not agreed"
    # the co-signer read the record before answering
    assert asker.screen.count("curiosity") >= 2


# --- Enter alone never answers -------------------------------------------------------------


class EnterFirstAsker(KeyedAsker):
    """Presses Enter (and nothing else) at every prompt before its real keys."""

    def _feed(self, message: str, **prompt: Any) -> None:
        # Not at a passphrase (Enter is a wrong one), nor at an optional comment (Enter
        # leaves it empty, which is an answer there).
        skip = "passphrase" in message.casefold() or "(optional)" in message
        if self.steps and not skip:
            expected, keys = self.steps[0]
            if callable(keys):
                self.steps[0] = (expected, lambda p, keys=keys: ENTER + keys(p))
            elif isinstance(keys, str):
                self.steps[0] = (expected, ENTER + keys)
        super()._feed(message, **prompt)


@pytest.mark.parametrize("outcome", list(SCREENS_BY_OUTCOME))
def test_enter_alone_answers_no_question_and_no_verdict(staffed_log, qset, outcome):
    """Enter at every prompt first: it is refused everywhere, and the record holds only the
    answers that were chosen afterwards."""
    steps = who() + SCREENS_BY_OUTCOME[outcome] + CONFIRM + cosign("agree", "Fine.")
    with staffed_log.open() as ledger:
        written, asker = drive(
            steps, lambda a: interactive_decision(a, ledger, qset, a.password), EnterFirstAsker
        )
    payload = written.decision.payload
    assert payload["outcome"] == outcome
    assert payload["answers"] == expected_answers(outcome)
    assert written.cosign.payload["verdict"] == "agree"
    assert written.cosign.payload["comment"] == "Fine."
    selects = sum(1 for _, keys in steps if getattr(keys, "__qualname__", "").startswith("pick"))
    assert asker.screen.count("Nothing is chosen yet") == selects


def test_no_real_answer_is_pre_selected(staffed_log, qset):
    """The pointer starts on a line that is not an answer, for every question of the set
    and for the co-signer's verdict."""
    from infoshare_cli.asking.prompts import UNCHOSEN

    seen: list[str] = []

    class Recording(KeyedAsker):
        def select(self, message, choices, *, help="", default=None, back=False):
            seen.append(message)
            assert default is None or back, f"{message!r} has a default answer {default!r}"
            return super().select(message, choices, help=help, default=default, back=back)

    steps = who() + SCREENS_BY_OUTCOME["share"] + CONFIRM + cosign("agree", "")
    with staffed_log.open() as ledger:
        _, asker = drive(
            steps, lambda a: interactive_decision(a, ledger, qset, a.password), Recording
        )
    assert "Do you agree with this decision?" in seen
    assert UNCHOSEN not in asker.screen


# --- staff set-up without dead ends ---------------------------------------------------------


def new_passphrase_steps(name: str, passphrase: str) -> list:
    return [(f"New passphrase for {name}", typed(passphrase)), ("Type it again", typed(passphrase))]


def test_first_run_asks_again_for_a_second_manager_whose_name_is_taken(tmp_path):
    from infoshare_cli.asking.flows import interactive_setup
    from infoshare_cli.asking.prompts import ask_new_passphrase
    from infoshare_cli.reading.register import load_register

    path = tmp_path / "log.sqlite3"
    steps = (
        [
            ("Set up the log now", "y"),
            ("What is your setting called", typed("Little Acorns Nursery")),
            ("Your name", typed(ALEX)),
        ]
        + new_passphrase_steps(ALEX, PASSPHRASES[ALEX])
        + [
            ("Add another manager now", "y"),
            ("Their name", typed(ALEX.upper())),  # taken: asked again, setup goes on
            ("Their name", typed(PRIYA)),
        ]
        + new_passphrase_steps(PRIYA, PASSPHRASES[PRIYA])
        + [("Add another manager as well", "n")]
    )
    ledger, asker = drive(
        steps, lambda a: interactive_setup(a, path, a.password, ask_new_passphrase)
    )
    with ledger:
        names = sorted(m.name for m in load_register(ledger).values())
    assert names == [ALEX, PRIYA]
    assert "is already registered" in asker.screen


def _one_manager_log(tmp_path):
    from infoshare_cli.actions.staff import register_first_manager
    from infoshare_cli.ledger.store import Ledger

    path = tmp_path / "solo.sqlite3"
    with Ledger.create(path) as ledger:
        register_first_manager(ledger, ALEX, PASSPHRASES[ALEX], "Little Acorns Nursery")
    return path


def _decide_alone(path, qset, steps):
    from infoshare_cli.asking.prompts import ask_new_passphrase
    from infoshare_cli.ledger.store import Ledger

    with Ledger.open(path) as ledger:
        return drive(
            steps,
            lambda a: interactive_decision(
                a, ledger, qset, a.password, new_passphrase=ask_new_passphrase
            ),
        )


def test_only_one_manager_is_said_before_the_checklist_and_can_record_now(tmp_path, qset):
    path = _one_manager_log(tmp_path)
    steps = (
        [
            ("Who is taking this decision", pick(ALEX)),
            (f"Passphrase for {ALEX}", typed(PASSPHRASES[ALEX])),
            ("What would you like to do", pick("record_now")),
            ("Case reference", typed("C-1042")),
        ]
        + SCREENS_BY_OUTCOME["do_not_share"]
        + CONFIRM
    )
    written, asker = _decide_alone(path, qset, steps)
    assert written.cosign is None
    screen = asker.screen
    # said before the first question of the checklist, not after it
    assert screen.index("nobody can co-sign") < screen.index("case reference for the child")


def test_only_one_manager_can_add_a_second_one_first_then_co_sign(tmp_path, qset):
    path = _one_manager_log(tmp_path)
    steps = (
        [
            ("Who is taking this decision", pick(ALEX)),
            (f"Passphrase for {ALEX}", typed(PASSPHRASES[ALEX])),
            ("What would you like to do", pick("add_manager")),
            ("Their name", typed(PRIYA)),
        ]
        + new_passphrase_steps(PRIYA, PASSPHRASES[PRIYA])
        + [("Case reference", typed("C-1042"))]
        + SCREENS_BY_OUTCOME["do_not_share"]
        + CONFIRM
        + cosign("agree", "")
    )
    written, _ = _decide_alone(path, qset, steps)
    assert written.cosign.payload["verdict"] == "agree"


def test_taking_a_decision_again_shows_the_cosigners_reasons_first(staffed_log, qset):
    first = (
        who()
        + SCREENS_BY_OUTCOME["do_not_share"]
        + CONFIRM
        + [
            ("which manager is co-signing", pick(PRIYA)),
            (f"Passphrase for {PRIYA}", typed(PASSPHRASES[PRIYA])),
            ("Do you agree", pick("disagree")),
            ("why you do not agree", typed("Talk to the DSL first; share it.")),
        ]
    )
    written, _ = decide(staffed_log, qset, first)
    again = who()[:2] + SCREENS_BY_OUTCOME["do_not_share"] + CONFIRM + cosign("agree", "")
    with staffed_log.open() as ledger:
        _, asker = drive(
            again,
            lambda a: interactive_decision(a, ledger, qset, a.password, written.decision.seq),
        )
    screen = asker.screen
    said = screen.index("Priya Shah did NOT agree")
    assert "Talk to the DSL first; share it." in screen[said:]
    assert said < screen.index("act first and record afterwards")


def test_a_case_reference_that_looks_like_a_name_can_be_retyped(staffed_log, qset):
    steps = (
        who(case_ref="Amelia Jones")
        + [
            ("case reference, not a name", pick("retype")),
            ("Case reference", typed("C-1005")),
        ]
        + SCREENS_BY_OUTCOME["do_not_share"]
        + CONFIRM
        + [("which manager is co-signing", pick(NOBODY))]
    )
    written, asker = decide(staffed_log, qset, steps)
    assert written.decision.payload["case_ref"] == "C-1005"
    assert "looks like a person's name" in asker.screen


def test_a_case_reference_like_a_name_can_be_kept_on_purpose(staffed_log, qset):
    steps = (
        who(case_ref="Oak Room")
        + [("case reference, not a name", pick("keep"))]
        + SCREENS_BY_OUTCOME["do_not_share"]
        + CONFIRM
        + [("which manager is co-signing", pick(NOBODY))]
    )
    written, _ = decide(staffed_log, qset, steps)
    assert written.decision.payload["case_ref"] == "Oak Room"


@pytest.mark.parametrize(
    "case_ref, name_like",
    [("Amelia Jones", True), ("amelia jones", False), ("C-1042", False), ("Jo O'Neil", True)],
)
def test_what_looks_like_a_name(case_ref, name_like):
    from infoshare_cli.domain.decisions import looks_like_a_name

    assert looks_like_a_name(case_ref) is name_like


def test_at_the_urgent_alert_the_person_can_stop_and_make_the_call(staffed_log, qset):
    before = staffed_log.count()
    steps = who() + [
        ("immediate danger", pick("yes")),
        ("make the call now", pick("calling")),
    ]
    with pytest.raises(Cancelled) as stopped:
        decide(staffed_log, qset, steps)
    assert "Nothing was saved" in stopped.value.message
    assert "decide` again" in stopped.value.message
    assert staffed_log.count() == before


def test_decide_says_call_999_first_before_anything_is_asked(staffed_log, qset):
    steps = who() + SCREENS_BY_OUTCOME["do_not_share"] + CONFIRM + cosign("agree", "")
    _, asker = decide(staffed_log, qset, steps)
    assert asker.screen.index("call 999") < asker.screen.index("Pick your own name")
