"""The question set: load and validate ``questions.yaml``, and route answers to an outcome.

Pure Python: nothing here knows about terminals. Loading never raises anything but
``QuestionSetError`` (an ``InfoshareError``), whatever the file holds, and every problem it
finds is listed with the file, the line and column where known, and what to fix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

SET_KEYS = {"name", "version", "guidance", "start", "outcomes", "golden_rules", "questions"}
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
PART_KEYS = {"id", "text", "help", "type", "choices", "reason_required_for", "reason_prompt"}
CHOICE_KEYS = {"value", "label", "help", "next", "outcome", "basis", "exclusive", "alert"}


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

    def __getitem__(self, qid: str) -> Question:
        return self.questions[qid]

    @property
    def identity(self) -> dict[str, str]:
        """What a decision records about the set it was made under."""
        return {"name": self.name, "version": self.version, "sha256": self.sha256}

    @property
    def critical_criteria(self) -> tuple[Choice, ...]:
        """The public-interest criteria: the choices that lead to sharing without consent."""
        question = self.questions.get("public_interest")
        if question is None:
            return ()
        return tuple(c for c in question.choices if c.outcome == "share_without_consent")


# --- answers and routing ---------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """An answer to one question or part.

    ``value`` is a string for choice, text and date questions, a tuple of strings for
    ``multiple``, and a mapping of part id to ``Answer`` for ``form`` questions.
    """

    value: Any
    reason: str = ""


@dataclass(frozen=True)
class Route:
    """Where a set of answers leads: the questions asked in order, and what comes next."""

    path: tuple[str, ...]
    pending: str | None
    outcome: str | None
    basis: tuple[str, ...] = ()
    alerts: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.pending is None


_PLAIN_WORD = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def mention(value: Any) -> str:
    """A key or value from someone's file, as an error message may repeat it.

    Only a short plain word (a mistyped id like 'maybe') is repeated; anything else could be
    a child's name or a note typed in the wrong place, and is shown as '…'.
    """
    text = str(value)
    return text if _PLAIN_WORD.fullmatch(text) else "…"


def chosen(question: Part, answer: Answer) -> tuple[Choice, ...]:
    """The choices an answer selects (empty for text, date and form questions)."""
    values = answer.value if question.type == "multiple" else (answer.value,)
    if not isinstance(values, tuple | list):
        return ()
    return tuple(c for v in values if (c := question.choice(v)) is not None)


def next_step(question: Question, answer: Answer) -> tuple[str | None, str | None]:
    """(next question id or None at the end, outcome set by this answer or None)."""
    choices = chosen(question, answer)
    if choices:
        first = choices[0]
        return first.next or question.next, first.outcome
    return question.next, None


def route(qset: QuestionSet, answers: Mapping[str, Answer]) -> Route:
    """Follow the answers from the start; stop at the first question not yet answered.

    Answers to questions off the path are ignored, so changing an earlier answer re-routes.
    """
    path: list[str] = []
    outcome: str | None = None
    basis: list[str] = []
    alerts: list[str] = []
    qid: str | None = qset.start
    while qid is not None:
        if qid in path:  # validation forbids cycles; never loop forever on a bad set
            raise QuestionSetError(f"The question set loops back to '{qid}'.")
        question = qset.questions[qid]
        answer = answers.get(qid)
        if answer is None or (question.type != "review" and not is_answered(question, answer)):
            return Route(tuple(path), qid, outcome, tuple(basis), tuple(alerts))
        path.append(qid)
        for choice in chosen(question, answer):
            if choice.basis:
                basis.append(choice.basis)
            if choice.alert:
                alerts.append(choice.alert)
        qid, set_outcome = next_step(question, answer)
        outcome = set_outcome or outcome
    return Route(tuple(path), None, outcome, tuple(basis), tuple(alerts))


def is_answered(question: Part, answer: Answer) -> bool:
    return not answer_problems(question, answer)


def answer_problems(question: Part, answer: Answer) -> list[str]:
    """What is wrong with an answer, in words a practitioner understands ([] when fine)."""
    value = answer.value
    if question.type == "form":
        if not isinstance(value, Mapping):
            return [f"'{question.id}' needs an answer for each of its parts."]
        problems = []
        for part in question.parts:
            sub = value.get(part.id)
            if sub is None:
                problems.append(f"'{question.id}.{part.id}' is not answered.")
            else:
                problems += answer_problems(part, sub)
        unknown = sorted(set(value) - {p.id for p in question.parts})
        problems += [f"'{question.id}' has no part called '{mention(k)}'." for k in unknown]
        return problems
    if question.type == "review":
        return []
    if question.type in ("text", "date"):
        if not isinstance(value, str) or not value.strip():
            return [f"'{question.id}' needs some text."]
        if question.type == "date":
            return _date_problems(question.id, value)
        return []
    values = value if question.type == "multiple" else (value,)
    if question.type == "multiple" and not isinstance(value, tuple | list):
        return [f"'{question.id}' takes a list of choices."]
    if not values:
        return [f"'{question.id}' needs at least one choice."]
    allowed = [c.value for c in question.choices]
    problems = [
        f"'{question.id}' has no choice '{mention(v)}'; choose from: {', '.join(allowed)}."
        for v in values
        if not isinstance(v, str) or question.choice(v) is None
    ]
    if problems:
        return problems
    picked = [question.choice(v) for v in values]
    if len(picked) > 1 and any(c.exclusive for c in picked):
        only = next(c.value for c in picked if c.exclusive)
        problems.append(f"'{question.id}': '{only}' cannot be combined with other choices.")
    if len(set(values)) != len(values):
        problems.append(f"'{question.id}' lists the same choice twice.")
    needs_reason = any(v in question.reason_required_for for v in values)
    if needs_reason and not answer.reason.strip():
        problems.append(f"'{question.id}' needs a reason for this answer: {question.reason_prompt}")
    return problems


def _date_problems(qid: str, value: str) -> list[str]:
    from datetime import date

    try:
        date.fromisoformat(value.strip())
    except ValueError:
        # The text is not repeated back: a date field may hold a note with personal data.
        return [f"'{qid}' needs a date written as year-month-day, like 2026-11-26."]
    return []


def iter_paths(qset: QuestionSet) -> Iterator[tuple[tuple[tuple[str, str], ...], str | None]]:
    """Every way through the set: ((question id, choice value), ...) and the outcome.

    Text, date and form questions contribute ``(id, "*")``; ``multiple`` questions
    contribute one step per choice (combinations of the same route lead the same way).
    """

    # An explicit stack, not recursion: a long chain of questions must not overflow.
    stack: list[tuple[str | None, tuple, str | None]] = [(qset.start, (), None)]
    while stack:
        qid, steps, outcome = stack.pop()
        if qid is None:
            yield steps, outcome
            continue
        question = qset.questions[qid]
        if question.type in CHOICE_TYPES:
            for choice in reversed(question.choices):
                stack.append(
                    (
                        choice.next or question.next,
                        steps + ((qid, choice.value),),
                        choice.outcome or outcome,
                    )
                )
        else:
            stack.append((question.next, steps + ((qid, "*"),), outcome))


# --- loading ---------------------------------------------------------------------------


def default_questions_text() -> tuple[str, str]:
    """The shipped set (packaged with the code, so it is found from any working folder)."""
    source = "questions.yaml (built in)"
    try:  # next to this module in any ordinary install; importlib.resources costs ~5 ms
        return Path(__file__).with_name("questions.yaml").read_bytes().decode("utf-8"), source
    except OSError:  # e.g. installed as a zip file
        from importlib import resources

        resource = resources.files("infoshare_cli").joinpath("questions.yaml")
        return resource.read_bytes().decode("utf-8"), source


def load_question_set(path: str | Path | None = None) -> QuestionSet:
    """Load and validate a question file, or the built-in set when ``path`` is None."""
    if path is None:
        text, source = default_questions_text()
        return parse_question_set(text.encode("utf-8"), source, built_in=True)
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise QuestionSetError(
                f"{p}: the file is {size:,} bytes; a question file may be at most "
                f"{MAX_FILE_BYTES:,} bytes. Is this the right file?"
            )
        data = p.read_bytes()
    except IsADirectoryError:
        raise QuestionSetError(f"{p} is a folder; give the path of a question file.") from None
    except FileNotFoundError:
        raise QuestionSetError(f"No question file at {p}. Check the path.") from None
    except PermissionError:
        raise QuestionSetError(f"{p}: permission denied; cannot read the file.") from None
    except OSError as exc:
        raise QuestionSetError(f"{p}: cannot read the file ({exc.strerror}).") from None
    return parse_question_set(data, str(p))


# The built-in set's outcome labels, and the SHA-256 of the questions.yaml they were read from.
# `infoshare log` needs nothing else from the question set: reading them from here saves it
# importing yaml and building the whole set (~20 ms). They are used only while the shipped
# file is byte for byte that one; a test checks them against the file (and prints the new
# values when questions.yaml changes).
BUILT_IN_OUTCOME_LABELS = (
    "fd0e7858467e901d27508ec7a5ef8bfaa4050719788ec3387813e3a4ad621ad5",
    {
        "share": "Share",
        "share_without_consent": "Share without consent",
        "do_not_share": "Do not share",
        "seek_advice": "Seek advice first",
    },
)


def outcome_labels(path: str | Path | None = None) -> dict[str, str]:
    """Outcome id -> label, for the set ``load_question_set(path)`` loads (and its errors)."""
    if path is None:
        text, _ = default_questions_text()
        digest, labels = BUILT_IN_OUTCOME_LABELS
        if hashlib.sha256(text.encode("utf-8")).hexdigest() == digest:
            return dict(labels)
    return {oid: outcome.label for oid, outcome in load_question_set(path).outcomes.items()}


def parse_question_set(data: bytes, source: str, *, built_in: bool = False) -> QuestionSet:
    """Parse and validate question-file bytes; ``source`` names the file in messages."""
    if len(data) > MAX_FILE_BYTES:
        raise QuestionSetError(
            f"{source}: the file is {len(data):,} bytes; a question file may be at most "
            f"{MAX_FILE_BYTES:,} bytes."
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuestionSetError(
            f"{source}: the file is not UTF-8 text (bad byte at position {exc.start}). "
            "Save it as UTF-8 and try again."
        ) from None
    # The built-in set (checked by the tests with both parsers) is parsed by libyaml: it is
    # read by nearly every command, and the careful pure-Python parser takes ~20 ms.
    tree = _load_fast(text) if built_in else None
    checker = _Checker(source)
    qset = checker.build(tree, hashlib.sha256(data).hexdigest()) if tree is not None else None
    if tree is None or checker.problems:
        tree = load_marked_yaml(text, source)
        checker = _Checker(source)
        qset = checker.build(tree, hashlib.sha256(data).hexdigest())
    if checker.problems:
        count = len(checker.problems)
        raise QuestionSetError(
            f"{source} has {count} problem{'s' if count > 1 else ''}:", problems=checker.problems
        )
    assert qset is not None
    return qset


class _Marked:
    """Remembers where a YAML mapping or list began, and where each key was."""

    line: int | None = None
    column: int | None = None
    key_marks: dict


class MarkedDict(dict, _Marked):
    pass


class MarkedList(list, _Marked):
    pass


class _Marking:
    """Constructs MarkedDicts and MarkedLists; refuses duplicate keys and non-scalar keys."""

    def construct_mapping(self, node, deep=False):
        import yaml

        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                raise yaml.MarkedYAMLError(
                    problem="a key must be a plain word", problem_mark=key_node.start_mark
                )
            if key in seen:
                raise yaml.MarkedYAMLError(
                    problem=f"the key '{key}' appears twice in the same block",
                    problem_mark=key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        mapping = MarkedDict(super().construct_mapping(node, deep=True))
        mapping.line, mapping.column = node.start_mark.line + 1, node.start_mark.column + 1
        mapping.key_marks = {k: (m.line + 1, m.column + 1) for k, m in seen.items()}
        return mapping

    def construct_sequence(self, node, deep=False):
        items = MarkedList(super().construct_sequence(node, deep=True))
        items.line, items.column = node.start_mark.line + 1, node.start_mark.column + 1
        items.key_marks = {}
        return items


class _NoAliases:
    """With ``yaml.SafeLoader``: refuses anchors and aliases, saying where."""

    def compose_node(self, parent, index):
        import yaml

        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (& and *) are not allowed in a question file; "
                "write each question out in full",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


class _AliasFound(Exception):
    pass


class _AliasCheck:
    """With libyaml's loader: raises _AliasFound for any alias.

    libyaml resolves an alias to the very node it names, so a node met twice is an alias.
    """

    def get_single_data(self):
        import yaml

        node = self.get_single_node()
        if node is None:
            return None
        seen: set[int] = set()
        stack = [node]
        while stack:
            current = stack.pop()
            if id(current) in seen:
                raise _AliasFound
            seen.add(id(current))
            if isinstance(current, yaml.MappingNode):
                for key, value in current.value:
                    stack += (key, value)
            elif isinstance(current, yaml.SequenceNode):
                stack += current.value
        return self.construct_document(node)


_LOADERS: dict[str, type] = {}


def _loaders() -> dict[str, type]:
    """The YAML loaders, made on first use (importing yaml costs ~10 ms, which `infoshare log`
    does without: see ``outcome_labels``).

    ``_MarkedLoader``: a SafeLoader that keeps line numbers and refuses duplicate keys and
    anchors/aliases. ``_FastMarkedLoader``: the same, parsed by libyaml (about ten times
    faster than the pure-Python parser); anything wrong is left to ``_MarkedLoader``, which
    says exactly what and where.
    """
    if not _LOADERS:
        import yaml

        fast_base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        _LOADERS["_MarkedLoader"] = type(
            "_MarkedLoader", (_Marking, _NoAliases, yaml.SafeLoader), {"__module__": __name__}
        )
        _LOADERS["_FastMarkedLoader"] = type(
            "_FastMarkedLoader", (_Marking, _AliasCheck, fast_base), {"__module__": __name__}
        )
        for loader in _LOADERS.values():
            loader.add_constructor("tag:yaml.org,2002:map", _Marking.construct_mapping)
            loader.add_constructor("tag:yaml.org,2002:seq", _Marking.construct_sequence)
    return _LOADERS


def __getattr__(name: str) -> Any:  # `questions._MarkedLoader` still works
    if name in ("_MarkedLoader", "_FastMarkedLoader"):
        return _loaders()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _load_fast(text: str) -> Any:
    """The built-in set parsed by libyaml, or None to use the careful parser instead."""
    import yaml

    if not getattr(yaml, "__with_libyaml__", False):
        return None
    try:
        return yaml.load(text, Loader=_loaders()["_FastMarkedLoader"])  # noqa: S506 - a SafeLoader
    except Exception:  # anything at all: the careful parser explains it
        return None


def load_marked_yaml(text: str, source: str) -> Any:
    """``yaml.safe_load`` with positions kept; any failure becomes a QuestionSetError."""
    import yaml

    try:
        return yaml.load(text, Loader=_loaders()["_MarkedLoader"])  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}, line {mark.line + 1}, column {mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "the YAML is not valid"
        raise QuestionSetError(f"{where}: {problem}. Fix the YAML there.") from None
    except RecursionError:
        raise QuestionSetError(
            f"{source}: the YAML is nested far too deeply to be a question file."
        ) from None
    except yaml.YAMLError as exc:
        raise QuestionSetError(f"{source}: the YAML is not valid ({exc}).") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. an impossible date value
        raise QuestionSetError(f"{source}: a value cannot be read ({exc}).") from None


# --- validation ------------------------------------------------------------------------


class _Checker:
    """Builds the model from the YAML tree, collecting every problem instead of stopping."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def add(self, node: Any, key: str | None, message: str) -> None:
        where = self.source
        line = col = None
        if isinstance(node, _Marked):
            if key is not None and key in node.key_marks:
                line, col = node.key_marks[key]
            else:
                line, col = node.line, node.column
        if line is not None:
            where += f", line {line}, column {col}"
        self.problems.append(f"{where}: {message}")

    def keys(self, node: Any, allowed: set[str], what: str) -> None:
        for key in node:
            if key not in allowed:
                self.add(
                    node,
                    key,
                    f"unknown key '{key}' in {what}; allowed keys are {', '.join(sorted(allowed))}",
                )

    def text(self, node: Mapping, key: str, what: str, *, required: bool = True) -> str:
        value = node.get(key)
        if value is None:
            if required:
                self.add(node, None, f"{what} needs '{key}' (some text)")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.add(node, key, f"'{key}' in {what} must be text, not {_kind(value)}")
            return ""
        if isinstance(value, int):
            return str(value)
        if required and not value.strip():
            self.add(node, key, f"'{key}' in {what} is empty")
        return value.strip()

    def mapping(self, node: Any, where: Any, key: str | None, what: str) -> bool:
        if isinstance(node, Mapping):
            return True
        self.add(where, key, f"{what} must be a block of 'key: value' lines, not {_kind(node)}")
        return False

    def sequence(self, node: Any, where: Any, key: str | None, what: str) -> bool:
        if isinstance(node, list):
            return True
        self.add(where, key, f"{what} must be a list (lines starting with '-'), not {_kind(node)}")
        return False

    # -- the parts of a set

    def build(self, tree: Any, sha256: str) -> QuestionSet | None:
        if tree is None:
            self.add(None, None, "the file is empty; it needs name, version and questions")
            return None
        if not self.mapping(tree, None, None, "the question file"):
            return None
        self.keys(tree, SET_KEYS, "the question file")
        name = self.text(tree, "name", "the question file")
        version = self.text(tree, "version", "the question file")
        guidance = self.text(tree, "guidance", "the question file")
        outcomes = self.outcomes(tree)
        rules = self.golden_rules(tree)
        questions = self.questions(tree, outcomes)
        start = self.text(tree, "start", "the question file", required=False)
        if not start and questions:
            start = next(iter(questions))
        elif start and start not in questions and questions:
            self.add(tree, "start", f"'start' names '{start}', which is not a question id")
        if self.problems or not questions:
            if not questions and not self.problems:
                self.add(tree, "questions", "the file has no questions")
            return None
        self.check_graph(tree, start, questions, outcomes)
        if self.problems:
            return None
        return QuestionSet(
            name, version, guidance, start, questions, outcomes, rules, sha256, self.source
        )

    def outcomes(self, tree: Mapping) -> dict[str, Outcome]:
        node = tree.get("outcomes")
        if node is None:
            self.add(tree, None, f"the file needs 'outcomes' describing {', '.join(OUTCOMES)}")
            return {}
        if not self.mapping(node, tree, "outcomes", "'outcomes'"):
            return {}
        result = {}
        for oid, body in node.items():
            if oid not in OUTCOMES:
                self.add(
                    node, oid, f"unknown outcome '{oid}'; the outcomes are {', '.join(OUTCOMES)}"
                )
                continue
            if not self.mapping(body, node, oid, f"outcome '{oid}'"):
                continue
            self.keys(body, OUTCOME_KEYS, f"outcome '{oid}'")
            record = self.parts(body, "record", f"outcome '{oid}'") if "record" in body else ()
            result[oid] = Outcome(
                oid,
                self.text(body, "label", f"outcome '{oid}'"),
                self.text(body, "description", f"outcome '{oid}'", required=False),
                self.text(body, "next_steps", f"outcome '{oid}'", required=False),
                record,
            )
        return result

    def golden_rules(self, tree: Mapping) -> tuple[GoldenRule, ...]:
        node = tree.get("golden_rules")
        if node is None:
            return ()
        if not self.sequence(node, tree, "golden_rules", "'golden_rules'"):
            return ()
        rules = []
        for i, item in enumerate(node, 1):
            if self.mapping(item, node, None, f"golden rule {i}"):
                self.keys(item, RULE_KEYS, f"golden rule {i}")
                rules.append(
                    GoldenRule(
                        self.text(item, "title", f"golden rule {i}"),
                        self.text(item, "text", f"golden rule {i}"),
                    )
                )
        return tuple(rules)

    def questions(self, tree: Mapping, outcomes: Mapping[str, Outcome]) -> dict[str, Question]:
        node = tree.get("questions")
        if node is None:
            self.add(tree, None, "the file needs 'questions', a list of questions")
            return {}
        if not self.sequence(node, tree, "questions", "'questions'"):
            return {}
        result: dict[str, Question] = {}
        for i, item in enumerate(node, 1):
            if not self.mapping(item, node, None, f"question {i}"):
                continue
            question = self.question(item, i, outcomes)
            if question is None:
                continue
            if question.id in result:
                self.add(item, "id", f"the id '{question.id}' is used by two questions")
                continue
            result[question.id] = question
        return result

    def ident(self, node: Mapping, what: str) -> str | None:
        qid = node.get("id")
        if not isinstance(qid, str) or not qid.strip():
            self.add(node, "id" if "id" in node else None, f"{what} needs an 'id' (a short word)")
            return None
        if not qid.replace("_", "").isalnum() or not qid.isascii():
            self.add(node, "id", f"the id '{qid}' may only use letters, digits and '_'")
            return None
        return qid

    def part_fields(self, node: Mapping, what: str, types: frozenset[str]) -> dict | None:
        qid = self.ident(node, what)
        if qid is None:
            return None
        what = f"'{qid}'"
        qtype = node.get("type")
        if not isinstance(qtype, str) or qtype not in types:
            self.add(
                node,
                "type" if "type" in node else None,
                f"{what} has type {qtype!r}; use one of {', '.join(sorted(types))}",
            )
            return None
        choices = self.choices(node, what, qtype)
        values = {c.value for c in choices}
        reason_for = node.get("reason_required_for", [])
        if not isinstance(reason_for, list) or not all(isinstance(v, str) for v in reason_for):
            self.add(node, "reason_required_for", f"'reason_required_for' in {what} must be a list")
            reason_for = []
        for value in reason_for:
            if value not in values:
                self.add(
                    node,
                    "reason_required_for",
                    f"'reason_required_for' in {what} names '{value}', which is not one of "
                    f"its answers ({', '.join(sorted(values)) or 'it has no choices'})",
                )
        return {
            "id": qid,
            "text": self.text(node, "text", what),
            "type": qtype,
            "help": self.text(node, "help", what, required=False),
            "choices": choices,
            "reason_required_for": frozenset(reason_for),
            "reason_prompt": self.text(node, "reason_prompt", what, required=False) or "Why?",
        }

    def question(
        self, node: Mapping, index: int, outcomes: Mapping[str, Outcome]
    ) -> Question | None:
        self.keys(node, QUESTION_KEYS, f"question {index}")
        fields = self.part_fields(node, f"question {index}", frozenset(QUESTION_TYPES))
        if fields is None:
            return None
        what = f"'{fields['id']}'"
        parts: tuple[Part, ...] = ()
        if fields["type"] == "form":
            parts = self.parts(node, "parts", what)
            if not parts and "parts" in node:
                self.add(node, "parts", f"{what} is a form but has no parts")
        elif "parts" in node:
            self.add(node, "parts", f"only 'form' questions have parts; {what} is {fields['type']}")
        nxt = node.get("next")
        if nxt is not None and not isinstance(nxt, str):
            self.add(node, "next", f"'next' in {what} must be a question id")
            nxt = None
        for choice in fields["choices"]:
            if choice.outcome is not None and choice.outcome not in outcomes:
                self.add(
                    node,
                    "choices",
                    f"the choice '{choice.value}' of {what} leads to the outcome "
                    f"'{choice.outcome}', which is not described under 'outcomes' "
                    f"(the outcomes are {', '.join(OUTCOMES)})",
                )
        return Question(**fields, next=nxt, parts=parts)

    def parts(self, node: Mapping, key: str, what: str) -> tuple[Part, ...]:
        items = node.get(key)
        if not self.sequence(items, node, key, f"'{key}' in {what}"):
            return ()
        parts: list[Part] = []
        for i, item in enumerate(items, 1):
            if not self.mapping(item, items, None, f"part {i} of {what}"):
                continue
            self.keys(item, PART_KEYS, f"part {i} of {what}")
            fields = self.part_fields(item, f"part {i} of {what}", PART_TYPES)
            if fields is None:
                continue
            if any(p.id == fields["id"] for p in parts):
                self.add(item, "id", f"the part id '{fields['id']}' is used twice in {what}")
                continue
            for choice in fields["choices"]:
                if choice.next or choice.outcome:
                    self.add(
                        item, "choices", f"the parts of {what} cannot route; remove next/outcome"
                    )
            parts.append(Part(**fields))
        return tuple(parts)

    def choices(self, node: Mapping, what: str, qtype: str) -> tuple[Choice, ...]:
        if qtype not in CHOICE_TYPES:
            if "choices" in node:
                self.add(node, "choices", f"{what} is a {qtype} question and cannot have choices")
            return ()
        items = node.get("choices")
        if items is None and qtype in FIXED_VALUES:
            # yes/no questions may leave their choices implicit; they then route by 'next'
            return tuple(Choice(v, DEFAULT_LABELS[v]) for v in FIXED_VALUES[qtype])
        if items is None:
            self.add(node, None, f"{what} is a {qtype} question and needs 'choices'")
            return ()
        if not self.sequence(items, node, "choices", f"'choices' in {what}"):
            return ()
        result: list[Choice] = []
        for i, item in enumerate(items, 1):
            if not self.mapping(item, items, None, f"choice {i} of {what}"):
                continue
            self.keys(item, CHOICE_KEYS, f"choice {i} of {what}")
            value = item.get("value")
            if value is None or isinstance(value, bool) or not str(value).strip():
                hint = ' (write yes and no in quotes: "yes")' if isinstance(value, bool) else ""
                self.add(
                    item,
                    "value" if "value" in item else None,
                    f"choice {i} of {what} needs a 'value' (a short word){hint}",
                )
                continue
            value = str(value)
            if any(c.value == value for c in result):
                self.add(item, "value", f"the value '{value}' appears twice in {what}")
                continue
            exclusive = item.get("exclusive", False)
            if not isinstance(exclusive, bool):
                self.add(item, "exclusive", "'exclusive' must be true or false")
            strings = {}
            for key in ("next", "outcome", "basis", "alert", "help"):
                raw = item.get(key)
                if raw is not None and not isinstance(raw, str):
                    self.add(item, key, f"'{key}' in choice '{value}' of {what} must be text")
                    raw = None
                strings[key] = raw
            label = self.text(item, "label", f"choice '{value}'", required=False)
            result.append(
                Choice(
                    value,
                    label or DEFAULT_LABELS.get(value, value),
                    strings["next"],
                    strings["outcome"],
                    strings["basis"],
                    exclusive is True,
                    strings["alert"] and strings["alert"].strip(),
                    strings["help"] or "",
                )
            )
        if not result and not self.problems:
            self.add(items, None, f"{what} has no choices")
        fixed = FIXED_VALUES.get(qtype)
        if fixed and result and tuple(sorted(c.value for c in result)) != tuple(sorted(fixed)):
            self.add(
                items,
                None,
                f"{what} is a {qtype} question, so its choice values must be exactly "
                f"{', '.join(fixed)} (found {', '.join(c.value for c in result)})",
            )
        return tuple(result)

    # -- the shape of the flow

    def check_graph(
        self,
        tree: Mapping,
        start: str,
        questions: Mapping[str, Question],
        outcomes: Mapping[str, Outcome],
    ) -> None:
        node = tree["questions"]
        marks = {q.get("id"): q for q in node if isinstance(q, Mapping)}
        edges: dict[str, list[str]] = {}
        for qid, question in questions.items():
            targets: list[str] = []
            routes = [c.next or question.next for c in question.choices] or [question.next]
            if question.type == "review" and question.next is None:
                routes = []
            for choice in question.choices:
                if (choice.next or question.next) is None:
                    self.add(
                        marks[qid],
                        "choices",
                        f"the choice '{choice.value}' of '{qid}' goes nowhere; give it 'next'",
                    )
            if (
                question.type not in CHOICE_TYPES
                and question.type != "review"
                and not question.next
            ):
                self.add(marks[qid], None, f"'{qid}' needs 'next': the question that follows it")
            for target in routes:
                if target is None:
                    continue
                if target not in questions:
                    hint = (
                        " (that is an outcome: use 'outcome:' for it)" if target in OUTCOMES else ""
                    )
                    self.add(
                        marks[qid],
                        "choices" if question.choices else "next",
                        f"'{qid}' leads to '{target}', which is not a question id{hint}",
                    )
                else:
                    targets.append(target)
            edges[qid] = targets
            if question.type == "multiple":
                shared = {
                    (c.next or question.next, c.outcome)
                    for c in question.choices
                    if not c.exclusive
                }
                if len(shared) > 1:
                    self.add(
                        marks[qid],
                        "choices",
                        f"the choices of '{qid}' that can be picked together must lead to the "
                        "same place and outcome; mark the others 'exclusive: true'",
                    )
        if self.problems:
            return
        cycle = _find_cycle(start, edges)
        if cycle:
            self.add(
                marks[cycle[0]],
                None,
                f"the questions loop: {' -> '.join(cycle)}; a question set must always move "
                "forward to an outcome",
            )
            return
        reachable = _reachable(start, edges)
        for qid in questions:
            if qid not in reachable:
                self.add(marks[qid], None, f"'{qid}' can never be reached from '{start}'")
        if self.problems:
            return
        for count, (steps, outcome) in enumerate(iter_paths_raw(start, questions), 1):
            if count > MAX_PATHS:
                self.add(tree, "questions", f"the set has more than {MAX_PATHS:,} paths")
                return
            if outcome is None:
                route_text = " -> ".join(f"{q}={v}" for q, v in steps)
                self.add(
                    marks[steps[-1][0]],
                    None,
                    f"the answers {route_text} reach the end without an outcome; give one "
                    "of those choices an 'outcome'",
                )
            if len(self.problems) > 20:
                return


def iter_paths_raw(start: str, questions: Mapping[str, Question]):
    qset = QuestionSet("", "", "", start, questions, {}, (), "", "")
    return iter_paths(qset)


def _find_cycle(start: str, edges: Mapping[str, list[str]]) -> list[str] | None:
    """A loop reachable from ``start`` as a list of ids (first repeated at the end).

    Iterative depth-first search, so a very long chain of questions cannot overflow.
    """
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for root in [start, *edges]:
        if root in state:
            continue
        path: list[str] = [root]
        iters = [iter(edges.get(root, ()))]
        state[root] = 1
        while iters:
            target = next(iters[-1], None)
            if target is None:
                state[path.pop()] = 2
                iters.pop()
            elif state.get(target) == 1:
                return path[path.index(target) :] + [target]
            elif target not in state:
                state[target] = 1
                path.append(target)
                iters.append(iter(edges.get(target, ())))
    return None


def _reachable(start: str, edges: Mapping[str, list[str]]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        qid = todo.pop()
        if qid not in seen:
            seen.add(qid)
            todo.extend(edges.get(qid, ()))
    return seen


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, Mapping):
        return "a block of keys"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "nothing"
    return "text"


__all__ = [
    "OUTCOMES",
    "Answer",
    "Choice",
    "GoldenRule",
    "Outcome",
    "Part",
    "Question",
    "QuestionSet",
    "QuestionSetError",
    "Route",
    "answer_problems",
    "chosen",
    "is_answered",
    "iter_paths",
    "load_question_set",
    "mention",
    "parse_question_set",
    "route",
]
