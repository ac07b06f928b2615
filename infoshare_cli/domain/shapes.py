"""The shape of every kind of entry's payload, as infoshare writes it: one rule.

An entry's payload is JSON that someone holding the file (or a manager's passphrase) can
write by hand: a case reference that is a list, a co-signature whose decision is text, an
export whose count is an object. Readers must never meet such a value where they expect
the shape infoshare writes, and ``verify`` must name the entry. So both go through this
module: :func:`shape_problem` says what is wrong, :func:`well_shaped` gives the payload
with every field of the wrong type left out (readers show the rest, and mark the entry as
failing the checks ``verify`` makes).

Only the type of each field infoshare writes is checked, where the field is present: a
field may be missing (an older version did not write it, or its content is sealed and not
opened), and a field nobody writes is ignored. What a field *means* (a co-signature's
decision is an earlier decision, an erasure names real records) is the signing rules'
business (``domain/signing.py``). Pure Python.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from infoshare_cli.domain.staff import staff_entry_problem

Check = Callable[[Any], bool]


def _text(value: Any) -> bool:
    return type(value) is str


def _whole(value: Any) -> bool:
    return type(value) is int


def _flag(value: Any) -> bool:
    return type(value) is bool


def _mapping(value: Any) -> bool:
    """``isinstance(value, Mapping)``, without the abstract class's check for the plain dict
    that parsed JSON always is (verify asks it for several fields of every entry)."""
    return type(value) is dict or isinstance(value, Mapping)


def _record(value: Any) -> bool:
    return _mapping(value)


def _texts(value: Any) -> bool:
    if type(value) is not list:
        return False
    # loops, not all(...) (ruff SIM110): 3x faster, and every reader checks every payload
    for v in value:  # noqa: SIM110
        if type(v) is not str:
            return False
    return True


def _text_or_none(value: Any) -> bool:
    return value is None or type(value) is str


def _whole_or_none(value: Any) -> bool:
    return value is None or type(value) is int


def _of_texts(value: Any) -> bool:
    """An object of text values (a question set's name, version and fingerprint)."""
    if not _mapping(value):
        return False
    for v in value.values():  # noqa: SIM110  (see _texts)
        if type(v) is not str:
            return False
    return True


def _answer(value: Any, depth: int = 0) -> bool:
    """One answer as ``domain.decisions.answer_to_json`` writes it: ``{"answer": text, a
    list of texts, or parts (each an answer), "reason"?: text}``. (``type() is``, not
    ``isinstance``: parsed JSON is plain dicts and lists, and every export checks every
    answer.)"""
    if type(value) is not dict or depth > 4:
        return False
    reason = value.get("reason")
    if reason is not None and type(reason) is not str:
        return False
    given = value.get("answer")
    kind = type(given)
    if kind is str or given is None:
        return True
    if kind is list:
        for v in given:  # noqa: SIM110  (see _texts)
            if type(v) is not str:
                return False
        return True
    if kind is dict:
        for v in given.values():  # noqa: SIM110  (see _texts)
            if not _answer(v, depth + 1):
                return False
        return True
    return False


def _answers(value: Any) -> bool:
    if type(value) is not dict:
        return False
    for v in value.values():  # noqa: SIM110  (see _texts)
        if not _answer(v):
            return False
    return True


def _head(value: Any) -> bool:
    return value is None or (
        _mapping(value) and type(value.get("seq")) is int and type(value.get("hash")) is str
    )


def _erased(value: Any) -> bool:
    return type(value) is list and all(
        _mapping(item) and type(item.get("decision")) is int and type(item.get("record")) is str
        for item in value
    )


def _data_key(value: Any) -> bool:
    return _mapping(value) and type(value.get("id")) is int and type(value.get("check")) is str


def _sealed(value: Any) -> bool:
    return (
        _mapping(value) and type(value.get("nonce")) is str and type(value.get("ciphertext")) is str
    )


# Fields every sealed entry may carry (ledger/sealing.py): its id, its record, the ciphertext.
_COMMON: dict[str, tuple[Check, str]] = {
    "id": (_text, "its id is not text"),
    "record": (_text, "its record id is not text"),
    "sealed": (_sealed, "its sealed content is not in the form infoshare seals it"),
}

# Entry kind -> field -> (check, what is wrong when the check fails).
FIELDS: dict[str, dict[str, tuple[Check, str]]] = {
    "decision": {
        "case_ref": (_text, "its case reference is not text"),
        "question_set": (_of_texts, "its question set is not named in text"),
        "answers": (_answers, "its answers are not in the form infoshare records them"),
        "outcome": (_text, "its outcome is not text"),
        "basis": (_texts, "its basis for sharing is not a list of texts"),
        "urgent": (_flag, "its urgent flag is not yes or no"),
        "outcome_record": (_answers, "its record of the outcome is not in the right form"),
        "revisits": (_whole, "the decision it takes again is not a number"),
        "copy_of": (_whole, "the decision it is a corrected copy of is not a number"),
    },
    "cosign": {
        "decision": (_whole, "the decision it co-signs is not a number"),
        "decision_hash": (_text, "the hash of the decision it co-signs is not text"),
        "verdict": (_text, "its verdict is not text"),
        "comment": (_text, "its comment is not text"),
    },
    "correction": {
        "decision": (_whole, "the decision it corrects is not a number"),
        "wrong": (_text, "what it says was wrong is not text"),
        "right": (_text, "what it says is right is not text"),
        "why": (_text, "its reason is not text"),
    },
    "export": {
        "format": (_text, "its format is not text"),
        "filters": (_record, "its filters are not a record"),
        "limit": (_whole_or_none, "its limit is not a number"),
        "count": (_whole, "its count is not a number"),
        "sha256": (_text, "its fingerprint is not text"),
        "encrypted": (_text_or_none, "how it was encrypted is not text"),
        "file": (_text, "its file name is not text"),
        "head": (_head, "the log's head it records is not a number and a hash"),
        "excel": (_flag, "its Excel flag is not yes or no"),
        "unverified": (_flag, "its unverified flag is not yes or no"),
    },
    "setting": {
        "name": (_text, "the setting's name is not text"),
        "retention": (_record, "its retention rule is not a record"),
        "retain_until": (_record, "its retention date is not a record"),
    },
    "erase": {
        "action": (_text, "what it does is not text"),
        "records": (_erased, "the records it erases are not decision numbers and record ids"),
        "reason": (_text, "its reason is not text"),
        "why": (_text, "its explanation is not text"),
        "erase": (_whole, "the erasure it co-signs is not a number"),
        "hash": (_text, "the hash of the erasure it co-signs is not text"),
    },
    "staff": {
        "action": (_text, "its action is missing or not text"),
        "staff_id": (_text, "its staff id is not text"),
        "name": (_text, "the name is not text"),
        "role": (_text, "the role is not text"),
        "dsl": (_flag, "its safeguarding-lead flag is not yes or no"),
        "public_key": (_text, "its public key is not text"),
        "sealed_key": (_record, "its sealed key is not a record"),
        "reading_key": (_text_or_none, "its reading key is not text"),
        "by": (_text, "who authorised it is not text"),
        "data_key": (_data_key, "the data key it records is not a number and a check"),
        "reset": (_whole, "the reset it confirms is not a number"),
        "reset_hash": (_text, "the hash of the reset it confirms is not text"),
    },
    "migration": {
        "from_file_sha256": (_text, "the old file's fingerprint is not text"),
        "from_head_seq": (_whole, "the old log's newest entry is not a number"),
        "from_head_hash": (_text, "the old log's newest hash is not text"),
        "from_entries": (_whole, "the old log's number of entries is not a number"),
    },
    "imported": {
        "of": (_whole, "the old entry it carries over is not a number"),
        "original": (_record, "the old entry it carries over is not a record"),
    },
    "questions": {
        "name": (_text, "the question set's name is not text"),
        "version": (_text, "the question set's version is not text"),
        "sha256": (_text, "the question set's fingerprint is not text"),
        "text": (_text, "the question set's text is not text"),
    },
}


def _problems(kind: str, payload: Mapping[str, Any]) -> list[str]:
    fields = FIELDS.get(kind)
    if fields is None:
        return []
    found = []
    for name, value in payload.items():
        rule = fields.get(name) or _COMMON.get(name)
        if rule is not None and not rule[0](value):
            found.append(rule[1])
    if kind == "staff" and not found:
        problem = staff_entry_problem(payload)
        if problem is not None:
            found.append(problem)
    return found


def shape_problem(kind: str, payload: Any) -> str | None:
    """What is wrong with the shape of a payload of this kind, in words, or None."""
    if not _mapping(payload):
        return NOT_A_RECORD
    found = _problems(kind, payload)
    return "; ".join(found) if found else None


NOT_A_RECORD = "it is not a record of fields"


def shape_detail(problem: str) -> str:
    """A shape problem as ``verify`` and the readers word it, after "Entry #n (...): "."""
    return f"its contents are not in the shape infoshare writes ({problem})."


def well_shaped(kind: str, payload: Any) -> tuple[dict[str, Any], str | None]:
    """(the payload with every field of the wrong type left out, what was wrong or None).

    A payload that is not an object at all reads as an empty one. A payload in the right
    shape (nearly all) comes back as it is, not copied.
    """
    if not isinstance(payload, dict):
        return {}, NOT_A_RECORD
    found = _problems(kind, payload)
    if not found:
        return payload, None
    fields = FIELDS.get(kind, {})
    kept = {
        name: value
        for name, value in payload.items()
        if (rule := fields.get(name) or _COMMON.get(name)) is None or rule[0](value)
    }
    if kind == "staff" and staff_entry_problem(kept) is not None:
        kept = {}  # a staff change that is not one: nothing of it is used
    return kept, "; ".join(found)
