"""The fast paths of searching sealed content give the same answers as the plain rules."""

import random

import pytest

from infoshare_cli.ledger import keys
from infoshare_cli.ledger.crypto import canonical_json
from infoshare_cli.ledger.sealing import (
    _term_finder,
    _texts,
    fold,
    matches,
    searchable_words,
    searched_text,
)

PAYLOAD = {
    "case_ref": "C-0042",
    "outcome": "share",
    "answers": {
        "purpose": {"answer": "yes", "reason": "Repeated bruising on the arms; Café visit."},
        "consent": {"answer": "not_sought", "reason": "Seeking it would place Zoë at risk."},
        "public_interest": {"answer": ["evidence_of_harm"], "reason": "Naïve — ÉCOLE report"},
        "right_way": {"what": "Body map", "answer": "A free text answer here", "n": 3},
    },
    "comment": ["first line", "Ｆｕｌｌ width"],
    "wrong": None,
    "flag": True,
}


def test_searched_text_is_the_folded_texts_in_order():
    assert searched_text(PAYLOAD) == fold("\n".join(_texts(PAYLOAD)))


@pytest.mark.parametrize(
    "query",
    ["bruis", "BRUISING arms", "cafe", "zoe risk", "naive ecole", "free text", "c-0042",
     "0042", "c", "full", "ｆｕｌｌ", "yes", "not_sought", "body", "nothing", "risk nothing",
     "é", "arms;", "x_y"],
)  # fmt: skip
def test_the_term_finder_agrees_with_the_word_list(query):
    terms = fold(query).split()
    assert _term_finder(query)(searched_text(PAYLOAD)) == matches(searchable_words(PAYLOAD), terms)


def test_the_term_finder_agrees_on_random_text():
    rng = random.Random(7)
    alphabet = "abcé -_.,;\n0123ÀßĲ"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
        payload = {"reason": text}
        terms = fold(query).split()
        expected = matches(searchable_words(payload), terms)
        assert _term_finder(query)(searched_text(payload)) == expected, (text, query)


@pytest.mark.parametrize(
    "kind, entry_id, record",
    [("decision", "ab12", "cd34"), ("cosign", 'q"uote\\', "ünï\u2028code"), ("x", "", "")],
)
def test_the_content_aad_is_canonical_json(kind, entry_id, record):
    assert keys.content_aad(kind, entry_id, record) == canonical_json(
        {"use": "content", "kind": kind, "id": entry_id, "record": record}
    )
