"""Whatever bytes a question file holds, loading ends in QuestionSetError or a QuestionSet."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infoshare_cli.checklist.loading import parse_question_set
from infoshare_cli.domain.questions import QuestionSet, QuestionSetError

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True)
    | st.text(max_size=20)
    | st.sampled_from(
        [
            "yes",
            "no",
            "not_sure",
            "share",
            "do_not_share",
            "seek_advice",
            "share_without_consent",
            "form",
            "multiple",
            "review",
            "yes_no",
            "text",
            "date",
            "urgent",
            "purpose",
            "recorded",
        ]
    )
    | st.dates()
)
keys = st.text(max_size=12) | st.sampled_from(
    ["id", "text", "type", "choices", "next", "outcome", "value", "parts", "questions", "start"]
)
trees = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=5),
    max_leaves=30,
)


def check(data: bytes) -> None:
    try:
        result = parse_question_set(data, "fuzz.yaml")
    except QuestionSetError as exc:
        assert str(exc).startswith("fuzz.yaml")
    else:
        assert isinstance(result, QuestionSet)
        # what is accepted is whole: text where text belongs, and a start that exists
        assert isinstance(result.name, str) and isinstance(result.version, str)
        assert result.start in result.questions


@FAST
@given(st.text())
def test_any_text(text):
    check(text.encode("utf-8", "surrogatepass"))


@FAST
@given(trees)
def test_random_yaml_documents(tree):
    check(yaml.safe_dump(tree, allow_unicode=True).encode("utf-8"))


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    check(data)


# --- mutants of a valid set: most of the validator is only reached from something close ------

VALID = {
    "name": "Fuzz set",
    "version": "1",
    "guidance": "g",
    "start": "purpose",
    "outcomes": {o: {"label": o} for o in ("share", "do_not_share", "seek_advice")},
    "questions": [
        {
            "id": "purpose",
            "text": "Purpose?",
            "type": "yes_no_unsure",
            "reason_required_for": ["no"],
            "choices": [
                {"value": "yes", "next": "pick"},
                {"value": "no", "outcome": "do_not_share", "next": "recorded"},
                {"value": "not_sure", "outcome": "seek_advice", "next": "recorded"},
            ],
        },
        {
            "id": "pick",
            "text": "Pick",
            "type": "multiple",
            "choices": [
                {"value": "a", "outcome": "share", "next": "form"},
                {"value": "b", "outcome": "share", "next": "form"},
                {"value": "none", "exclusive": True, "outcome": "do_not_share", "next": "recorded"},
            ],
        },
        {
            "id": "form",
            "text": "Details",
            "type": "form",
            "next": "recorded",
            "parts": [
                {"id": "what", "text": "What?", "type": "text"},
                {"id": "when", "text": "When?", "type": "date"},
                {
                    "id": "how",
                    "text": "How?",
                    "type": "single",
                    "choices": [{"value": "email"}, {"value": "phone"}],
                },
                {
                    "id": "secure",
                    "text": "Secure?",
                    "type": "yes_no",
                    "condition": True,
                    "choices": [{"value": "yes"}, {"value": "no", "outcome": "seek_advice"}],
                },
            ],
        },
        {"id": "recorded", "text": "Confirm", "type": "review"},
    ],
}


def test_the_mutation_base_is_valid():
    qset = parse_question_set(yaml.safe_dump(VALID).encode(), "fuzz.yaml")
    assert set(qset.questions) == {"purpose", "pick", "form", "recorded"}


def _slots(node, trail=()):
    """Every (container, key) place in the tree that a mutation can overwrite or delete."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield node, key
            yield from _slots(value, trail + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield node, index
            yield from _slots(value, trail + (index,))


@st.composite
def mutants(draw):
    tree = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        slots = list(_slots(tree))
        container, key = draw(st.sampled_from(slots))
        action = draw(st.sampled_from(["replace", "delete", "copy_elsewhere"]))
        if action == "delete":
            del container[key]
        elif action == "copy_elsewhere":  # e.g. a question where a choice should be
            other, other_key = draw(st.sampled_from(slots))
            container[key] = copy.deepcopy(other[other_key])
        else:
            container[key] = draw(trees)
    return tree


@FAST
@given(mutants())
def test_mutated_valid_sets(tree):
    check(yaml.safe_dump(tree, allow_unicode=True).encode("utf-8"))


def refusal(text: str) -> str:
    with pytest.raises(QuestionSetError) as caught:
        parse_question_set(text.encode("utf-8"), "fuzz.yaml")
    return str(caught.value)


def with_line(key: str, value: str) -> str:
    """The valid set, with one top-level key's line written by hand."""
    text = yaml.safe_dump(VALID)
    line = next(x for x in text.splitlines() if x.startswith(f"{key}:"))
    return text.replace(line, f"{key}: {value}")


@pytest.mark.parametrize("key", ["name", "version"])
def test_an_impossible_date_is_refused(key):
    assert refusal(with_line(key, "2026-02-30")) == (
        "fuzz.yaml: a value cannot be read (day is out of range for month)."
    )
    assert refusal("name: 2026-02-30\n") == (
        "fuzz.yaml: a value cannot be read (day is out of range for month)."
    )


@pytest.mark.parametrize("key", ["name", "version"])
def test_a_date_where_text_belongs_is_refused(key):
    message = refusal(with_line(key, "2026-11-26"))
    assert message.startswith("fuzz.yaml has 1 problem:")
    assert message.endswith(
        f"'{key}' in the question file must be text, not a date (put it in quotes to keep it "
        "as text)"
    )
    assert refusal(yaml.safe_dump({**VALID, key: dt.date(2026, 11, 26)})).endswith(
        "not a date (put it in quotes to keep it as text)"
    )
    quoted = parse_question_set(with_line(key, "'2026-11-26'").encode(), "fuzz.yaml")
    assert getattr(quoted, key) == "2026-11-26"
