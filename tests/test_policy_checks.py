"""`questions check` enforces the policy's rules written as data in a question file: a path
cannot share while a principle of sharing in the right way does not hold, the urgent route
never ends in "do not share", and the new keys are checked like the old ones.

Each case starts from the shipped questions.yaml and breaks one thing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from infoshare_cli.checklist.loading import load_question_set, parse_question_set
from infoshare_cli.cli.main import app
from infoshare_cli.domain.questions import QuestionSetError

REPO = Path(__file__).resolve().parent.parent
SHIPPED = (REPO / "questions.yaml").read_text(encoding="utf-8")
EARLIER = REPO / "infoshare_cli" / "checklist" / "earlier_sets" / "2018.1.yaml"

NECESSARY_NO = """\
          - value: "no"
            outcome: do_not_share
            urgent_outcome: seek_advice
          - value: not_sure
            outcome: seek_advice
      - id: proportionate"""


def changed(old: str, new: str, text: str = SHIPPED) -> str:
    assert text.count(old) == 1, f"the shipped file must contain {old!r} exactly once"
    return text.replace(old, new)


def problems_of(text: str) -> str:
    with pytest.raises(QuestionSetError) as info:
        parse_question_set(text.encode("utf-8"), "mine.yaml")
    return "\n".join(info.value.problems)


def test_the_shipped_set_passes_and_is_version_2018_4():
    qset = load_question_set()
    assert qset.version == "2018.4"


def test_a_principle_answered_no_may_not_lead_to_share():
    text = changed(NECESSARY_NO, NECESSARY_NO.replace("outcome: do_not_share", "outcome: share"))
    found = problems_of(text)
    assert (
        "the answer 'no' to the condition 'necessary' in 'right_way' lets the record share "
        "while the principle does not hold; give it 'outcome: do_not_share' or "
        "'outcome: seek_advice'"
    ) in found


def test_a_principle_answered_no_must_set_an_outcome():
    text = changed(NECESSARY_NO, NECESSARY_NO.replace("            outcome: do_not_share\n", ""))
    assert "the answer 'no' to the condition 'necessary'" in problems_of(text)


def test_an_urgent_outcome_may_not_share_either():
    text = changed(
        NECESSARY_NO,
        NECESSARY_NO.replace("urgent_outcome: seek_advice", "urgent_outcome: share"),
    )
    assert "give it 'urgent_outcome: do_not_share' or 'urgent_outcome: seek_advice'" in (
        problems_of(text)
    )


def test_a_path_that_shares_without_the_principles_is_refused():
    # consent given now skips right_way and goes straight to the record
    old = """        label: Yes, consent was given
        outcome: share
        next: right_way"""
    text = changed(old, old.replace("next: right_way", "next: recorded"))
    found = problems_of(text)
    assert (
        "consent=given -> recorded=* reach 'share' without asking whether it is shared the "
        "right way"
    ) in found


def test_a_question_after_the_principles_may_not_turn_a_no_back_into_share():
    old = """    type: form
    next: recorded
    parts:"""
    extra = """
  - id: afterwards
    text: Share anyway?
    type: yes_no
    choices:
      - value: "yes"
        outcome: share
        next: recorded
      - value: "no"
        next: recorded
"""
    text = changed(old, old.replace("next: recorded", "next: afterwards"))
    text = changed("  - id: recorded\n", extra.lstrip("\n") + "\n  - id: recorded\n", text)
    found = problems_of(text)
    assert "right_way.necessary=no -> afterwards=yes -> recorded=* reach 'share' while the " in (
        found
    )
    assert "principle 'necessary' does not hold; a record cannot say share then" in found


def test_the_urgent_route_may_not_end_in_do_not_share():
    old = """        outcome: do_not_share
        urgent_outcome: seek_advice
        next: recorded
      - value: not_sure
        label: Not sure
        outcome: seek_advice
        next: recorded

  - id: identifiable"""
    text = changed(old, old.replace("        urgent_outcome: seek_advice\n", ""))
    found = problems_of(text)
    assert (
        "the answers urgent=yes -> purpose=no -> recorded=* are on the urgent route but reach "
        "'do_not_share'"
    ) in found
    assert "urgent=no -> purpose=no" not in found  # only the urgent route


def test_may_stand_needs_a_reason():
    old = """        reason_required_for: ["no", not_sure]
        reason_prompt: Why not, or what makes you unsure?
        choices:
          - value: "yes"
          - value: "no"
            outcome: seek_advice
            urgent_may_stand: true"""
    text = changed(old, old.replace('["no", not_sure]', "[not_sure]"))
    assert "'no' to 'secure' may stand on the urgent route only with a reason" in (
        problems_of(text)
    )


def test_a_condition_must_be_a_yes_no_question():
    old = """        type: yes_no
        reason_required_for: ["no"]
        reason_prompt: Why is it late?"""
    text = changed(old, old.replace("type: yes_no", "type: text\n        condition: true"))
    assert "'timely' in 'right_way' is a condition, so it must be yes_no or yes_no_unsure" in (
        problems_of(text)
    )


def test_only_a_condition_may_set_an_outcome_in_a_form():
    old = """          - value: referral_form
            label: Referral form"""
    text = changed(old, old + "\n            outcome: share")
    assert "the parts of 'right_way' cannot route" in problems_of(text)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "when_outcome: [share_without_consent]",
            "when_outcome: [maybe]",
            "'when_outcome' in 'parent_told' names 'maybe', which is not an outcome",
        ),
        (
            "when_outcome: [share_without_consent]",
            "when_outcome: share_without_consent",
            "'when_outcome' in 'parent_told' must be a list of outcomes",
        ),
        (
            "        group: ground\n        outcome: share_without_consent\n"
            '        basis: "public interest: to prevent harm to a child or adult"',
            "        group: reason\n        outcome: share_without_consent\n"
            '        basis: "public interest: to prevent harm to a child or adult"',
            "'group' in choice 'prevent_harm' of 'public_interest' must be ground or criterion",
        ),
        (
            "        urgent: true\n",
            "        urgent: yes please\n",
            "'urgent' must be true or false",
        ),
        (
            "  adequate: >-\n    Enough for the person receiving it to understand it and act on "
            "it, and of the right quality.\n",
            "  adequate: [1, 2]\n",
            "'adequate' in the glossary entry 'adequate' must be text, not a list",
        ),
    ],
)
def test_the_new_keys_are_checked(old, new, message):
    assert message in problems_of(changed(old, new))


def test_questions_check_refuses_the_earlier_set_for_new_decisions(tmp_path):
    result = CliRunner().invoke(app, ["questions", "check", str(EARLIER)])
    assert result.exit_code == 1
    assert "without asking whether it is shared the right way" in result.stderr


def test_the_earlier_set_is_still_read_for_the_decisions_taken_under_it():
    qset = parse_question_set(EARLIER.read_bytes(), "2018.1", policy=False)
    assert qset.version == "2018.1"
    assert qset.sha256 == "fd0e7858467e901d27508ec7a5ef8bfaa4050719788ec3387813e3a4ad621ad5"


def test_a_question_id_may_not_take_the_name_of_another_questions_reason():
    text = changed("  - id: good_reason\n", "  - id: consent_reason\n")
    text = changed("        next: good_reason\n", "        next: consent_reason\n", text)
    assert "the id 'consent_reason' is the name exports give to the reason for 'consent'" in (
        problems_of(text)
    )
