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

# The routing of the key questions: the decision questions' answers (urgent, right_way and
# recorded excluded), the outcome each way leads to, and the outcome on the urgent route (urgent
# answers that would end in do not share lead to seek advice). 49 ways.
DECISIONS: list[tuple[tuple[tuple[str, str], ...], str, str]] = [
    ((("purpose", "no"),), DNS, SEEK),
    ((("purpose", "not_sure"),), SEEK, SEEK),
    ((("purpose", "yes"), ("identifiable", "no")), SHARE, SHARE),
    ((("purpose", "yes"), ("identifiable", "not_sure")), SEEK, SEEK),
    ((("purpose", "yes"), ("identifiable", "yes"), ("confidential", "no")), SHARE, SHARE),
    ((("purpose", "yes"), ("identifiable", "yes"), ("confidential", "not_sure")), SEEK, SEEK),
]
_TO_CONSENT = (("purpose", "yes"), ("identifiable", "yes"), ("confidential", "yes"))
DECISIONS += [
    (_TO_CONSENT + (("consent", "given"),), SHARE, SHARE),
    (_TO_CONSENT + (("consent", "not_sure"),), SEEK, SEEK),
    (_TO_CONSENT + (("consent", "not_sought"), ("good_reason", "not_sure")), SEEK, SEEK),
]
GROUNDS = ("prevent_crime", "prevent_harm", "worse_not_to_share")
CRITERIA = ("evidence_of_harm", "reasonable_cause", "prevent_harm_or_crime")
_TO_STATUTORY = [_TO_CONSENT + (("consent", "refused"),)] + [
    _TO_CONSENT + (("consent", "not_sought"), ("good_reason", reason))
    for reason in ("risk_of_harm", "hamper_investigation", "undue_delay")
]
for _base in _TO_STATUTORY:
    DECISIONS += [
        (_base + (("statutory", "yes"),), SWC, SWC),
        (_base + (("statutory", "not_sure"),), SEEK, SEEK),
        *[
            (_base + (("statutory", "no"), ("public_interest", pi)), SWC, SWC)
            for pi in GROUNDS + CRITERIA
        ],
        (_base + (("statutory", "no"), ("public_interest", "none")), DNS, SEEK),
        (_base + (("statutory", "no"), ("public_interest", "not_sure")), SEEK, SEEK),
    ]

# The principles of sharing in the right way, in the order asked, and where an answer
# other than yes leads: (no, no on the urgent route, not sure). None: the answer may stand
# on the urgent route (a phone call that is not ideal, with a reason).
PRINCIPLES = {
    "necessary": (DNS, SEEK, SEEK),
    "proportionate": (SEEK, SEEK, SEEK),
    "relevant": (DNS, SEEK, SEEK),
    "adequate": (SEEK, SEEK, SEEK),
    "accurate": (SEEK, SEEK, SEEK),
    "need_to_know": (DNS, SEEK, SEEK),
    "secure": (SEEK, None, SEEK),
}


def right_way_ways(outcome: str, urgent: bool) -> list[tuple[tuple[tuple[str, str], ...], str]]:
    """The ways through right_way: every principle holds, or the first that does not
    decides (the principles before it holding)."""
    ways = [((("right_way", "*"),), outcome)]
    for part, (no, urgent_no, unsure) in PRINCIPLES.items():
        ways.append(((("right_way." + part, "not_sure"),), unsure))
        if urgent and urgent_no is None:
            ways.append(((("right_way." + part, "no"),), outcome))
        else:
            ways.append(((("right_way." + part, "no"),), urgent_no if urgent else no))
    return ways


def expected_paths() -> dict[tuple[tuple[str, str], ...], str]:
    """Full paths: urgent + decision questions + right_way only when sharing + recorded."""
    table = {}
    for urgent in ("yes", "no"):
        for steps, outcome, urgent_outcome in DECISIONS:
            reached = urgent_outcome if urgent == "yes" else outcome
            if reached in (SHARE, SWC):
                for tail, final in right_way_ways(reached, urgent == "yes"):
                    table[(("urgent", urgent), *steps, *tail, ("recorded", "*"))] = final
            else:
                table[(("urgent", urgent), *steps, ("recorded", "*"))] = reached
    return table


@pytest.fixture(scope="module")
def qset() -> QuestionSet:
    return load_question_set()


def test_the_design_table_has_966_ways():
    assert len(DECISIONS) == 49
    sharing = sum(1 for _, outcome, _ in DECISIONS if outcome in (SHARE, SWC))
    assert sharing == 31  # each branches into 15 ways through the principles
    assert len(expected_paths()) == 2 * (18 + 31 * 15) == 966


def test_every_path_matches_the_design_table_exactly(qset):
    actual = list(iter_paths(qset))
    assert len(actual) == 966
    as_dict = dict(actual)
    assert len(as_dict) == 966, "iter_paths produced the same path twice"
    assert as_dict == expected_paths()


@pytest.mark.parametrize(("steps", "outcome", "urgent_outcome"), DECISIONS, ids=lambda v: str(v))
def test_each_decision_route(qset, steps, outcome, urgent_outcome):
    paths = dict(iter_paths(qset))
    for urgent, wanted in (("yes", urgent_outcome), ("no", outcome)):
        found = [
            got
            for path, got in paths.items()
            if path[0] == ("urgent", urgent)
            and path[-2][0] in ("right_way", steps[-1][0])
            and tuple(s for s in path[1:] if not s[0].startswith(("right_way", "recorded")))
            == steps
        ]
        assert found == [wanted]


def test_urgent_never_ends_in_do_not_share(qset):
    for path, outcome in iter_paths(qset):
        if path[0] == ("urgent", "yes"):
            assert outcome != DNS, path


def test_sharing_goes_through_right_way_and_the_rest_skip_it(qset):
    for path, outcome in iter_paths(qset):
        ids = [qid.partition(".")[0] for qid, _ in path]
        assert ids[-1] == "recorded"
        if outcome in (SHARE, SWC):
            assert ids[-2:] == ["right_way", "recorded"], path
        elif "right_way" not in ids:
            assert outcome in (DNS, SEEK)


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
        "good_reason",
        "statutory",
        "public_interest",
        "right_way",
        "recorded",
    }
    assert qset.start == "urgent"
    assert set(qset.outcomes) == {SHARE, SWC, DNS, SEEK}


def test_critical_criteria_are_the_three_from_the_policy(qset):
    criteria = qset.critical_criteria
    assert [c.value for c in criteria] == list(CRITERIA)
    assert all(c.outcome == SWC for c in criteria)
    assert "evidence" in criteria[0].label and "significant harm" in criteria[0].label
    # "a child", as the policy words criterion 2, not "the child"
    assert "reasonable cause to believe that a child may be suffering" in criteria[1].label
    assert "serious crime" in criteria[2].label


def test_public_interest_grounds_are_worded_as_the_policy_words_them(qset):
    grounds = qset.public_interest_grounds
    assert [c.value for c in grounds] == list(GROUNDS)
    assert "to prevent a crime from being committed or intervene where one may have been" in (
        grounds[0].label
    )
    assert "to prevent harm to a child or adult" in grounds[1].label
    assert "not sharing it could be worse than the outcome of having shared it" in (
        grounds[2].label
    )
    assert all(c.outcome == SWC and c.basis for c in grounds)


def test_seven_golden_rules(qset):
    assert len(qset.golden_rules) == 7
    assert all(rule.title and rule.text for rule in qset.golden_rules)
    assert qset.golden_rules[-1].title == "Keep a record"


def test_right_way_asks_the_principles_as_conditions_and_the_record(qset):
    parts = {p.id: p for p in qset["right_way"].parts}
    assert [p for p in parts if parts[p].condition] == list(PRINCIPLES)
    assert not parts["timely"].condition  # late is better than not at all: a remark
    for field in ("what", "recipient", "method", "shared_on", "parent_told"):
        assert field in parts
    assert parts["parent_told"].when_outcome == {SWC}


# --- route() with answers -------------------------------------------------------------------


def right_way_answer(parent_told: bool = True) -> Answer:
    parts = {p: Answer("yes") for p in PRINCIPLES}
    parts |= {
        "timely": Answer("yes"),
        "what": Answer("Dated observations, 3 to 20 November"),
        "recipient": Answer("Children's Social Care front door"),
        "recipient_role": Answer("Duty social worker"),
        "method": Answer("secure_email"),
        "shared_on": Answer("2026-11-26"),
    }
    if parent_told:
        parts["parent_told"] = Answer("yes")
    return Answer(parts)


PURPOSE = Answer("yes", "To keep the child safe")


def to_public_interest(**extra: Answer) -> dict[str, Answer]:
    answers = {
        "urgent": Answer("no"),
        "purpose": PURPOSE,
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
        "purpose": PURPOSE,
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
        "purpose": PURPOSE,
        "identifiable": Answer("yes"),
        "confidential": Answer("yes"),
        "consent": Answer("given"),
        "right_way": right_way_answer(parent_told=False),
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

    # the manager goes back and says consent was given: the later answers are now off the
    # path, and whether the parent will be told is no longer asked
    answers["consent"] = Answer("given")
    assert route(qset, answers).pending == "right_way"
    answers["right_way"] = right_way_answer(parent_told=False)
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
    ("purpose", "yes", True),  # the purpose is recorded as a short reason
    ("purpose", "no", True),
    ("purpose", "not_sure", True),
    ("identifiable", "yes", False),
    ("identifiable", "no", True),
    ("identifiable", "not_sure", True),
    ("confidential", "yes", False),
    ("confidential", "no", True),
    ("confidential", "not_sure", True),
    ("consent", "given", False),
    ("consent", "refused", True),
    ("consent", "not_sought", True),
    ("consent", "not_sure", True),
    ("good_reason", "risk_of_harm", False),
    ("good_reason", "not_sure", True),
    ("statutory", "yes", True),
    ("statutory", "no", False),
    ("statutory", "not_sure", True),
    *[("public_interest", (g,), True) for g in GROUNDS],
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
        "'purpose' needs a reason for this answer: What is the purpose (in a few words), or "
        "why is there none?"
    ]


def test_unknown_choice_lists_the_allowed_ones(qset):
    problems = answer_problems(qset["consent"], Answer("maybe"))
    assert problems == [
        "'consent' has no choice 'maybe'; choose from: given, refused, not_sought, not_sure."
    ]


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
    assert answer_problems(qset["right_way"], right_way_answer(), SWC) == []


def test_form_answer_needs_every_part(qset):
    answer = right_way_answer()
    parts = dict(answer.value)
    del parts["secure"]
    del parts["recipient"]
    problems = answer_problems(qset["right_way"], Answer(parts), SWC)
    assert problems == [
        "'right_way.recipient' is not answered.",
        "'right_way.secure' is not answered.",
    ]


def test_form_answer_must_be_a_mapping(qset):
    assert answer_problems(qset["right_way"], Answer("yes"), SWC) == [
        "'right_way' needs an answer for each of its parts."
    ]


def test_form_answer_with_unknown_part(qset):
    parts = dict(right_way_answer().value) | {"colour": Answer("blue")}
    assert answer_problems(qset["right_way"], Answer(parts), SWC) == [
        "'right_way' has no part called 'colour'."
    ]


def test_form_parts_check_their_own_reasons(qset):
    parts = dict(right_way_answer().value)
    parts["timely"] = Answer("no")
    parts["parent_told"] = Answer("not_yet")
    problems = answer_problems(qset["right_way"], Answer(parts), SWC)
    assert len(problems) == 2
    assert problems[0].startswith("'timely' needs a reason")
    assert problems[1].startswith("'parent_told' needs a reason")
    parts["timely"] = Answer("no", "The concern came to light a week late")
    parts["parent_told"] = Answer("not_yet", "After the strategy meeting")
    assert answer_problems(qset["right_way"], Answer(parts), SWC) == []


def test_a_principle_that_does_not_hold_skips_whether_the_parent_is_told(qset):
    parts = dict(right_way_answer().value)
    parts["secure"] = Answer("no", "Only by ordinary email")
    problems = answer_problems(qset["right_way"], Answer(parts), SWC)
    assert problems == [
        "'right_way.parent_told' is answered, but it is not asked on this route; remove it."
    ]
    del parts["parent_told"]
    assert answer_problems(qset["right_way"], Answer(parts), SWC) == []
    answers = to_public_interest(
        public_interest=Answer(("prevent_harm",), "Threats to a sibling"),
        right_way=Answer(parts),
        recorded=Answer("confirmed"),
    )
    r = route(qset, answers)
    assert r.complete and r.outcome == SEEK


def test_on_the_urgent_route_a_phone_call_may_stand_with_a_reason(qset):
    parts = dict(right_way_answer().value)
    parts["secure"] = Answer("no", "Phone call to the duty social worker: no time to email")
    answers = to_public_interest(
        urgent=Answer("yes"),
        public_interest=Answer(("prevent_harm",), "Threats to a sibling"),
        right_way=Answer(parts),
        recorded=Answer("confirmed"),
    )
    r = route(qset, answers)
    assert r.complete and r.urgent and r.outcome == SWC
    (secure,) = [p for p in qset["right_way"].parts if p.id == "secure"]
    assert secure.choice("no").urgent_may_stand
    assert reason_needed(answer_problems(secure, Answer("no")))  # only with a reason


def test_form_text_part_needs_text(qset):
    parts = dict(right_way_answer().value)
    parts["what"] = Answer("   ")
    assert answer_problems(qset["right_way"], Answer(parts), SWC) == ["'what' needs some text."]


@pytest.mark.parametrize("bad", ["26/11/2026", "2026-13-01", "2026-02-30", "tomorrow", "Nov 26"])
def test_dates_must_be_iso(qset, bad):
    parts = dict(right_way_answer().value)
    parts["shared_on"] = Answer(bad)
    problems = answer_problems(qset["right_way"], Answer(parts), SWC)
    assert problems == ["'shared_on' needs a date written as year-month-day, like 2026-11-26."]


def test_iso_dates_are_accepted(qset):
    (asked_on,) = [p for p in qset.outcomes[SEEK].record if p.id == "asked_on"]
    assert asked_on.type == "date"
    assert answer_problems(asked_on, Answer("2026-11-26")) == []
    assert answer_problems(asked_on, Answer(" 2026-01-05 ")) == []
    assert answer_problems(asked_on, Answer("")) == ["'asked_on' needs some text."]


def test_review_accepts_any_answer(qset):
    assert answer_problems(qset["recorded"], Answer("confirmed")) == []
