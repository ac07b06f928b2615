"""Drive the REAL questionary prompts with keystrokes.

prompt_toolkit reads from a pipe (``create_pipe_input``) and writes to ``DummyOutput``;
help text, alerts and the review go to a rich Console on a StringIO. ``KeyedAsker`` sends
the keys for each prompt just before that prompt starts (so nothing races the start-up
of a prompt), and checks that the prompt is the one the test expected: the list of
steps is the route the wizard took.

Also here: the screens of a decision for each outcome of the shipped checklist, as steps.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from infoshare_cli.asking.prompts import QuestionaryAsker
from infoshare_cli.asking.wizard import BACK
from support.people import PASSPHRASES, PRIYA, SAM, SEEK_ADVICE_RECORD

ENTER, DOWN, SPACE, CTRL_C, CTRL_D, CTRL_U = "\r", "\x1b[B", " ", "\x03", "\x04", "\x15"
CLOSE = object()  # close the input: the terminal went away

Keys = str | Callable[[dict[str, Any]], str] | object


# --- keystroke helpers -------------------------------------------------------------------


def typed(text: str) -> str:
    return text + ENTER


def pick(wanted: str) -> Callable[[dict[str, Any]], str]:
    """The number shortcut (then Enter) for the choice whose value is ``wanted``, or whose
    label contains it (people are picked by name)."""

    def keys(prompt: dict[str, Any]) -> str:
        values = [v for v, _ in prompt["choices"]] + ([BACK] if prompt["back"] else [])
        labels = [label for _, label in prompt["choices"]] + ["Back"]
        if wanted in values:
            index = values.index(wanted)
        else:
            found = [i for i, label in enumerate(labels) if wanted in label]
            assert len(found) == 1, f"{wanted!r} is not one choice of {labels}"
            index = found[0]
        assert index < 9, "number shortcuts go up to 9"
        return str(index + 1) + ENTER

    return keys


def arrow_to(wanted: str) -> Callable[[dict[str, Any]], str]:
    """Down to the choice whose label contains ``wanted`` (the pointer starts on the
    "(choose below)" line above the first), then Enter: for lists without numbers."""

    def keys(prompt: dict[str, Any]) -> str:
        found = [i for i, (_, label) in enumerate(prompt["choices"]) if wanted in label]
        assert len(found) == 1, f"{wanted!r} is not one choice of {prompt['choices']}"
        return DOWN * (found[0] + 1) + ENTER

    return keys


def tick(*wanted: str) -> Callable[[dict[str, Any]], str]:
    """Space on each box to change (from the defaults), moving down, then Enter."""

    def keys(prompt: dict[str, Any]) -> str:
        values = [v for v, _ in prompt["choices"]] + ([BACK] if prompt["back"] else [])
        out = ""
        for value in values:
            if (value in wanted) != (value in prompt["default"]):
                out += SPACE
            out += DOWN
        return out + ENTER

    return keys


class KeyedAsker(QuestionaryAsker):
    """QuestionaryAsker that types each prompt's keys into the pipe just before asking."""

    def __init__(self, pipe, steps: Sequence[tuple[str, Keys]]):
        self.output = io.StringIO()
        super().__init__(Console(file=self.output, width=120, highlight=False))
        self.pipe = pipe
        self.steps = list(steps)
        self.asked: list[str] = []

    @property
    def screen(self) -> str:
        return self.output.getvalue()

    def _feed(self, message: str, **prompt: Any) -> None:
        self.asked.append(message)
        assert self.steps, f"the test has no keys for the prompt {message!r}"
        expected, keys = self.steps.pop(0)
        assert expected.casefold() in message.casefold(), (
            f"expected a prompt about {expected!r}, but was asked {message!r} "
            f"(asked so far: {self.asked})"
        )
        if keys is CLOSE:
            self.pipe.close()
            return
        self.pipe.send_text(keys(prompt) if callable(keys) else keys)

    def select(self, message, choices, *, help="", default=None, back=False, numbered=True):
        self._feed(message, choices=choices, back=back, default=default, numbered=numbered)
        return super().select(
            message, choices, help=help, default=default, back=back, numbered=numbered
        )

    def checkbox(self, message, choices, *, help="", default=(), back=False):
        self._feed(message, choices=choices, back=back, default=list(default))
        return super().checkbox(message, choices, help=help, default=default, back=back)

    def text(self, message, *, help="", default="", back=False, kind="text"):
        self._feed(message, default=default, back=back)
        return super().text(message, help=help, default=default, back=back, kind=kind)

    def confirm(self, message, *, default=True):
        self._feed(message)
        return super().confirm(message, default=default)

    def password(self, message):
        self._feed(message)
        return super().password(message)


def drive(steps, run: Callable[[KeyedAsker], Any], kind=None) -> tuple[Any, KeyedAsker]:
    """Run ``run(asker)`` with the real prompts reading the keys of ``steps`` (``kind``: a
    KeyedAsker subclass)."""
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        asker = (kind or KeyedAsker)(pipe, steps)
        result = run(asker)
    assert not asker.steps, f"keys left over, never asked: {asker.steps}"
    return result, asker


# --- the screens of a decision, as steps -------------------------------------------------


def who(name: str = SAM, case_ref: str = "C-1042") -> list:
    return [
        ("Who is taking this decision", pick(name)),
        (f"Passphrase for {name}", typed(PASSPHRASES[name])),
        ("Case reference", typed(case_ref)),
    ]


NOT_URGENT = [("immediate danger", pick("no"))]
PURPOSE = [
    ("legitimate purpose", pick("yes")),
    ("What is the purpose", typed("To keep the child safe from harm at home.")),
]
TO_CONSENT = PURPOSE + [
    ("identified", pick("yes")),
    ("Is the information confidential", pick("yes")),
]
RIGHT_WAY = [
    ("What will be shared", typed("Dated observations of bruising and the body map.")),
    ("Who will receive it", typed("Children's Social Care front door")),
    ("recipient's role", typed("Duty social worker")),
    ("How will it be shared", pick("referral_form")),
    ("necessary for the purpose", pick("yes")),
    ("proportionate", pick("yes")),
    ("only relevant", pick("yes")),
    ("adequate", pick("yes")),
    ("accurate and up to date", pick("yes")),
    ("only with those who need to know", pick("yes")),
    ("shared securely", pick("yes")),
    ("shared in time", pick("yes")),
    ("When will it be", typed("2026-11-26")),
]
# Whether the parent or carer will be told is asked only where consent was not given.
PARENT_TOLD = [
    ("parent or carer be told", pick("no")),
    ("Why not, or when", typed("Social care asked us not to tell them yet.")),
]
REFUSED = [
    ("consent to share", pick("refused")),
    ("What happened", typed("Parent refused when asked on Monday.")),
    ("statutory duty", pick("no")),
    ("sufficient public interest", tick("evidence_of_harm")),
    ("Explain your judgement", typed("Repeated unexplained bruising, recorded three times.")),
]
CONFIRM = [("Is this record right", pick("confirm"))]


def cosign(verdict: str = "agree", comment: str = "", name: str = PRIYA) -> list:
    return [
        ("which manager is co-signing", pick(name)),
        (f"Passphrase for {name}", typed(PASSPHRASES[name])),
        ("Do you agree", pick(verdict)),
        ("Your comment", typed(comment)),
    ]


SCREENS_BY_OUTCOME = {
    "share": NOT_URGENT + TO_CONSENT + [("consent to share", pick("given"))] + RIGHT_WAY,
    "share_without_consent": NOT_URGENT + TO_CONSENT + REFUSED + RIGHT_WAY + PARENT_TOLD,
    "do_not_share": NOT_URGENT
    + [
        ("legitimate purpose", pick("no")),
        ("What is the purpose", typed("The request was out of curiosity only.")),
    ],
    "seek_advice": NOT_URGENT
    + [
        ("legitimate purpose", pick("not_sure")),
        ("What is the purpose", typed("Unclear whether the concern is enough.")),
        ("Who are you asking", typed(SEEK_ADVICE_RECORD["advisor"])),
        ("When did you ask", typed(SEEK_ADVICE_RECORD["asked_on"])),
        ("What have you been advised", typed(SEEK_ADVICE_RECORD["advice"])),
    ],
}
