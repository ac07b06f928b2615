"""Rich renderers for people. Imported only by commands that print something rich."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text
from rich.tree import Tree

from infoshare_cli.hints import command

if TYPE_CHECKING:
    from infoshare_cli.domain.questions import QuestionSet

OUTCOME_STYLES = {
    "share": "bold green",
    "share_without_consent": "bold yellow",
    "do_not_share": "bold red",
    "seek_advice": "bold cyan",
}


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False)


def outcome_text(qset: QuestionSet, outcome: str | None) -> Text:
    if outcome is None:
        return Text("no outcome yet", style="dim")
    label = qset.outcomes[outcome].label if outcome in qset.outcomes else outcome
    return Text(label, style=OUTCOME_STYLES.get(outcome, "bold"))


def question_tree(qset: QuestionSet) -> Tree:
    """The flow as a tree: question -> answer -> next question or outcome.

    A question reached a second time (``recorded`` is reached from many answers) is drawn
    in full once and referred to by id afterwards, so the tree stays readable.
    """
    root = Tree(
        Text.assemble((qset.name, "bold"), f"  version {qset.version}\n", (qset.guidance, "dim"))
    )
    drawn: set[str] = set()

    def add_question(parent: Tree, qid: str, outcome: str | None) -> None:
        question = qset.questions[qid]
        label = Text.assemble((f"{qid}", "bold cyan"), ": ", question.text)
        if qid in drawn:
            parent.add(Text.assemble(("→ ", "dim"), (qid, "cyan"), (" (see above)", "dim")))
            return
        drawn.add(qid)
        node = parent.add(label)
        if question.type == "form":
            parts = ", ".join(part.id for part in question.parts)
            node.add(Text(f"asks together: {parts}", style="dim"))
            _add_conditions(qset, node, question)
        if question.choices and question.type != "review":
            for choice in question.choices:
                branch = node.add(_choice_label(qset, question, choice))
                nxt = choice.next or question.next
                if nxt:
                    add_question(branch, nxt, choice.outcome or outcome)
        elif question.next:
            add_question(node, question.next, outcome)
        else:
            node.add(Text("end: the record is co-signed by a second manager", style="dim"))

    add_question(root, qset.start, None)
    return root


def _add_conditions(qset: QuestionSet, node: Tree, question) -> None:
    """The form's principles: where an answer other than yes leads (the first that does
    not hold decides), and the parts asked only on some routes."""
    for part in question.parts:
        if part.condition:
            branch = node.add(
                Text.assemble(("principle ", "dim"), (part.id, "bold"), ": ", part.text)
            )
            for choice in part.choices:
                if choice.outcome:
                    branch.add(_choice_label(qset, part, choice))
        elif part.when_outcome:
            only = ", ".join(
                qset.outcomes[o].label if o in qset.outcomes else o
                for o in sorted(part.when_outcome)
            )
            node.add(Text(f"{part.id}: asked only when the outcome so far is {only}", style="dim"))


def _choice_label(qset: QuestionSet, question, choice) -> Text:
    text = Text.assemble(("“", "dim"), choice.label, ("”", "dim"))
    if choice.value in question.reason_required_for:
        text.append("  (reason required)", style="dim italic")
    if choice.outcome:
        text.append("  ⇒ ")
        text.append_text(outcome_text(qset, choice.outcome))
    if choice.urgent_outcome:
        text.append("  (urgent route ⇒ ", style="dim")
        text.append_text(outcome_text(qset, choice.urgent_outcome))
        text.append(")", style="dim")
    if choice.urgent_may_stand:
        text.append("  (urgent route: may stand, with a reason)", style="dim")
    if choice.basis:
        text.append(f"  [{choice.basis}]", style="dim")
    if choice.alert or choice.urgent:
        text.append("  ⚠ urgent: call 999 / Children's Social Care first", style="bold red")
    return text


def rules_view(qset: QuestionSet) -> Group:
    from rich.table import Table

    def numbered(rows) -> Table:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", style="bold")
        grid.add_column()
        for number, row in enumerate(rows, 1):
            grid.add_row(f"{number}.", row)
        return grid

    rules = numbered(
        Text.assemble((rule.title, "bold"), "\n", rule.text, "\n") for rule in qset.golden_rules
    )
    # A panel's title is cut to one line: the guidance it comes from goes inside, where it
    # wraps at words on a narrow screen.
    source = Text(f"From: {qset.guidance}", style="dim")
    panels = [Panel(Group(source, Text(""), rules), title="The golden rules", title_align="left")]
    grounds = qset.public_interest_grounds
    if grounds:
        panels.append(
            Panel(
                numbered(_without_prefix(c.label) for c in grounds),
                title="The public interest: the policy's grounds for sharing without consent",
                title_align="left",
            )
        )
    note = Text(
        "The decision is never made by one person alone: a second manager co-signs it.",
        style="italic",
    )
    panels.append(
        Panel(
            Group(
                numbered(_without_prefix(c.label) for c in qset.critical_criteria), Text(""), note
            ),
            title="The critical criteria for sharing without consent",
            title_align="left",
        )
    )
    principles = [
        (form, part) for form in qset.questions.values() for part in form.parts if part.condition
    ]
    if principles:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        for _form, part in principles:
            leads = Text()
            for choice in part.choices:
                if choice.outcome:
                    leads.append(f"{choice.label} ⇒ ")
                    leads.append_text(outcome_text(qset, choice.outcome))
                    if choice.urgent_outcome:
                        leads.append(" (urgent: ")
                        leads.append_text(outcome_text(qset, choice.urgent_outcome))
                        leads.append(")")
                    if choice.urgent_may_stand:
                        leads.append(" (urgent: may stand, with a reason)")
                    leads.append("   ")
            table.add_row(part.text, leads)
        panels.append(
            Panel(
                Group(
                    Text(
                        "A record cannot say share while one of these does not hold: change "
                        "what or how you share until it does, or the outcome changes as shown.",
                        style="italic",
                    ),
                    table,
                ),
                title="Sharing in the right way",
                title_align="left",
            )
        )
    if qset.glossary:
        words = Table.grid(padding=(0, 2))
        words.add_column(style="bold")
        words.add_column()
        for term, line in qset.glossary.items():
            words.add_row(term, line)
        panels.append(Panel(words, title="Words used in the checklist", title_align="left"))
    return Group(*panels)


def _without_prefix(label: str) -> str:
    """A public-interest label without its "Ground:" or "Critical criterion 1:" lead-in."""
    head, sep, rest = label.partition(": ")
    if sep and head.split()[0] in ("Ground", "Critical"):
        return rest[:1].upper() + rest[1:]
    return label


# --- decisions ------------------------------------------------------------------------


def answer_text(part, answer_json: dict | None) -> str:
    """An answer as words, from the log's JSON form ({"answer": ..., "reason": ...})."""
    if answer_json is None:
        return "—"
    value = answer_json.get("answer")
    if part is None:
        return value if isinstance(value, str) else ", ".join(map(str, value or []))
    if isinstance(value, dict):
        return ""
    values = value if isinstance(value, list) else [value]
    labels = []
    for v in values:
        choice = part.choice(v) if hasattr(part, "choice") else None
        labels.append(choice.label if choice else str(v))
    return "; ".join(labels)


# Narrower than this, the three columns of answers would break words: each answer is drawn
# as its question, then the answer and the reason indented under it.
ANSWERS_STACK_BELOW = 90


def answer_rows(qset: QuestionSet, answers: dict, record: dict | None = None):
    """(question text, answer, reason, is_heading, is_part) in asking order, in the question
    set's own words: never an internal id like "(advisor)"."""
    order = {qid: index for index, qid in enumerate(qset.questions)}
    # The log stores answers as canonical JSON (keys sorted); show them in asking order.
    for qid, answer in sorted(answers.items(), key=lambda item: order.get(item[0], len(order))):
        question = qset.questions.get(qid)
        text = question.text if question else qid
        if question is not None and question.type == "form":
            yield text, "", "", True, False
            for part in question.parts:
                sub = (answer.get("answer") or {}).get(part.id)
                yield part.text, answer_text(part, sub), (sub or {}).get("reason", ""), False, True
            continue
        if question is not None and question.type == "review":
            continue
        yield text, answer_text(question, answer), answer.get("reason", ""), False, False
    parts = {p.id: p for outcome in qset.outcomes.values() for p in outcome.record}
    asked = {pid: index for index, pid in enumerate(parts)}
    for pid, answer in sorted((record or {}).items(), key=lambda i: asked.get(i[0], len(asked))):
        recorded = parts.get(pid)
        text = recorded.text if recorded is not None else pid.replace("_", " ").capitalize()
        shown = answer_text(recorded if recorded is not None and recorded.choices else None, answer)
        yield text, shown, answer.get("reason", ""), False, False


class AnswersView:
    """Question | Answer | Reason where it fits; one answer under its question where not."""

    def __init__(self, qset: QuestionSet, answers: dict, record: dict | None = None):
        self.rows = list(answer_rows(qset, answers, record))

    def __rich_console__(self, console, options):
        if options.max_width >= ANSWERS_STACK_BELOW:
            yield self._table()
            return
        from rich.padding import Padding

        # Each block indented as a whole, so a long question or answer that wraps stays
        # under its own start instead of running back to the left edge.
        for text, answer, reason, heading, part in self.rows:
            indent = 3 if part else 0
            yield Padding(Text(text, style="bold"), (0, 0, 0, indent))
            if heading:
                continue
            yield Padding(Text(answer), (0, 0, 0, indent + 3))
            if reason:
                yield Padding(Text.assemble("Reason: ", (reason, "italic")), (0, 0, 0, indent + 3))

    def _table(self):
        from rich.table import Table

        table = Table(show_header=True, header_style="bold", expand=True, show_lines=False)
        table.add_column("Question", ratio=3)
        table.add_column("Answer", ratio=3)
        table.add_column("Reason", ratio=3, style="italic")
        for text, answer, reason, heading, part in self.rows:
            if heading:
                table.add_row(Text(text, style="bold"), "", "")
            else:
                table.add_row(("   " if part else "") + text, answer, reason)
        return table


def answers_table(qset: QuestionSet, answers: dict, record: dict | None = None) -> AnswersView:
    """Every answer and reason, in the question set's words, fitted to the screen."""
    return AnswersView(qset, answers, record)


def outcome_panel(qset: QuestionSet, payload: dict, status: str | None = None) -> Panel:
    outcome = payload.get("outcome")
    body = Text.assemble("Outcome: ", outcome_text(qset, outcome))
    if payload.get("basis"):
        body.append("\nBasis: " + "; ".join(payload["basis"]))
    if payload.get("urgent"):
        body.append(
            "\nA child was in immediate danger when this decision was taken.", style="bold red"
        )
    if status:
        body.append(f"\nStatus: {status}")
    description = (
        qset.outcomes[outcome].description
        if outcome is not None and outcome in qset.outcomes
        else ""
    )
    if description:
        body.append("\n" + description, style="dim")
    return Panel(body, border_style=OUTCOME_STYLES.get(outcome or "", "white"), expand=True)


def draft_review(qset: QuestionSet, draft) -> Group:
    from infoshare_cli.domain.decisions import answer_to_json
    from infoshare_cli.domain.text import displayable

    current = draft.route(qset)
    answers = {q: answer_to_json(draft.answers[q]) for q in current.path if q in draft.answers}
    answers = displayable(answers)
    record = displayable({k: answer_to_json(v) for k, v in draft.outcome_record.items()})
    payload = {
        "outcome": current.outcome,
        "basis": list(current.basis),
        "urgent": bool(current.alerts),
    }
    title = Text.assemble(("Review the record", "bold"), f"   case {displayable(draft.case_ref)}")
    return Group(
        Text(""), title, answers_table(qset, answers, record), outcome_panel(qset, payload)
    )


def failing_panel(record, problems: dict[int, str | None]) -> Panel | None:
    """A plain red warning naming each entry of a decision that fails verify's checks."""
    from infoshare_cli.domain.text import displayable
    from infoshare_cli.reading.trust import describe_problem

    entries = [record.entry, *record.cosigns, *record.corrections]
    lines = [
        describe_problem(e.seq, e.kind, displayable(problems[e.seq]))
        for e in entries
        if problems.get(e.seq)
    ]
    if not lines:
        return None
    text = Text(
        f"This decision FAILS the checks {command('verify')} makes. Do not rely on it: run "
        f"{command('verify')} and tell the person responsible for the log.\n",
        style="bold red",
    )
    for line in lines:
        text.append(f"- {line}\n", style="red")
    return Panel(text, title="Warning", title_align="left", border_style="red")


def decision_view(
    qset: QuestionSet,
    record,
    names: dict[str, str],
    verified: dict[int, bool],
    problems: dict[int, str | None] | None = None,
):
    """One decision in full: the trail, the outcome, the signatures, and what points at it."""
    from infoshare_cli.domain.text import displayable
    from infoshare_cli.reading.records import local_time

    payload = displayable(record.payload)
    qs = payload.get("question_set", {})
    head = Text.assemble(
        (record.label, "bold"),
        f"   case {payload.get('case_ref', '')}   {local_time(record.entry.recorded_at)}\n",
        (f"Question set: {qs.get('name', '?')} version {qs.get('version', '?')}", "dim"),
    )
    if qs.get("sha256") and qs.get("sha256") != qset.sha256:
        head.append(
            "\n(recorded under a different question set file; wording shown is today's)",
            style="dim",
        )
    if record.revisits_number is not None:
        head.append(f"\nTakes decision {record.revisits_number} again.")
    warning = failing_panel(record, problems) if problems else None
    parts: list = [
        *([warning] if warning is not None else []),
        head,
        answers_table(qset, payload.get("answers", {}), payload.get("outcome_record")),
        outcome_panel(qset, payload, record.status.label()),
    ]
    signatures = Text()
    mark = {True: ("✔ signature verifies", "green"), False: ("✘ signature does NOT verify", "red")}
    who = names.get(record.entry.actor, record.entry.actor)
    label, style = mark[verified.get(record.id, False)]
    signatures.append(f"Decided by {who}  ")
    signatures.append(label + "\n", style=style)
    for cosign in record.cosigns:
        who = names.get(cosign.actor, cosign.actor)
        verdict = "agreed" if cosign.payload.get("verdict") == "agree" else "did NOT agree"
        label, style = mark[verified.get(cosign.seq, False)]
        signatures.append(f"Co-signed by {who} on {local_time(cosign.recorded_at)}: {verdict}  ")
        signatures.append(label + "\n", style=style)
        if cosign.payload.get("comment"):
            comment = displayable(cosign.payload["comment"])
            signatures.append(f"   “{comment}”\n", style="italic")
    if not record.cosigns:
        signatures.append("Awaiting co-signature by a second manager.\n", style="yellow")
    for correction in record.corrections:
        who = names.get(correction.actor, correction.actor)
        c = displayable(correction.payload)
        signatures.append(
            f"Corrected by {who} on {local_time(correction.recorded_at)}:\n", style="bold yellow"
        )
        for key, title in (("wrong", "What was wrong"), ("right", "What is right"), ("why", "Why")):
            if c.get(key):
                signatures.append(f"   {title}: {c[key]}\n")
    for later in record.revisited_by_numbers:
        signatures.append(f"Taken again as decision {later}.\n", style="bold")
    parts.append(Panel(signatures, title="Signatures and links", title_align="left"))
    return Group(*parts)
