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


@pytest.mark.parametrize(
    "record, data_key",
    [("cd34", 1), ('q"uote\\', 0), ("ünï\u2028code", -3), ("", 2**53 - 1), ("x", 12345678)],
)
def test_the_record_key_aad_is_canonical_json(record, data_key):
    assert keys.record_key_aad(record, data_key) == canonical_json(
        {"use": "record key", "record": record, "data_key": data_key}
    )
    with pytest.raises(ValueError):
        keys.record_key_aad(record, 2**53)  # refused as canonical JSON refuses it


B64_TEXTS = ["", "QUJD", "QUI=", "QQ==", "QQ=", "Q===", "QU JD", "QUJD\n", "=QUJD", "QUJD==",
             "QUJDRA", "é", "QUJ*", "QUJD" * 50, "  ", "QQ==QQ=="]  # fmt: skip


@pytest.mark.parametrize("text", B64_TEXTS)
def test_unb64_is_strict_base64(text):
    """keys.unb64 calls binascii itself: the same bytes, or the same refusal, as
    base64.b64decode(validate=True)."""
    import base64
    import binascii

    try:
        expected = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeError, ValueError):
        with pytest.raises(keys.KeyUnavailable):
            keys.unb64(text)
    else:
        assert keys.unb64(text) == expected


JSON_TEXTS = ['{"a":1}', '{"a": [1, 2.5, "x\\"y"]}', " {}", "{} ", "[1]x", "", "nul", "NaN",
              '"\\ud800"', "1e999", "[" * 5000 + "]" * 5000, "{\"a\":1}\n", 'é"',
              "true"]  # fmt: skip


@pytest.mark.parametrize("text", JSON_TEXTS)
def test_loads_whole_is_json_loads(text):
    """The same value, or the same kind of error, as json.loads."""
    import json

    from infoshare_cli.ledger.crypto import loads_whole

    try:
        expected = json.loads(text)
    except (ValueError, RecursionError) as exc:
        with pytest.raises(type(exc)):
            loads_whole(text)
    else:
        assert repr(loads_whole(text)) == repr(expected)
