"""The outcome is proved, not trusted: every decision's outcome recomputed from its answers.

Each decision is recomputed under the question set it was taken under: the set the log
keeps (a signed ``questions`` entry, checked against its fingerprint), or, for decisions
from before the log kept sets, the built-in set with the same fingerprint. A decision whose
recorded outcome does not follow from its answers is named, even though it is signed: an
insider who signs an outcome the answers do not support is caught. A decision whose set is
nowhere to be found is listed as not recomputed; that alone does not fail the log.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import MutableSequence
from dataclasses import dataclass, field

from infoshare_cli.checklist.kept_sets import question_text
from infoshare_cli.checklist.loading import built_in_set, parse_question_set
from infoshare_cli.domain.decisions import outcome_problem
from infoshare_cli.domain.privacy import is_sealed
from infoshare_cli.domain.questions import QuestionSet, QuestionSetError
from infoshare_cli.integrity.report import Problem


@dataclass
class Outcomes:
    recomputed: int = 0
    not_recomputed: list[int] = field(default_factory=list)
    # answers sealed: need a passphrase (every decision of an encrypted log: kept compact)
    sealed: MutableSequence[int] = field(default_factory=lambda: array("q"))
    problems: list[Problem] = field(default_factory=list)


class OutcomeCheck:
    """Decisions' outcomes recomputed one entry at a time, in the log's order: fed by
    :func:`check_outcomes`, or by verify's pass over the entries, which has already parsed
    each payload (so a large log's decisions are not read and parsed a second time)."""

    def __init__(self) -> None:
        self.found = Outcomes()
        self._stored: dict[str, QuestionSet | None] = {}
        self._built_in: dict[str, QuestionSet | None] = {}

    def questions(self, seq: int, recorded_at: str, payload_text: object) -> None:
        """A ``questions`` entry: the question set it keeps, for the decisions after it."""
        problem = _keep_set(self._stored, seq, recorded_at, payload_text)
        if problem is not None:
            self.found.problems.append(problem)

    def decision(self, seq: int, recorded_at: str, payload: dict) -> None:
        """A decision, its payload parsed."""
        found = self.found
        if is_sealed(payload):  # its answers are sealed under the record's key
            if type(seq) is not int and isinstance(found.sealed, array):
                # A number no array holds (only in a file whose table was remade by
                # hand, which the schema check reports): kept as it is, in a list.
                found.sealed = list(found.sealed)
            found.sealed.append(seq)
            return
        identity = payload.get("question_set")
        sha = identity.get("sha256") if isinstance(identity, dict) else None
        qset = self._stored.get(sha) if isinstance(sha, str) else None
        if qset is None and isinstance(sha, str):
            if sha not in self._built_in:
                self._built_in[sha] = built_in_set(sha)
            qset = self._built_in[sha]
        if qset is None:
            found.not_recomputed.append(seq)
            return
        found.recomputed += 1
        why = outcome_problem(qset, payload)
        if why is not None:
            found.problems.append(
                Problem(
                    "outcome",
                    f"{why} The recorded outcome does not follow from the answers.",
                    seq,
                    "decision",
                    recorded_at,
                )
            )


def check_outcomes(conn: sqlite3.Connection, upto: int | None = None) -> Outcomes:
    """Recompute every decision before entry ``upto`` (all when None)."""
    check = OutcomeCheck()
    sql = (
        "SELECT seq, kind, recorded_at, payload FROM entries "
        "WHERE kind IN ('questions', 'decision')"
    )
    params: tuple = ()
    if upto is not None:
        sql += " AND seq < ?"
        params = (upto,)
    cursor = conn.execute(sql + " ORDER BY seq", params)
    try:
        for seq, kind, recorded_at, payload_text in cursor:
            if kind == "questions":
                check.questions(seq, recorded_at, payload_text)
                continue
            payload = _object(payload_text)
            if payload is None:
                continue  # unreadable: the pass over the entries reports it
            check.decision(seq, recorded_at, payload)
    finally:
        cursor.close()
    return check.found


def _keep_set(
    stored: dict[str, QuestionSet | None], seq: int, recorded_at: str, payload_text: object
) -> Problem | None:
    payload = _object(payload_text)
    sha = payload.get("sha256") if payload is not None else None
    text = question_text(payload_text)
    if not isinstance(sha, str) or text is None:
        return Problem(
            "questions",
            "the question set it keeps does not match its fingerprint — its text was changed.",
            seq,
            "questions",
            recorded_at,
        )
    if sha in stored:
        return None
    try:
        stored[sha] = parse_question_set(
            text.encode("utf-8"), "the log", built_in=True, policy=False
        )
    except QuestionSetError:
        stored[sha] = None
        return Problem(
            "questions",
            "the question set it keeps cannot be read as a question set.",
            seq,
            "questions",
            recorded_at,
        )
    return None


def _object(text: object) -> dict | None:
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
