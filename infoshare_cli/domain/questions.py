"""The question set: load and validate ``questions.yaml``, and route answers to an outcome.

Pure Python: nothing here knows about terminals. Loading never raises anything but
``QuestionSetError`` (an ``InfoshareError``), whatever the file holds, and every problem it
finds is listed with the file, the line and column where known, and what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from infoshare_cli.errors import InfoshareError

MAX_FILE_BYTES = 256 * 1024
MAX_PATHS = 10_000
OUTCOMES = ("share", "share_without_consent", "do_not_share", "seek_advice")
SHARING_OUTCOMES = frozenset({"share", "share_without_consent"})
CHOICE_TYPES = frozenset({"yes_no", "yes_no_unsure", "single", "multiple"})
PART_TYPES = frozenset({"yes_no", "yes_no_unsure", "single", "text", "date"})
QUESTION_TYPES = CHOICE_TYPES | {"text", "date", "form", "review"}
FIXED_VALUES = {"yes_no": ("yes", "no"), "yes_no_unsure": ("yes", "no", "not_sure")}
DEFAULT_LABELS = {"yes": "Yes", "no": "No", "not_sure": "Not sure"}

SET_KEYS = {
    "name",
    "version",
    "guidance",
    "start",
    "outcomes",
    "golden_rules",
    "glossary",
    "questions",
}
OUTCOME_KEYS = {"label", "description", "next_steps", "record"}
RULE_KEYS = {"title", "text"}
QUESTION_KEYS = {
    "id",
    "text",
    "help",
    "type",
    "choices",
    "reason_required_for",
    "reason_prompt",
    "next",
    "parts",
}
PART_KEYS = {
    "id",
    "text",
    "help",
    "type",
    "choices",
    "reason_required_for",
    "reason_prompt",
    "condition",
    "when_outcome",
}
CHOICE_KEYS = {
    "value",
    "label",
    "help",
    "next",
    "outcome",
    "basis",
    "exclusive",
    "alert",
    "urgent",
    "urgent_outcome",
    "urgent_may_stand",
    "group",
}
# What a public-interest choice may be: one of the policy's grounds, or a critical criterion.
CHOICE_GROUPS = ("ground", "criterion")


class QuestionSetError(InfoshareError):
    """The question file cannot be used; ``problems`` lists every reason."""


# --- the model -------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    next: str | None = None
    outcome: str | None = None
    basis: str | None = None
    exclusive: bool = False
    alert: str | None = None
    help: str = ""
    urgent: bool = False  # choosing it puts the route on the urgent route
    urgent_outcome: str | None = None  # replaces ``outcome`` on the urgent route
    urgent_may_stand: bool = False  # a condition answer that does not decide when urgent
    group: str | None = None  # "ground" or "criterion" (public interest)

    def outcome_on(self, urgent: bool) -> str | None:
        """The outcome this answer sets, on the urgent route or not."""
        if urgent and self.urgent_outcome:
            return self.urgent_outcome
        return self.outcome


@dataclass(frozen=True)
class Part:
    """One item of a ``form`` question, or of an outcome's extra record."""

    id: str
    text: str
    type: str
    help: str = ""
    choices: tuple[Choice, ...] = ()
    reason_required_for: frozenset[str] = frozenset()
    reason_prompt: str = "Why?"
    condition: bool = False  # a principle of sharing in the right way (see routing)
    when_outcome: frozenset[str] = frozenset()  # asked only when the outcome so far is one

    def choice(self, value: str) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)


@dataclass(frozen=True)
class Question(Part):
    next: str | None = None
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class Outcome:
    id: str
    label: str
    description: str = ""
    next_steps: str = ""
    record: tuple[Part, ...] = ()


@dataclass(frozen=True)
class GoldenRule:
    title: str
    text: str


@dataclass(frozen=True)
class QuestionSet:
    name: str
    version: str
    guidance: str
    start: str
    questions: Mapping[str, Question]
    outcomes: Mapping[str, Outcome]
    golden_rules: tuple[GoldenRule, ...]
    sha256: str
    source: str
    glossary: Mapping[str, str] = field(default_factory=dict)
    text: str = field(default="", repr=False, compare=False)  # the file's text, as read

    def __getitem__(self, qid: str) -> Question:
        return self.questions[qid]

    @property
    def identity(self) -> dict[str, str]:
        """What a decision records about the set it was made under."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256}

    @property
    def critical_criteria(self) -> tuple[Choice, ...]:
        """The public-interest criteria: the choices that lead to sharing without consent.

        In a set that marks its choices with ``group``, only those marked "criterion"."""
        sharing = self._public_interest_sharing()
        if any(c.group for c in sharing):
            return tuple(c for c in sharing if c.group == "criterion")
        return sharing

    @property
    def public_interest_grounds(self) -> tuple[Choice, ...]:
        """The policy's grounds for sharing in the public interest (choices marked "ground")."""
        return tuple(c for c in self._public_interest_sharing() if c.group == "ground")

    def _public_interest_sharing(self) -> tuple[Choice, ...]:
        question = self.questions.get("public_interest")
        if question is None:
            return ()
        return tuple(c for c in question.choices if c.outcome == "share_without_consent")

    def terms_in(self, *texts: str) -> list[tuple[str, str]]:
        """The glossary entries (term, line) for the words these texts use."""
        joined = " ".join(texts).casefold()
        return [(term, line) for term, line in self.glossary.items() if term.casefold() in joined]
