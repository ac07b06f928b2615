"""`infoshare questions check|show` and `infoshare rules`."""

from pathlib import Path
from typing import Annotated

import typer

from infoshare_cli.cli.app import new_app
from infoshare_cli.cli.options import QuestionsOption
from infoshare_cli.domain.words import counted
from infoshare_cli.outputs.messages import say

app = new_app(help="Check or draw a question set (the checklist the wizard asks).")

FileArgument = Annotated[
    Path | None,
    typer.Argument(
        help="A question file (YAML). Default: the built-in checklist.",
        show_default=False,
        dir_okay=False,
    ),
]


@app.command("check")
def check(file: FileArgument = None) -> None:
    """Check a question file and list every problem found in it (exit 1 if any)."""
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.domain.routing import iter_paths

    qset = load_question_set(file)
    paths = sum(1 for _ in iter_paths(qset))
    say(
        f"{qset.source}: OK. '{qset.name}' version {qset.version}, "
        f"{counted(len(qset.questions), 'question')}, {counted(paths, 'way')} through, all "
        "ending in an outcome."
    )


@app.command("show")
def show(file: FileArgument = None) -> None:
    """Draw the flow: each question, its answers, and where each answer leads."""
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.outputs.screens import console, question_tree

    console().print(question_tree(load_question_set(file)))


def rules(questions: QuestionsOption = None) -> None:
    """Show the golden rules, the grounds for sharing without consent, the right-way
    principles, and the words the checklist explains."""
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.outputs.screens import console, rules_view

    console().print(rules_view(load_question_set(questions)))
