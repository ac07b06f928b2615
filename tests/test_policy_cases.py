"""The policy's cases: each quotes the line of the setting's policy it rests on, and is
replayed through `infoshare decide --answers` on a real log and through the wizard's real
prompts (pipe input). The expected outcomes are written by hand from the policy
(seed/information-sharing-policy.txt) and DESIGN.md section 1, not derived from the code.

Property tests (hypothesis) then walk random ways through the shipped set: every way ends
in exactly one outcome, none shares while a principle of sharing in the right way does not
hold, and the urgent route never ends in "do not share".
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.people import PARENT_TOLD, PASSPHRASES, PURPOSE, RIGHT_WAY, SAM, SEEK_ADVICE_RECORD
from support.prompt_driver import CONFIRM, drive, pick, tick, typed
from support.reading import read_as

from infoshare_cli.asking.wizard import run_wizard
from infoshare_cli.domain.decisions import Draft, decision_payload
from infoshare_cli.domain.questions import OUTCOMES, SHARING_OUTCOMES
from infoshare_cli.domain.routing import Answer, asked_parts, iter_paths, route

SHARE, SWC, DNS, SEEK = "share", "share_without_consent", "do_not_share", "seek_advice"

DOUBT = "Managers contact Children's Social Care for advice where they have doubts or are unsure."
DOUBT_HARM = (
    "We seek advice when there are doubts about possible significant harm to a child or others."
)
RIGHT_WAY_LINE = (
    "Information shared should be accurate and up-to-date, necessary for the purpose it is "
    "being shared for, shared only with those who need to know and shared securely."
)
PUBLIC_INTEREST = (
    "We are obliged to share confidential information without authorisation from the person "
    "who provided it or to whom it relates if it is in the public interest."
)
CONSENT = "We share with consent where appropriate."
OVERRIDE = (
    "However, in the interests of the child, know when it is reasonable to override their wish."
)
GOOD_REASONS = (
    "If consent is refused, or there are good reasons not to seek consent, is there "
    "sufficient public interest to share information?"
)
LEGITIMATE = "Is there legitimate purpose to sharing the information?"
IDENTIFIED = "Does the information enable the person to be identified?"
CONFIDENTIAL = "Is the information confidential?"
STATUTORY = "Is there a statutory duty or court order to share information?"
PARAMOUNT = (
    "if there are concerns regarding 'significant harm' the child's well being and safety is "
    "paramount."
)
RECORD_WHY = "Record decisions made and the reasons why information will be shared and to whom"


def reasoned(value: Any, reason: str = "Recorded at the time.") -> dict:
    return {"answer": value, "reason": reason}


@dataclass
class Case:
    id: str
    policy: str  # the policy line the expected outcome rests on, quoted
    answers: dict[str, Any]
    outcome: str
    basis: list[str] = field(default_factory=list)

    @property
    def urgent(self) -> bool:
        return self.answers["urgent"] == "yes"


def start(urgent: bool = False) -> dict[str, Any]:
    return {"urgent": "yes" if urgent else "no", "purpose": PURPOSE}


def to_consent(urgent: bool = False) -> dict[str, Any]:
    return start(urgent) | {"identifiable": "yes", "confidential": "yes"}


def to_statutory(urgent: bool = False) -> dict[str, Any]:
    return to_consent(urgent) | {"consent": reasoned("refused", "Mother refused on Monday.")}


def to_public_interest(urgent: bool = False) -> dict[str, Any]:
    return to_statutory(urgent) | {"statutory": "no"}


def right_way(without_consent: bool, **changes: Any) -> dict[str, Any]:
    parts = copy.deepcopy(RIGHT_WAY) | changes
    if without_consent and all(v == "yes" or k not in PRINCIPLES for k, v in parts.items()):
        parts["parent_told"] = PARENT_TOLD
    return parts


def with_consent(urgent: bool = False, **changes: Any) -> dict[str, Any]:
    return to_consent(urgent) | {"consent": "given", "right_way": right_way(False, **changes)}


def public_interest(ground: str, urgent: bool = False, **changes: Any) -> dict[str, Any]:
    return to_public_interest(urgent) | {
        "public_interest": reasoned([ground], "Bruising seen three times this month."),
        "right_way": right_way(True, **changes),
    }


# The principles, in the order asked, and where "no" leads (DESIGN.md section 1 and the
# table in questions.yaml): not necessary, not relevant, or not only to those who need to
# know -> do not share; the rest -> seek advice.
PRINCIPLES = {
    "necessary": DNS,
    "proportionate": SEEK,
    "relevant": DNS,
    "adequate": SEEK,
    "accurate": SEEK,
    "need_to_know": DNS,
    "secure": SEEK,
}
GROUNDS = {
    "prevent_crime": "public interest: to prevent a crime or intervene where one may have been",
    "prevent_harm": "public interest: to prevent harm to a child or adult",
    "worse_not_to_share": "public interest: not sharing could be worse than sharing",
    "evidence_of_harm": "public interest: evidence of significant harm",
    "reasonable_cause": "public interest: reasonable cause to believe there is significant harm",
    "prevent_harm_or_crime": "public interest: to prevent significant harm or serious crime",
}
STATUTORY_BASIS = ["statutory duty or court order"]

CASES: list[Case] = [
    # -- the ordinary routes
    Case("no purpose", LEGITIMATE, start() | {"purpose": reasoned("no")}, DNS),
    Case(
        "nobody identifiable",
        IDENTIFIED,
        start() | {"identifiable": reasoned("no"), "right_way": right_way(False)},
        SHARE,
    ),
    Case(
        "not confidential",
        CONFIDENTIAL,
        start()
        | {"identifiable": "yes", "confidential": reasoned("no"), "right_way": right_way(False)},
        SHARE,
    ),
    Case("consent given", CONSENT, with_consent(), SHARE),
    Case(
        "statutory duty",
        STATUTORY,
        to_statutory()
        | {"statutory": reasoned("yes", "Section 47 enquiry"), "right_way": right_way(True)},
        SWC,
        STATUTORY_BASIS,
    ),
    Case(
        "no public interest",
        OVERRIDE,
        to_public_interest() | {"public_interest": reasoned(["none"])},
        DNS,
    ),
    *[
        Case(
            f"consent not sought: {reason}",
            GOOD_REASONS,
            to_consent()
            | {
                "consent": reasoned("not_sought", "Asking could put the child at risk."),
                "good_reason": reason,
                "statutory": reasoned("yes", "Section 47 enquiry"),
                "right_way": right_way(True),
            },
            SWC,
            STATUTORY_BASIS,
        )
        for reason in ("risk_of_harm", "hamper_investigation", "undue_delay")
    ],
    # -- every public-interest ground and critical criterion, the policy's words
    *[
        Case(f"public interest: {ground}", PUBLIC_INTEREST, public_interest(ground), SWC, [basis])
        for ground, basis in GROUNDS.items()
    ],
    # -- every "Not sure" leads to advice
    Case("not sure: purpose", DOUBT_HARM, start() | {"purpose": reasoned("not_sure")}, SEEK),
    Case("not sure: identifiable", DOUBT, start() | {"identifiable": reasoned("not_sure")}, SEEK),
    Case(
        "not sure: confidential",
        DOUBT,
        start() | {"identifiable": "yes", "confidential": reasoned("not_sure")},
        SEEK,
    ),
    Case("not sure: consent", DOUBT, to_consent() | {"consent": reasoned("not_sure")}, SEEK),
    Case(
        "not sure: a good reason not to seek consent",
        DOUBT,
        to_consent() | {"consent": reasoned("not_sought"), "good_reason": reasoned("not_sure")},
        SEEK,
    ),
    Case("not sure: statutory", DOUBT, to_statutory() | {"statutory": reasoned("not_sure")}, SEEK),
    Case(
        "not sure: public interest",
        DOUBT_HARM,
        to_public_interest() | {"public_interest": reasoned(["not_sure"])},
        SEEK,
    ),
    *[
        Case(
            f"not sure: {principle}",
            DOUBT,
            with_consent(**{principle: reasoned("not_sure")}),
            SEEK,
        )
        for principle in PRINCIPLES
    ],
    # -- every principle of sharing in the right way answered no
    *[
        Case(
            f"principle no: {principle}",
            RIGHT_WAY_LINE,
            with_consent(**{principle: reasoned("no", "It does not hold.")}),
            outcome,
        )
        for principle, outcome in PRINCIPLES.items()
    ],
    *[
        Case(
            f"principle no without consent: {principle}",
            RIGHT_WAY_LINE,
            public_interest("prevent_harm", **{principle: reasoned("no", "It does not hold.")}),
            outcome,
            [GROUNDS["prevent_harm"]],
        )
        for principle, outcome in PRINCIPLES.items()
    ],
    # -- the urgent route: the call comes first; it never ends in "do not share"
    Case("urgent: share", PARAMOUNT, with_consent(urgent=True), SHARE),
    Case(
        "urgent: share without consent",
        PARAMOUNT,
        public_interest("evidence_of_harm", urgent=True),
        SWC,
        [GROUNDS["evidence_of_harm"]],
    ),
    Case(
        "urgent: a phone call that is not ideal stands with a reason",
        PARAMOUNT,
        public_interest(
            "evidence_of_harm",
            urgent=True,
            method="phone",
            secure=reasoned("no", "No time for secure email: phoned the duty social worker."),
        )
        | {
            "right_way": right_way(
                True,
                method="phone",
                secure=reasoned("no", "No time for secure email: phoned the duty social worker."),
            )
            | {"parent_told": PARENT_TOLD}
        },
        SWC,
        [GROUNDS["evidence_of_harm"]],
    ),
    Case("urgent: no purpose", DOUBT_HARM, start(True) | {"purpose": reasoned("no")}, SEEK),
    Case(
        "urgent: no public interest",
        DOUBT_HARM,
        to_public_interest(True) | {"public_interest": reasoned(["none"])},
        SEEK,
    ),
    Case("urgent: not sure", DOUBT, to_statutory(True) | {"statutory": reasoned("not_sure")}, SEEK),
    *[
        Case(
            f"urgent: principle no: {principle}",
            DOUBT_HARM,
            with_consent(True, **{principle: reasoned("no", "It does not hold.")}),
            SEEK,
        )
        for principle in PRINCIPLES
        if principle != "secure"
    ],
]
IDS = [case.id for case in CASES]


def test_the_table_covers_every_route_that_ends_in_an_outcome(qset):
    """Every question and principle answer that decides an outcome appears in a case."""
    used: set[tuple[str, str]] = set()
    for case in CASES:
        for qid, raw in case.answers.items():
            value = raw["answer"] if isinstance(raw, dict) and "answer" in raw else raw
            if isinstance(value, dict):
                for pid, sub in value.items():
                    sub_value = sub["answer"] if isinstance(sub, dict) else sub
                    used.add((f"{qid}.{pid}", str(sub_value)))
            elif isinstance(value, list):
                used |= {(qid, v) for v in value}
            else:
                used.add((qid, str(value)))
    deciding = {
        (qid, v)
        for path, _ in iter_paths(qset)
        for qid, v in path
        if v != "*" and qid != "recorded"
    }
    assert deciding - used == set()
    outcomes = {(case.urgent, case.outcome) for case in CASES}
    assert {(False, o) for o in OUTCOMES} <= outcomes
    assert {(True, SHARE), (True, SWC), (True, SEEK)} <= outcomes
    assert all(case.policy for case in CASES)


def read_decision(staffed_log, seq: int) -> dict:
    with staffed_log.open() as ledger, read_as(ledger):
        return dict(ledger.get(seq).payload)


def _file(case: Case) -> dict:
    data = {"case_ref": "C-2001", "decided_by": SAM, "answers": copy.deepcopy(case.answers)}
    if case.outcome == SEEK:
        data["outcome_record"] = dict(SEEK_ADVICE_RECORD)
    return data


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case_through_decide_answers_on_a_real_log(cli, staffed_log, tmp_path, case):
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(_file(case), sort_keys=False), encoding="utf-8")
    result = cli("decide", "--answers", path, input=PASSPHRASES[SAM] + "\n", db=staffed_log.path)
    assert result.exit_code == 0, f"{case.policy}\n{result.output}"
    with staffed_log.open() as ledger:
        entry = ledger.head()
        assert entry.kind == "decision"
    payload = read_decision(staffed_log, entry.seq)  # as a reader opens it (sealed at rest)
    assert payload["outcome"] == case.outcome, case.policy
    assert payload["basis"] == case.basis
    assert payload["urgent"] is case.urgent


# --- the same cases through the wizard's real prompts -------------------------------------


def _raw(raw: Any) -> tuple[Any, str]:
    if isinstance(raw, dict) and "answer" in raw:
        return raw["answer"], raw.get("reason", "")
    return raw, ""


def _keys(part, value: Any):
    if part.type == "multiple":
        return tick(*value)
    if part.type in ("text", "date"):
        return typed(str(value))
    return pick(value)


def wizard_steps(qset, case: Case) -> list:
    """The prompts the wizard asks for the case's answers, each with its keys."""
    answers = case.answers
    steps: list = []
    current = route(qset, {})
    given: dict[str, Answer] = {}
    while current.pending is not None and qset[current.pending].type != "review":
        question = qset[current.pending]
        raw = answers[question.id]
        if question.type == "form":
            parts_given: dict[str, Answer] = {}
            while True:
                parts = list(asked_parts(question, parts_given, current.outcome, current.urgent))
                todo = [p for p in parts if p.id not in parts_given]
                if not todo:
                    break
                part = todo[0]
                value, reason = _raw(raw[part.id])
                steps.append((part.text, _keys(part, value)))
                if value in part.reason_required_for:
                    steps.append((part.reason_prompt, typed(reason)))
                choice = part.choice(value) if part.choices else None
                decides = part.condition and choice is not None and choice.outcome
                if decides and not (current.urgent and choice.urgent_may_stand):
                    steps.append(("This principle does not hold", pick("keep")))
                parts_given[part.id] = Answer(value, reason)
            given[question.id] = Answer(parts_given)
        else:
            value, reason = _raw(raw)
            steps.append((question.text, _keys(question, value)))
            choice = question.choice(value) if isinstance(value, str) else None
            if choice is not None and choice.alert:  # the call comes first; then carry on
                steps.append(("Do you need to make the call now?", pick("carry_on")))
            values = value if isinstance(value, list) else [value]
            if any(v in question.reason_required_for for v in values):
                steps.append((question.reason_prompt, typed(reason)))
            given[question.id] = Answer(tuple(value) if isinstance(value, list) else value, reason)
        current = route(qset, given)
    if case.outcome == SEEK:
        for pid in ("advisor", "asked_on", "advice"):
            steps.append((pid_text(qset, pid), typed(SEEK_ADVICE_RECORD[pid])))
    return steps + CONFIRM


def pid_text(qset, pid: str) -> str:
    return next(p.text for p in qset.outcomes[SEEK].record if p.id == pid)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_case_through_the_wizards_prompts(qset, case):
    steps = wizard_steps(qset, case)
    draft, asker = drive(steps, lambda a: run_wizard(qset, Draft("C-2001", "s-test"), a))
    payload = decision_payload(qset, draft)
    assert payload["outcome"] == case.outcome, case.policy
    assert payload["basis"] == case.basis
    assert payload["urgent"] is case.urgent
    if case.urgent:
        assert "The call comes first" in " ".join(asker.screen.replace("│", " ").split())


def test_a_principle_that_does_not_hold_can_be_put_right_in_the_wizard(qset):
    """Instead of keeping "no", the practitioner changes what they share and checks again."""
    case = next(c for c in CASES if c.id == "principle no: relevant")
    steps = wizard_steps(qset, case)
    at = next(i for i, (prompt, _) in enumerate(steps) if prompt.startswith("This principle"))
    first_part = next(i for i, (p, _) in enumerate(steps) if p.startswith("What will be shared"))
    redo = [
        ("This principle does not hold", pick("change")),
        # back at the start of the form, the earlier answers offered again: press Enter to
        # keep them, or change them
        ("What will be shared", "\x15" + typed("Only the dated observations.")),
        ("Who will receive it", "\r"),
        ("recipient's role", "\r"),
        ("How will it be shared", "\r"),
        ("necessary for the purpose", "\r"),
        ("proportionate", "\r"),
        ("only relevant", pick("yes")),
        # the parts after the principle were not answered yet
        ("adequate", pick("yes")),
        ("accurate and up to date", pick("yes")),
        ("only with those who need to know", pick("yes")),
        ("shared securely", pick("yes")),
        ("shared in time", pick("yes")),
        ("When will it be", typed("2026-11-26")),
    ]
    # the answers between the form's start and the principle are the original ones
    steps = steps[:at] + redo + CONFIRM
    draft, _ = drive(steps, lambda a: run_wizard(qset, Draft("C-2001", "s-test"), a))
    payload = decision_payload(qset, draft)
    assert payload["outcome"] == SHARE
    parts = payload["answers"]["right_way"]["answer"]
    assert parts["relevant"] == {"answer": "yes"}
    assert parts["what"] == {"answer": "Only the dated observations."}
    assert first_part < at


# --- properties over the shipped set -----------------------------------------------------


@st.composite
def ways(draw, qset):
    """Random answers along the route, question by question, as the wizard would ask."""
    given: dict[str, Answer] = {}
    current = route(qset, given)
    while current.pending is not None and qset[current.pending].type != "review":
        question = qset[current.pending]
        if question.type == "form":
            parts_given: dict[str, Answer] = {}
            while True:
                parts = list(asked_parts(question, parts_given, current.outcome, current.urgent))
                todo = [p for p in parts if p.id not in parts_given]
                if not todo:
                    break
                parts_given[todo[0].id] = draw(answer_for(todo[0]))
            given[question.id] = Answer(parts_given)
        else:
            given[question.id] = draw(answer_for(question))
        current = route(qset, given)
    return given


def answer_for(part):
    if part.type == "multiple":
        together = [c.value for c in part.choices if not c.exclusive]
        alone = [(c.value,) for c in part.choices if c.exclusive]
        picks = st.lists(st.sampled_from(together), min_size=1, unique=True).map(tuple)
        return st.one_of(picks, st.sampled_from(alone)).map(lambda v: Answer(v, "reason"))
    if part.type == "date":
        return st.just(Answer("2026-11-26"))
    if part.type == "text":
        return st.just(Answer("some text"))
    return st.sampled_from([c.value for c in part.choices]).map(lambda v: Answer(v, "reason"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_way_ends_in_exactly_one_outcome_and_never_shares_against_a_principle(qset, data):
    answers = data.draw(ways(qset))
    answers["recorded"] = Answer("confirmed")
    result = route(qset, answers)
    assert result.complete
    assert result.outcome in OUTCOMES
    assert result.path[-1] == "recorded"
    if result.urgent:
        assert result.outcome != DNS  # the urgent route leads to advice instead
    if result.outcome in SHARING_OUTCOMES:
        form = qset["right_way"]
        assert "right_way" in result.path
        parts = answers["right_way"].value
        for part in form.parts:
            if not part.condition:
                continue
            value = parts[part.id].value
            may_stand = result.urgent and part.choice(value).urgent_may_stand
            assert value == "yes" or may_stand, (part.id, value)
    elif "right_way" in result.path:
        # the route shared until a principle did not hold: that principle decided
        parts = answers["right_way"].value
        assert any(p.condition and parts[p.id].value != "yes" for p in qset["right_way"].parts)


def test_every_path_of_the_set_has_one_outcome(qset):
    outcomes = [outcome for _, outcome in iter_paths(qset)]
    assert outcomes and all(o in OUTCOMES for o in outcomes)
