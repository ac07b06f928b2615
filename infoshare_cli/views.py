"""Rich renderers for people. Imported only by commands that print something rich."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text
from rich.tree import Tree

if TYPE_CHECKING:
    from infoshare_cli.questions import QuestionSet

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


def _choice_label(qset: QuestionSet, question, choice) -> Text:
    text = Text.assemble(("“", "dim"), choice.label, ("”", "dim"))
    if choice.value in question.reason_required_for:
        text.append("  (reason required)", style="dim italic")
    if choice.outcome:
        text.append("  ⇒ ")
        text.append_text(outcome_text(qset, choice.outcome))
    if choice.basis:
        text.append(f"  [{choice.basis}]", style="dim")
    if choice.alert:
        text.append("  ⚠ urgent: call 999 / Children's Social Care first", style="bold red")
    return text


def rules_view(qset: QuestionSet) -> Group:
    from rich.table import Table

    rules = Table.grid(padding=(0, 1))
    rules.add_column(justify="right", style="bold")
    rules.add_column()
    for number, rule in enumerate(qset.golden_rules, 1):
        rules.add_row(f"{number}.", Text.assemble((rule.title, "bold"), "\n", rule.text, "\n"))
    criteria = Table.grid(padding=(0, 1))
    criteria.add_column(justify="right", style="bold")
    criteria.add_column()
    for number, choice in enumerate(qset.critical_criteria, 1):
        criteria.add_row(f"{number}.", choice.label)
    note = Text(
        "The decision is never made by one person alone: a second manager co-signs it.",
        style="italic",
    )
    return Group(
        Panel(rules, title=f"The golden rules — {escape(qset.guidance)}", title_align="left"),
        Panel(
            Group(criteria, Text(""), note),
            title="The critical criteria for sharing without consent",
            title_align="left",
        ),
    )
