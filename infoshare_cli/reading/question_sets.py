"""The question set each decision was taken under: kept in the log, or built in.

The log keeps the full text of every question set a decision was taken under, once, as a
signed ``questions`` entry, and every decision names its set by fingerprint (SHA-256 of the
text). Readers show a decision with the words of that set, never those of whatever file is
on disk today: a ``--questions`` file that differs cannot relabel an earlier decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from infoshare_cli.checklist.kept_sets import question_text
from infoshare_cli.checklist.loading import built_in_set, parse_question_set
from infoshare_cli.domain.questions import QuestionSet, QuestionSetError
from infoshare_cli.ledger.store import Ledger

KIND = "questions"


def stored_question_text(ledger: Ledger, sha256: str) -> str | None:
    """The text of the set with this fingerprint, as the log keeps it (checked), or None."""
    row = ledger.conn.execute(
        "SELECT payload FROM entries WHERE kind = ? AND json_valid(payload) "
        "AND json_extract(payload, '$.sha256') = ? ORDER BY seq LIMIT 1",
        (KIND, sha256),
    ).fetchall()  # all rows read: no statement is left open on the connection
    if not row:
        return None
    return question_text(row[0][0], sha256)


def questions_payload(qset: QuestionSet) -> dict[str, str]:
    """What a ``questions`` entry holds: the set's identity and its full text."""
    return {**qset.identity, "text": qset.text}


def is_stored(ledger: Ledger, sha256: str) -> bool:
    rows = ledger.conn.execute(
        "SELECT 1 FROM entries WHERE kind = ? AND json_valid(payload) "
        "AND json_extract(payload, '$.sha256') = ? LIMIT 1",
        (KIND, sha256),
    ).fetchall()
    return bool(rows)


class QuestionSets:
    """The set each decision was taken under, found once per fingerprint.

    ``fallback`` is the set the command loaded (built in, or ``--questions``): used only for
    a decision whose own set is neither in the log nor built in (``exact`` is then False).
    """

    def __init__(self, ledger: Ledger, fallback: QuestionSet):
        self.ledger = ledger
        self.fallback = fallback
        self._found: dict[str, QuestionSet | None] = {}

    def exact(self, identity: Any) -> QuestionSet | None:
        """The decision's own set, or None if neither the log nor the tool has it."""
        sha = identity.get("sha256") if isinstance(identity, Mapping) else None
        if not isinstance(sha, str):
            return None
        if sha == self.fallback.sha256:
            return self.fallback
        if sha not in self._found:
            self._found[sha] = self._load(sha)
        return self._found[sha]

    def for_decision(self, payload: Mapping[str, Any]) -> tuple[QuestionSet, bool]:
        """(the set to show the decision with, whether it is the one it was taken under)."""
        found = self.exact(payload.get("question_set"))
        return (found, True) if found is not None else (self.fallback, False)

    def _load(self, sha: str) -> QuestionSet | None:
        text = stored_question_text(self.ledger, sha)
        if text is not None:
            try:
                data = text.encode("utf-8")
                return parse_question_set(data, "the log", built_in=True, policy=False)
            except QuestionSetError:
                return None
        return built_in_set(sha)
