"""Every screen reads correctly from 60 to 200 columns: words are never broken, lines fit.

The screens are read as a person would see them, at 60, 80 and 120 columns.
"""

from __future__ import annotations

import re

import pytest
from support.people import PRIYA, SAM

WIDTHS = (60, 80, 120)
# Words the screens print that must never be split across lines.
WHOLE = ("co-signature", "Priya", "Shah", "Outcome", "Decided", "corrected", "without", "consent")


@pytest.fixture
def review_log(built_review_log):
    log, built = built_review_log
    return log, built.ids


def broken_words(screen: str) -> list[str]:
    """Words of WHOLE that appear cut across a line end ("co-signatur" then "e")."""
    lines = [line.rstrip() for line in screen.splitlines()]
    found = []
    for word in WHOLE:
        for cut in range(1, len(word)):
            head, tail = word[:cut], word[cut:]
            for above, below in zip(lines, lines[1:], strict=False):
                cut_here = re.search(rf"{re.escape(head)}$", above) and re.match(
                    rf"\W*{re.escape(tail)}\b", below.strip()
                )
                if cut_here and not above.endswith(word):
                    found.append(f"{head}|{tail}")
    return found


def too_wide(screen: str, width: int) -> list[str]:
    return [line for line in screen.splitlines() if len(line) > width]


@pytest.mark.parametrize("width", WIDTHS)
def test_log_reads_at_every_width(cli, review_log, monkeypatch, width):
    log, ids = review_log
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("log", db=log.path)
    assert result.exit_code == 0, result.output
    screen = result.stdout
    assert broken_words(screen) == []
    assert too_wide(screen, width) == []
    for whole in ("awaiting co-signature", "not agreed", PRIYA, SAM, "C-1042"):
        assert whole in screen
    # where a decision stands comes before its outcome
    awaiting = screen.index("awaiting")
    assert awaiting < screen.index("Do not share", awaiting)


@pytest.mark.parametrize("width", WIDTHS)
def test_show_reads_at_every_width(cli, review_log, monkeypatch, width):
    log, ids = review_log
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("show", f"e{ids['agreed_corrected']}", db=log.path)
    assert result.exit_code == 0, result.output
    assert too_wide(result.stdout, width) == []
    assert broken_words(result.stdout) == []


def test_the_check_finds_a_broken_word():
    assert broken_words("awaiting co-signatur\ne here") == ["co-signatur|e"]
    assert broken_words("awaiting co-signature\nhere") == []


@pytest.mark.parametrize("width", WIDTHS)
def test_show_uses_the_question_sets_words_not_internal_ids(cli, review_log, monkeypatch, width):
    log, ids = review_log
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("show", f"e{ids['superseded']}", db=log.path)  # seek advice: it has details
    assert result.exit_code == 0, result.output
    screen = result.stdout
    for internal in ("(advisor)", "(asked_on)", "(advice)", "asked_on"):
        assert internal not in screen
    flat = " ".join(screen.split())
    assert "Who are you asking for advice" in flat
    # in the order they were asked: who, when, what
    assert flat.index("Who are you asking") < flat.index("When did you ask")
    assert too_wide(screen, width) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_golden_rules_are_whole_at_every_width(cli, monkeypatch, width):
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("rules")
    assert result.exit_code == 0, result.output
    assert "The golden rules" in result.output
    flat = " ".join(result.output.replace("│", " ").split())
    assert "Information sharing: advice for practitioners" in flat  # not cut off in a title
    assert too_wide(result.output, width) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_stats_read_at_every_width(cli, review_log, monkeypatch, width):
    log, _ = review_log
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("stats", db=log.path)
    assert result.exit_code == 0, result.output
    screen = result.stdout
    assert too_wide(screen, width) == []
    assert broken_words(screen) == []
    assert "…" not in screen  # no heading squeezed to "S…"
    flat = " ".join(screen.split())
    assert "Share without consent" in flat and "Seek advice first" in flat


@pytest.mark.parametrize("width", WIDTHS)
def test_pending_reads_at_every_width(cli, review_log, monkeypatch, width):
    log, ids = review_log
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("pending", db=log.path)
    assert result.exit_code == 0, result.output
    screen = result.stdout
    assert too_wide(screen, width) == []
    assert broken_words(screen) == []
    assert "…" not in screen  # the date is never cut to "2026-11…"
    assert re.search(r"\d{4}-\d{2}-\d{2}", screen) and re.search(r"\d{2}:\d{2}", screen)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_line_left_after_each_answer_wraps_at_words(width):
    """questionary left "? Question  answer" as one line the terminal folded mid-word; the
    asker prints it again through rich, so it wraps at words at every width."""

    from rich.console import Console
    from support.prompt_driver import KeyedAsker, drive, pick, typed

    class Narrow(KeyedAsker):
        def __init__(self, pipe, steps):
            super().__init__(pipe, steps)
            self.console = Console(file=self.output, width=width, highlight=False)

    label = (
        "No, consent was not sought, for a good reason (asking would put a child or others "
        "at risk, hamper an investigation, or cause undue delay)"
    )
    reason = "Repeated unexplained bruising, recorded three times by two practitioners."

    def run(asker):
        picked = asker.select("Do you have consent to share?", [("not_sought", label)])
        typed_reason = asker.text("Explain your judgement.", kind="reason")
        return picked, typed_reason

    (picked, typed_reason), asker = drive(
        [("consent", pick("not_sought")), ("judgement", typed(reason))], run, kind=Narrow
    )
    assert (picked, typed_reason) == ("not_sought", reason)
    screen = asker.screen
    assert too_wide(screen, width) == []
    flat = " ".join(screen.split())
    assert f"? Do you have consent to share? {label}" in flat
    assert f"? Explain your judgement. {reason}" in flat
    words = set(re.findall(r"[A-Za-z]{4,}", label + " " + reason))
    lines = [line.rstrip() for line in screen.splitlines()]
    for above, below in zip(lines, lines[1:], strict=False):
        last = re.sub(r"\W", "", (above.split() or [""])[-1])
        first = re.sub(r"\W", "", (below.split() or [""])[0])
        cut = bool(last and first) and last + first in words and last not in words
        assert not cut, f"a word cut across {above!r} / {below!r}"
