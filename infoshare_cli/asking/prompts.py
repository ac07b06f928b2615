"""Terminal prompts: the ``Asker`` the wizard and the decide flow talk to, using questionary.

Every prompt uses ``unsafe_ask()`` so that Ctrl-C raises ``KeyboardInterrupt`` (the CLI
turns it into one line: nothing was written), and prompt_toolkit raises ``EOFError`` when
the input closes. Help text is printed above each question so it is always visible.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import questionary
from questionary import Choice, Separator
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from infoshare_cli.asking.lines import (  # noqa: F401  (passphrase_reader: where it was)
    passphrase_reader,
    read_passphrase_line,
)
from infoshare_cli.asking.wizard import BACK
from infoshare_cli.domain.dates import day_help
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import filled_in
from infoshare_cli.outputs.messages import say

BACK_LABEL = "← Back to the previous question"
UNCHOSEN = "__unchosen__"
UNCHOSEN_LABEL = "(choose below)"
SELECT_HINT = "Move to your answer with the arrow keys (or type its number), then press Enter."
NOTHING_CHOSEN = (
    "Nothing is chosen yet. Move to your answer with the arrow keys (or type its number), "
    "then press Enter."
)
# A list whose answers carry numbers of their own (decisions): a typed number would choose
# by position ("1" chose the newest, decision 3), so it moves with the arrow keys only.
ARROWS_HINT = "Move to your answer with the arrow keys, then press Enter."
ARROWS_NOTHING_CHOSEN = (
    "Nothing is chosen yet. Move to your answer with the arrow keys, then press Enter."
)
TEXT_BACK = "<"
STYLE = questionary.Style(
    [("qmark", "fg:#5f87ff bold"), ("question", "bold"), ("instruction", "fg:#808080 italic")]
)


def screen_width() -> int:
    """The terminal's width now (COLUMNS when set), never less than 40."""
    import shutil

    return max(40, shutil.get_terminal_size((100, 40)).columns)


def fitted(text: str, indent: int, width: int | None = None) -> str:
    """``text`` wrapped at words to the screen, later lines indented by ``indent``.

    prompt_toolkit does not wrap a list's lines: a long choice ran off the edge of the
    screen ("…at risk of suffering,"), and a long question wrapped mid-word.
    """
    import textwrap

    room = (width or screen_width()) - indent - 1
    lines = textwrap.wrap(text, max(20, room), break_long_words=False, break_on_hyphens=False)
    return ("\n" + " " * indent).join(lines) if lines else text


# Where a choice's text starts: " » " then "1) " (a list) or "○ " (boxes to tick).
SELECT_INDENT, CHECKBOX_INDENT, QUESTION_INDENT = 6, 5, 2


def asked(question: Any) -> Any:
    """Ask a questionary question, and leave nothing of it on the screen when it ends.

    questionary leaves "? Question  answer" behind as one line the terminal folds wherever
    it runs out ("Pri / ya"), and a chosen answer keeps the line breaks it was fitted to the
    list with. The caller prints that line again, through rich, wrapped at words
    (:meth:`QuestionaryAsker.echo`).

    At a terminal, keys typed before the question appeared never answer it: those still in
    the terminal and those prompt_toolkit read past the end of the last answer are
    dropped. Outside a prompt the terminal shows no key (see ``lines.hold_keys``), so a
    passphrase typed early, or again while the first is checked, is never shown.
    """
    from prompt_toolkit.input.typeahead import clear_typeahead

    from infoshare_cli.asking.lines import drop_typed_ahead, hold_keys

    if drop_typed_ahead():
        clear_typeahead(question.application.input)
        hold_keys()  # prompt_toolkit puts back, when it ends, the terminal as it found it
    question.application.erase_when_done = True
    return question.unsafe_ask()


class _Unchosen(Choice):
    """The line the pointer starts on: no number, and not questionary's "-)" either."""

    def get_shortcut_title(self) -> str:
        return "   "


class QuestionaryAsker:
    """Asks on the terminal; prints help and notices with rich."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(highlight=False)

    # -- output

    def say(self, renderable: Any = "") -> None:
        self.console.print(renderable)

    def alert(self, text: str) -> None:
        self.console.print(
            Panel(
                Text(text, style="bold"),
                title="⚠  Act now",
                border_style="bold red",
                padding=(1, 2),
            )
        )

    def note(self, text: str) -> None:
        """A notice that is not urgent (the outcome so far, what is still missing)."""
        self.console.print(Panel(Text(text), border_style="cyan", padding=(0, 1)))

    def review(self, qset, draft) -> None:
        from infoshare_cli.outputs.screens import draft_review

        self.console.print(draft_review(qset, draft))

    def echo(self, message: str, answer: str) -> None:
        """What was asked and answered, as questionary shows it, wrapped at words."""
        self.console.print(
            Text.assemble(("? ", "bold #5f87ff"), (message, "bold"), " ", (answer, "bold #ff9d00"))
        )

    def _help(self, help: str) -> None:
        if help:
            # A question file's `infoshare ...` commands, as this person runs infoshare.
            self.console.print(Text(filled_in(help), style="dim"))

    # -- questions

    def select(
        self,
        message: str,
        choices: Sequence[tuple[str, str]],
        *,
        help: str = "",
        default: str | None = None,
        back: bool = False,
        numbered: bool = True,
    ) -> str:
        """``numbered=False``: no number shortcuts, for answers that carry numbers of their
        own (a typed "1" must never choose the first line when it means decision 1)."""
        self.console.print()
        self._help(help)
        indent = SELECT_INDENT if numbered else SELECT_INDENT - 3
        items: list[Any] = [
            Choice(title=fitted(label, indent), value=value) for value, label in choices
        ]
        if back:
            items += [Separator(), Choice(title=BACK_LABEL, value=BACK)]
        self.console.print(Text(SELECT_HINT if numbered else ARROWS_HINT, style="italic"))
        if default not in {v for v, _ in choices}:
            # Nothing is pre-selected: the pointer starts on a line that is not an answer,
            # so Enter alone never records an answer nobody gave.
            default = UNCHOSEN
            items.insert(0, _Unchosen(title=UNCHOSEN_LABEL, value=UNCHOSEN, shortcut_key=False))
        shortcuts = numbered and len(items) <= 36
        labels = {**dict(choices), BACK: BACK_LABEL}
        while True:
            picked = asked(
                questionary.select(
                    fitted(message, QUESTION_INDENT),
                    choices=items,
                    default=default,
                    use_shortcuts=shortcuts,
                    use_jk_keys=not shortcuts,
                    instruction=" ",  # how to answer is said above, where it wraps at words
                    style=STYLE,
                )
            )
            if picked != UNCHOSEN:
                self.echo(message, labels.get(picked, str(picked)))
                return picked
            nothing = NOTHING_CHOSEN if numbered else ARROWS_NOTHING_CHOSEN
            self.console.print(Text(nothing, style="bold yellow"))

    def checkbox(
        self,
        message: str,
        choices: Sequence[tuple[str, str]],
        *,
        help: str = "",
        default: Sequence[str] = (),
        back: bool = False,
    ) -> list[str] | str:
        self.console.print()
        self._help(help)
        items: list[Any] = [
            Choice(title=fitted(label, CHECKBOX_INDENT), value=value, checked=value in default)
            for value, label in choices
        ]
        if back:
            items += [Separator(), Choice(title=BACK_LABEL, value=BACK)]
        hint = "Move with the arrow keys, tick each one that applies with Space, then press Enter."
        if back:
            hint += f" To go back to the previous question, tick '{BACK_LABEL}' alone."
        self.console.print(Text(hint, style="italic"))
        picked = asked(
            questionary.checkbox(
                fitted(message, QUESTION_INDENT),
                choices=items,
                instruction=" ",
                validate=lambda values: bool(values) or "Tick at least one.",
                style=STYLE,
            )
        )
        labels = {**dict(choices), BACK: BACK_LABEL}
        self.echo(message, "; ".join(labels.get(value, str(value)) for value in picked))
        return BACK if BACK in picked else picked

    def text(
        self,
        message: str,
        *,
        help: str = "",
        default: str = "",
        back: bool = False,
        kind: str = "text",
    ) -> str:
        self.console.print()
        self._help(help)
        # How to finish goes on its own line above, so the answer starts right after the
        # question and a few sentences have the width of the terminal.
        hints = {
            "reason": "Type your reason; a few sentences are fine. Press Enter when done.",
            "date": f"{day_help()} Then press Enter.",
            "optional": "Type a comment, or leave it empty. Press Enter when done.",
        }
        hint = hints.get(kind, "Type your answer, then press Enter.")
        if back:
            hint += f" To go back to the previous question, type {TEXT_BACK} and press Enter."
        self.console.print(Text(hint, style="italic"))
        answer = asked(
            questionary.text(
                fitted(message, QUESTION_INDENT),
                default=default or "",
                validate=_validator(kind, back),
                style=STYLE,
            )
        )
        self.echo(message, answer.strip())
        if back and answer.strip() == TEXT_BACK:
            return BACK
        return answer.strip()

    def confirm(self, message: str, *, default: bool = True) -> bool:
        answer = asked(
            questionary.confirm(fitted(message, QUESTION_INDENT), default=default, style=STYLE)
        )
        self.echo(message, "Yes" if answer else "No")
        return answer

    def password(self, message: str) -> str:
        answer = asked(questionary.password(fitted(message + ":", QUESTION_INDENT), style=STYLE))
        self.echo(message + ":", "*" * len(answer))
        return answer


def _validator(kind: str, back: bool) -> Callable[[str], bool | str]:
    def validate(value: str) -> bool | str:
        value = value.strip()
        if back and value == TEXT_BACK:
            return True
        if not value and kind == "optional":
            return True
        if not value:
            return "Please type an answer." if kind != "reason" else "A reason is needed here."
        from infoshare_cli.domain.text import has_control_characters

        if has_control_characters(value):
            # One short line: prompt_toolkit shows a refusal on a single line.
            return "Remove the control characters and invisible formatting."
        if kind == "date":  # stored as year-month-day whichever way it is typed
            from infoshare_cli.domain.dates import read_day

            if read_day(value) is None:
                # One line (prompt_toolkit shows one): what it accepts is said above.
                return "That is not a date infoshare understands: see above."
        return True

    return validate


def ask_new_passphrase(
    ask: Callable[[str], str], whose: str, also_check: Callable[[str], None] | None = None
) -> str:
    """A new passphrase, typed twice, checked against the policy; three tries.

    ``also_check`` raises ``InfoshareError`` for a passphrase this use must refuse besides.
    """
    from infoshare_cli.ledger.crypto import check_new_passphrase

    problem = ""
    for _ in range(3):
        first = ask(f"New passphrase for {whose} (at least 10 characters)")
        try:
            check_new_passphrase(first, (whose,))
            if also_check is not None:
                also_check(first)
        except InfoshareError as exc:
            problem = exc.message
            say(problem, err=True)
            continue
        if ask("Type it again") == first:
            return first
        problem = "The two passphrases were not the same."
        say(problem, err=True)
    raise InfoshareError(f"{problem} Nothing was written; please start again.")
