"""Checking a question file's content: every problem with its line, column and what to fix."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeGuard

from infoshare_cli.checklist.marked_yaml import _Marked
from infoshare_cli.domain.questions import (
    CHOICE_GROUPS,
    CHOICE_KEYS,
    CHOICE_TYPES,
    DEFAULT_LABELS,
    FIXED_VALUES,
    MAX_PATHS,
    OUTCOME_KEYS,
    OUTCOMES,
    PART_KEYS,
    PART_TYPES,
    QUESTION_KEYS,
    QUESTION_TYPES,
    RULE_KEYS,
    SET_KEYS,
    SHARING_OUTCOMES,
    Choice,
    GoldenRule,
    Outcome,
    Part,
    Question,
    QuestionSet,
)
from infoshare_cli.domain.routing import iter_paths

# --- validation ------------------------------------------------------------------------


class _Checker:
    """Builds the model from the YAML tree, collecting every problem instead of stopping."""

    def __init__(self, source: str, *, policy: bool = True):
        """``policy=False`` reads a set a decision was already taken under (kept in the log,
        or an earlier built-in set) as it was: the rules of sharing the right way and of
        the urgent route (``check_path``) apply only to sets used for new decisions."""
        self.source = source
        self.policy = policy
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

    def mapping(
        self, node: Any, where: Any, key: str | None, what: str
    ) -> TypeGuard[Mapping[Any, Any]]:
        if isinstance(node, Mapping):
            return True
        self.add(where, key, f"{what} must be a block of 'key: value' lines, not {_kind(node)}")
        return False

    def sequence(self, node: Any, where: Any, key: str | None, what: str) -> TypeGuard[list[Any]]:
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
        glossary = self.glossary(tree)
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
            name,
            version,
            guidance,
            start,
            questions,
            outcomes,
            rules,
            sha256,
            self.source,
            glossary,
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
            record = (
                self.parts(body, "record", f"outcome '{oid}'", outcomes=None)
                if "record" in body
                else ()
            )
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

    def glossary(self, tree: Mapping) -> dict[str, str]:
        node = tree.get("glossary")
        if node is None:
            return {}
        if not self.mapping(node, tree, "glossary", "'glossary'"):
            return {}
        result = {}
        for term in node:
            if not isinstance(term, str) or not term.strip():
                self.add(node, None, "each word in 'glossary' must be text")
                continue
            line = self.text(node, term, f"the glossary entry '{term}'")
            if line:
                result[term.strip()] = " ".join(line.split())
        return result

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
        for item in node:
            qid = item.get("id") if isinstance(item, Mapping) else None
            if (
                isinstance(qid, str)
                and qid.endswith("_reason")
                and qid[: -len("_reason")] in result
            ):
                self.add(
                    item,
                    "id",
                    f"the id '{qid}' is the name exports give to the reason for "
                    f"'{qid[: -len('_reason')]}'; choose another id",
                )
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
            parts = self.parts(node, "parts", what, outcomes=outcomes)
            if not parts and "parts" in node:
                self.add(node, "parts", f"{what} is a form but has no parts")
        elif "parts" in node:
            self.add(node, "parts", f"only 'form' questions have parts; {what} is {fields['type']}")
        nxt = node.get("next")
        if nxt is not None and not isinstance(nxt, str):
            self.add(node, "next", f"'next' in {what} must be a question id")
            nxt = None
        self.choice_outcomes(node, what, fields["choices"], outcomes)
        return Question(**fields, next=nxt, parts=parts)

    def choice_outcomes(
        self, node: Mapping, what: str, choices, outcomes: Mapping[str, Outcome]
    ) -> None:
        for choice in choices:
            for key, target in (
                ("outcome", choice.outcome),
                ("urgent_outcome", choice.urgent_outcome),
            ):
                if target is not None and target not in outcomes:
                    self.add(
                        node,
                        "choices",
                        f"the choice '{choice.value}' of {what} leads to the "
                        f"{key.replace('_', ' ')} '{target}', which is not described under "
                        "'outcomes' "
                        f"(the outcomes are {', '.join(OUTCOMES)})",
                    )

    def parts(
        self, node: Mapping, key: str, what: str, *, outcomes: Mapping[str, Outcome] | None
    ) -> tuple[Part, ...]:
        """The parts of a form (``outcomes`` given) or of an outcome's record (None)."""
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
            condition = item.get("condition", False)
            if not isinstance(condition, bool):
                self.add(item, "condition", "'condition' must be true or false")
                condition = False
            when = self.when_outcome(item, fields["id"], outcomes)
            if outcomes is None and (condition or when):
                self.add(
                    item,
                    "condition" if condition else "when_outcome",
                    f"the parts of {what} are asked after the outcome; only the parts of a "
                    "form can be conditions or depend on the outcome",
                )
            elif condition:
                self.condition_part(item, fields, what, outcomes or {})
            else:
                for choice in fields["choices"]:
                    if choice.next or choice.outcome or choice.urgent_outcome:
                        self.add(
                            item,
                            "choices",
                            f"the parts of {what} cannot route; remove next/outcome (only a "
                            "part marked 'condition: true' may set an outcome)",
                        )
                    if choice.urgent_may_stand:
                        self.add(
                            item,
                            "choices",
                            f"'urgent_may_stand' in '{fields['id']}' of {what}: only a "
                            "condition's answer can stand on the urgent route",
                        )
            parts.append(Part(**fields, condition=condition, when_outcome=when))
        return tuple(parts)

    def when_outcome(
        self, item: Mapping, pid: str, outcomes: Mapping[str, Outcome] | None
    ) -> frozenset[str]:
        raw = item.get("when_outcome")
        if raw is None:
            return frozenset()
        if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
            self.add(item, "when_outcome", f"'when_outcome' in '{pid}' must be a list of outcomes")
            return frozenset()
        for value in raw:
            if value not in OUTCOMES:
                self.add(
                    item,
                    "when_outcome",
                    f"'when_outcome' in '{pid}' names '{value}', which is not an outcome "
                    f"({', '.join(OUTCOMES)})",
                )
        return frozenset(raw)

    def condition_part(
        self, item: Mapping, fields: dict, what: str, outcomes: Mapping[str, Outcome]
    ) -> None:
        """A principle of sharing in the right way: "yes" holds; every other answer must
        lead away from sharing (a record cannot say share while a principle is no)."""
        pid = fields["id"]
        if fields["type"] not in ("yes_no", "yes_no_unsure"):
            self.add(
                item,
                "type",
                f"'{pid}' in {what} is a condition, so it must be yes_no or yes_no_unsure",
            )
            return
        self.choice_outcomes(item, f"'{pid}' in {what}", fields["choices"], outcomes)
        for choice in fields["choices"]:
            if choice.next:
                self.add(item, "choices", f"the answers of '{pid}' in {what} cannot have 'next'")
            if choice.value == "yes":
                if choice.outcome or choice.urgent_outcome or choice.urgent_may_stand:
                    self.add(
                        item,
                        "choices",
                        f"'yes' to the condition '{pid}' means the principle holds: it "
                        "cannot set an outcome",
                    )
                continue
            for key, target in (
                ("outcome", choice.outcome),
                ("urgent_outcome", choice.urgent_outcome),
            ):
                if target in SHARING_OUTCOMES or (key == "outcome" and target is None):
                    self.add(
                        item,
                        "choices",
                        f"the answer '{choice.value}' to the condition '{pid}' in {what} lets "
                        f"the record share while the principle does not hold; give it "
                        f"'{key}: do_not_share' or '{key}: seek_advice'",
                    )
            if choice.urgent_may_stand and choice.value not in fields["reason_required_for"]:
                self.add(
                    item,
                    "reason_required_for",
                    f"'{choice.value}' to '{pid}' may stand on the urgent route only with a "
                    "reason: add it to 'reason_required_for'",
                )

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
            flags = {}
            for key in ("exclusive", "urgent", "urgent_may_stand"):
                flags[key] = item.get(key, False)
                if not isinstance(flags[key], bool):
                    self.add(item, key, f"'{key}' must be true or false")
                    flags[key] = False
            strings = {}
            for key in ("next", "outcome", "basis", "alert", "help", "urgent_outcome", "group"):
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
                    flags["exclusive"],
                    strings["alert"] and strings["alert"].strip(),
                    strings["help"] or "",
                    flags["urgent"],
                    strings["urgent_outcome"],
                    flags["urgent_may_stand"],
                    strings["group"],
                )
            )
            if strings["group"] is not None and strings["group"] not in CHOICE_GROUPS:
                self.add(
                    item,
                    "group",
                    f"'group' in choice '{value}' of {what} must be {' or '.join(CHOICE_GROUPS)}",
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
                    (c.next or question.next, c.outcome, c.urgent_outcome, c.urgent)
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
            elif self.policy:
                self.check_path(marks, questions, steps, outcome)
            if len(self.problems) > 20:
                return

    def check_path(self, marks, questions: Mapping[str, Question], steps, outcome) -> None:
        """The policy's rules for one way through: sharing the right way, and urgency."""
        route_text = " -> ".join(f"{q}={v}" for q, v in steps)
        urgent = any(
            (c := questions[q].choice(v)) is not None and c.urgent
            for q, v in steps
            if q in questions
        )
        if outcome in SHARING_OUTCOMES:
            checked = False
            for qid, value in steps:
                form_id, _, part_id = qid.partition(".")
                form = questions.get(form_id)
                if form is None or form.type != "form":
                    continue
                conditions = {p.id: p for p in form.parts if p.condition}
                checked = checked or bool(conditions)
                part = conditions.get(part_id)
                choice = part.choice(value) if part is not None else None
                if choice is not None and not (urgent and choice.urgent_may_stand):
                    self.add(
                        marks[form_id],
                        None,
                        f"the answers {route_text} reach '{outcome}' while the principle "
                        f"'{part_id}' does not hold; a record cannot say share then",
                    )
            if not checked:
                self.add(
                    marks[steps[-1][0].partition(".")[0]],
                    None,
                    f"the answers {route_text} reach '{outcome}' without asking whether it "
                    "is shared the right way; route them through a form whose principles "
                    "are parts marked 'condition: true'",
                )
        elif urgent and outcome == "do_not_share":
            self.add(
                marks[steps[-1][0].partition(".")[0]],
                None,
                f"the answers {route_text} are on the urgent route but reach 'do_not_share'; "
                "urgent answers that would not share lead to advice: give that choice "
                "'urgent_outcome: seek_advice'",
            )


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
    if isinstance(value, date | datetime):  # YAML reads 2026-11-26 as a date
        return "a date (put it in quotes to keep it as text)"
    if isinstance(value, Mapping):
        return "a block of keys"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "nothing"
    return "text"
