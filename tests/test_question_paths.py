"""Every way through the shipped checklist, checked against the routing written out here.

The expected outcomes below are written out by hand from the key questions of HM
Government's "Information sharing: advice for practitioners providing safeguarding
services" (July 2018), which the setting's information-sharing policy cites and the shipped
questions.yaml follows; they are not derived from the code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infoshare_cli.checklist.loading import load_question_set
from infoshare_cli.domain.questions import QuestionSet
from infoshare_cli.domain.routing import Answer, answer_problems, iter_paths, route

REPO = Path(__file__).resolve().parent.parent

SHARE = "share"
SWC = "share_without_consent"
DNS = "do_not_share"
SEEK = "seek_advice"

# The routing of the key questions: the decision questions' answers (urgent, right_way and recorded
# excluded) and the outcome each way leads to. 17 ways.
DECISIONS: list[tuple[tuple[tuple[str, str], ...], str]] = [
    ((("purpose", "no"),), DNS),
    ((("purpose", "not_sure"),), SEEK),
    ((("purpose", "yes"), ("identifiable", "no")), SHARE),
    ((("purpose", "yes"), ("identifiable", "yes"), ("confidential", "no")), SHARE),
    (
        (
            ("purpose", "yes"),
            ("identifiable", "yes"),
            ("confidential", "yes"),
            ("consent", "given"),
        ),
        SHARE,
    ),
]
_TO_CONSENT = (("purpose", "yes"), ("identifiable", "yes"), ("confidential", "yes"))
for _consent in ("refused", "not_sought"):
    _base = _TO_CONSENT + (("consent", _consent),)
    DECISIONS += [
        (_base + (("statutory", "yes"),), SWC),
        (_base + (("statutory", "no"), ("public_interest", "evidence_of_harm")), SWC),
        (_base + (("statutory", "no"), ("public_interest", "reasonable_cause")), SWC),
        (_base + (("statutory", "no"), ("public_interest", "prevent_harm_or_crime")), SWC),
        (_base + (("statutory", "no"), ("public_interest", "none")), DNS),
        (_base + (("statutory", "no"), ("public_interest", "not_sure")), SEEK),
    ]


def expected_paths() -> dict[tuple[tuple[str, str], ...], str]:
    """Full paths: urgent (either answer; it never changes the outcome) + decision questions
    + right_way only when sharing + recorded."""
    table = {}
    for urgent in ("yes", "no"):
        for steps, outcome in DECISIONS:
            tail = (("right_way", "*"),) if outcome in (SHARE, SWC) else ()
            table[(("urgent", urgent), *steps, *tail, ("recorded", "*"))] = outcome
    return table


@pytest.fixture(scope="module")
def qset() -> QuestionSet:
    return load_question_set()


def test_the_design_table_has_34_ways():
    assert len(DECISIONS) == 17
    assert len(expected_paths()) == 34


def test_every_path_matches_the_design_table_exactly(qset):
    actual = list(iter_paths(qset))
    assert len(actual) == 34
    as_dict = dict(actual)
    assert len(as_dict) == 34, "iter_paths produced the same path twice"
    assert as_dict == expected_paths()


@pytest.mark.parametrize(("steps", "outcome"), DECISIONS, ids=lambda v: str(v))
def test_each_decision_route(qset, steps, outcome):
    paths = dict(iter_paths(qset))
    for urgent in ("yes", "no"):
        found = [
            got
            for path, got in paths.items()
            if path[0] == ("urgent", urgent)
            and tuple(s for s in path[1:] if s[0] not in ("right_way", "recorded")) == steps
        ]
        assert found == [outcome]


def test_urgent_never_changes_the_outcome(qset):
    by_rest: dict[tuple, set[str]] = {}
    for path, outcome in iter_paths(qset):
        assert path[0][0] == "urgent"
        by_rest.setdefault(path[1:], set()).add(outcome)
    assert len(by_rest) == 17
    assert all(len(outcomes) == 1 for outcomes in by_rest.values())


def test_sharing_goes_through_right_way_and_the_rest_skip_it(qset):
    for path, outcome in iter_paths(qset):
        ids = [qid for qid, _ in path]
        assert ids[-1] == "recorded"
        if outcome in (SHARE, SWC):
            assert ids[-2:] == ["right_way", "recorded"], path
        else:
            assert outcome in (DNS, SEEK)
            assert "right_way" not in ids, path


def test_every_outcome_is_reachable(qset):
    assert {outcome for _, outcome in iter_paths(qset)} == {SHARE, SWC, DNS, SEEK}


# --- the shipped file ----------------------------------------------------------------------


def test_the_wheel_carries_the_one_questions_yaml(tmp_path):
    """One questions.yaml, at the top of the project; the built wheel holds it in the package."""
    import subprocess
    import sys
    import zipfile

    assert not (REPO / "infoshare_cli" / "questions.yaml").exists()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("infoshare-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read("infoshare_cli/questions.yaml") == (REPO / "questions.yaml").read_bytes()


def test_root_file_loads_to_the_same_set_as_the_built_in(qset):
    from_root = load_question_set(REPO / "questions.yaml")
    assert from_root.sha256 == qset.sha256
    assert from_root.questions == qset.questions
    assert qset.identity == {"name": qset.name, "version": qset.version, "sha256": qset.sha256}
    assert len(qset.sha256) == 64


def test_question_ids_are_the_stable_ones_from_the_design(qset):
    assert set(qset.questions) == {
        "urgent",
        "purpose",
        "identifiable",
        "confidential",
        "consent",
        "statutory",
        "public_interest",
        "right_way",
        "recorded",
    }
    assert qset.start == "urgent"
    assert set(qset.outcomes) == {SHARE, SWC, DNS, SEEK}


def test_critical_criteria_are_the_three_from_the_policy(qset):
    criteria = qset.critical_criteria
    assert [c.value for c in criteria] == [
        "evidence_of_harm",
        "reasonable_cause",
        "prevent_harm_or_crime",
    ]
    assert all(c.outcome == SWC for c in criteria)
    assert "evidence" in criteria[0].label and "significant harm" in criteria[0].label
    assert "reasonable cause" in criteria[1].label
    assert "serious crime" in criteria[2].label


def test_seven_golden_rules(qset):
    assert len(qset.golden_rules) == 7
    assert all(rule.title and rule.text for rule in qset.golden_rules)
    assert qset.golden_rules[-1].title == "Keep a record"


def test_right_way_asks_the_six_principles_and_the_record(qset):
    parts = [p.id for p in qset["right_way"].parts]
    for principle in ("necessary", "relevant", "adequate", "accurate", "timely", "secure"):
        assert principle in parts
    for field in ("what", "recipient", "method", "shared_on", "parent_told"):
        assert field in parts


# --- route() with answers -------------------------------------------------------------------


def right_way_answer() -> Answer:
    parts = {p: Answer("yes") for p in ("necessary", "relevant", "adequate", "accurate")}
    parts |= {p: Answer("yes") for p in ("timely", "secure")}
    parts |= {
        "what": Answer("Dated observations, 3 to 20 November"),
        "recipient": Answer("Children's Social Care front door"),
        "recipient_role": Answer("Duty social worker"),
        "method": Answer("secure_email"),
        "shared_on": Answer("2026-11-26"),
        "parent_told": Answer("yes"),
    }
    return Answer(parts)


def to_public_interest(**extra: Answer) -> dict[str, Answer]:
    answers = {
        "urgent": Answer("no"),
        "purpose": Answer("yes"),
        "identifiable": Answer("yes"),
        "confidential": Answer("yes"),
        "consent": Answer("refused", "Mother said no"),
        "statutory": Answer("no"),
    }
    answers.update(extra)
    return answers


def test_route_with_no_answers_waits_at_the_start(qset):
    r = route(qset, {})
    assert r.path == ()
    assert r.pending == "urgent"
    assert r.outcome is None
    assert not r.complete


def test_route_stops_at_the_first_unanswered_question(qset):
    answers = {
        "urgent": Answer("no"),
        "purpose": Answer("yes"),
        # identifiable missing; later answers must not be used
        "confidential": Answer("no", "Already public"),
    }
    r = route(qset, answers)
    assert r.path == ("urgent", "purpose")
    assert r.pending == "identifiable"
    assert r.outcome is None


def test_route_stops_at_an_answer_that_is_not_acceptable(qset):
    # purpose=no needs a reason: without one the question is still pending
    r = route(qset, {"urgent": Answer("no"), "purpose": Answer("no")})
    assert r.pending == "purpose"
    assert r.path == ("urgent",)
    r = route(qset, {"urgent": Answer("no"), "purpose": Answer("no", "Just curious")})
    assert r.pending == "recorded"
    assert r.outcome == DNS


def test_route_complete_share_with_consent(qset):
    answers = {
        "urgent": Answer("no"),
        "purpose": Answer("yes"),
        "identifiable": Answer("yes"),
        "confidential": Answer("yes"),
        "consent": Answer("given"),
        "right_way": right_way_answer(),
        "recorded": Answer("confirmed"),
    }
    r = route(qset, answers)
    assert r.complete
    assert r.outcome == SHARE
    assert r.path == (
        "urgent",
        "purpose",
        "identifiable",
        "confidential",
        "consent",
        "right_way",
        "recorded",
    )
    assert r.basis == ()
    assert r.alerts == ()


def test_route_waits_at_right_way_before_recorded_when_sharing(qset):
    r = route(qset, to_public_interest(statutory=Answer("yes", "Section 47 enquiry")))
    assert r.pending == "right_way"
    assert r.outcome == SWC
    assert r.basis == ("statutory duty or court order",)


def test_route_ignores_answers_off_the_path_after_a_change(qset):
    answers = to_public_interest(
        public_interest=Answer(("evidence_of_harm",), "Bruising seen twice"),
        right_way=right_way_answer(),
        recorded=Answer("confirmed"),
    )
    first = route(qset, answers)
    assert first.complete and first.outcome == SWC
    assert "public_interest" in first.path and "right_way" in first.path

    # the manager goes back and says consent was given: the later answers are now off the path
    answers["consent"] = Answer("given")
    second = route(qset, answers)
    assert second.complete
    assert second.outcome == SHARE
    assert "statutory" not in second.path and "public_interest" not in second.path
    assert second.basis == ()

    # and back to "no purpose": right_way is skipped, although it still has an answer
    answers["purpose"] = Answer("no", "No reason to share")
    third = route(qset, answers)
    assert third.path == ("urgent", "purpose", "recorded")
    assert third.outcome == DNS
    assert third.complete


def test_route_collects_every_public_interest_basis(qset):
    answers = to_public_interest(
        public_interest=Answer(("evidence_of_harm", "prevent_harm_or_crime"), "Bruising; threats")
    )
    r = route(qset, answers)
    assert r.outcome == SWC
    assert r.pending == "right_way"
    assert r.basis == (
        "public interest: evidence of significant harm",
        "public interest: to prevent significant harm or serious crime",
    )


@pytest.mark.parametrize(("value", "outcome", "pending"), [
    ("none", DNS, "recorded"),
    ("not_sure", SEEK, "recorded"),
    ("reasonable_cause", SWC, "right_way"),
])  # fmt: skip
def test_route_public_interest_single_choices(qset, value, outcome, pending):
    r = route(qset, to_public_interest(public_interest=Answer((value,), "Judgement")))
    assert r.outcome == outcome
    assert r.pending == pending


def test_route_collects_the_urgent_alert(qset):
    r = route(qset, {"urgent": Answer("yes")})
    assert r.pending == "purpose"
    assert len(r.alerts) == 1
    assert "999" in r.alerts[0]
    assert route(qset, {"urgent": Answer("no")}).alerts == ()


def test_urgent_yes_keeps_its_alert_to_the_end(qset):
    answers = {
        "urgent": Answer("yes"),
        "purpose": Answer("not_sure", "Need the DSL's view"),
        "recorded": Answer("confirmed"),
    }
    r = route(qset, answers)
    assert r.complete and r.outcome == SEEK
    assert len(r.alerts) == 1 and "999" in r.alerts[0]


# --- answer_problems ----------------------------------------------------------------------


def reason_needed(problems: list[str]) -> bool:
    return any("needs a reason" in p for p in problems)


# (question, answer value) pairs; True where the shipped questions.yaml requires a reason.
REASON_RULES = [
    ("urgent", "yes", False),
    ("urgent", "no", False),
    ("purpose", "yes", False),
    ("purpose", "no", True),
    ("purpose", "not_sure", True),
    ("identifiable", "yes", False),
    ("identifiable", "no", True),
    ("confidential", "yes", False),
    ("confidential", "no", True),
    ("consent", "given", False),
    ("consent", "refused", True),
    ("consent", "not_sought", True),
    ("statutory", "yes", True),
    ("statutory", "no", False),
    ("public_interest", ("evidence_of_harm",), True),
    ("public_interest", ("reasonable_cause",), True),
    ("public_interest", ("prevent_harm_or_crime",), True),
    ("public_interest", ("none",), True),
    ("public_interest", ("not_sure",), True),
]


@pytest.mark.parametrize(("qid", "value", "needs"), REASON_RULES)
def test_reasons_required_exactly_where_the_set_says(qset, qid, value, needs):
    question = qset[qid]
    without = answer_problems(question, Answer(value))
    assert reason_needed(without) is needs, without
    if needs:
        assert question.reason_prompt in without[0]
        assert answer_problems(question, Answer(value, "   ")) == without  # blank is no reason
    assert answer_problems(question, Answer(value, "Because")) == []


def test_purpose_no_without_reason_is_a_problem(qset):
    assert answer_problems(qset["purpose"], Answer("no")) == [
        "'purpose' needs a reason for this answer: What is the purpose, or why is there none?"
    ]


def test_unknown_choice_lists_the_allowed_ones(qset):
    problems = answer_problems(qset["consent"], Answer("maybe"))
    assert problems == ["'consent' has no choice 'maybe'; choose from: given, refused, not_sought."]


def test_public_interest_none_cannot_be_combined(qset):
    problems = answer_problems(
        qset["public_interest"], Answer(("none", "evidence_of_harm"), "Conflicted")
    )
    assert any("'none' cannot be combined with other choices" in p for p in problems)
    problems = answer_problems(
        qset["public_interest"], Answer(("reasonable_cause", "not_sure"), "x")
    )
    assert any("'not_sure' cannot be combined" in p for p in problems)


def test_public_interest_several_criteria_may_be_combined(qset):
    value = ("evidence_of_harm", "reasonable_cause", "prevent_harm_or_crime")
    assert answer_problems(qset["public_interest"], Answer(value, "All three")) == []


def test_multiple_needs_a_list_and_at_least_one_choice(qset):
    pi = qset["public_interest"]
    assert answer_problems(pi, Answer("none", "x")) == [
        "'public_interest' takes a list of choices."
    ]
    assert answer_problems(pi, Answer((), "x")) == ["'public_interest' needs at least one choice."]
    dup = answer_problems(pi, Answer(("reasonable_cause", "reasonable_cause"), "x"))
    assert dup == ["'public_interest' lists the same choice twice."]


def test_form_answer_complete_is_fine(qset):
    assert answer_problems(qset["right_way"], right_way_answer()) == []


def test_form_answer_needs_every_part(qset):
    answer = right_way_answer()
    parts = dict(answer.value)
    del parts["secure"]
    del parts["recipient"]
    problems = answer_problems(qset["right_way"], Answer(parts))
    assert problems == [
        "'right_way.secure' is not answered.",
        "'right_way.recipient' is not answered.",
    ]


def test_form_answer_must_be_a_mapping(qset):
    assert answer_problems(qset["right_way"], Answer("yes")) == [
        "'right_way' needs an answer for each of its parts."
    ]


def test_form_answer_with_unknown_part(qset):
    parts = dict(right_way_answer().value) | {"colour": Answer("blue")}
    assert answer_problems(qset["right_way"], Answer(parts)) == [
        "'right_way' has no part called 'colour'."
    ]


def test_form_parts_check_their_own_reasons(qset):
    parts = dict(right_way_answer().value)
    parts["secure"] = Answer("no")
    parts["parent_told"] = Answer("not_yet")
    problems = answer_problems(qset["right_way"], Answer(parts))
    assert len(problems) == 2
    assert problems[0].startswith("'secure' needs a reason")
    assert problems[1].startswith("'parent_told' needs a reason")
    parts["secure"] = Answer("no", "Only by phone, identity checked")
    parts["parent_told"] = Answer("not_yet", "After the strategy meeting")
    assert answer_problems(qset["right_way"], Answer(parts)) == []


def test_form_text_part_needs_text(qset):
    parts = dict(right_way_answer().value)
    parts["what"] = Answer("   ")
    assert answer_problems(qset["right_way"], Answer(parts)) == ["'what' needs some text."]


@pytest.mark.parametrize("bad", ["26/11/2026", "2026-13-01", "2026-02-30", "tomorrow", "Nov 26"])
def test_dates_must_be_iso(qset, bad):
    parts = dict(right_way_answer().value)
    parts["shared_on"] = Answer(bad)
    problems = answer_problems(qset["right_way"], Answer(parts))
    assert problems == ["'shared_on' needs a date written as year-month-day, like 2026-11-26."]


def test_iso_dates_are_accepted(qset):
    (asked_on,) = [p for p in qset.outcomes[SEEK].record if p.id == "asked_on"]
    assert asked_on.type == "date"
    assert answer_problems(asked_on, Answer("2026-11-26")) == []
    assert answer_problems(asked_on, Answer(" 2026-01-05 ")) == []
    assert answer_problems(asked_on, Answer("")) == ["'asked_on' needs some text."]


def test_review_accepts_any_answer(qset):
    assert answer_problems(qset["recorded"], Answer("confirmed")) == []
