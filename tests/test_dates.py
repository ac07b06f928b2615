"""The help for a date says what the one date rule accepts, and every form it names is read."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from infoshare_cli.domain.dates import DAY_WORDS, day_help, read_day

TODAY = date(2026, 11, 30)


def test_day_help_names_the_words_and_formats_it_accepts():
    text = day_help(TODAY)
    assert text == (
        "Type today, yesterday, 3 days ago, or a date as day/month/year (30/11/2026) or "
        "year-month-day (2026-11-30)."
    )


@pytest.mark.parametrize("typed", [*DAY_WORDS, *re.findall(r"\(([^)]+)\)", day_help(TODAY))])
def test_every_form_the_help_names_is_read(typed):
    assert read_day(typed, TODAY) is not None


def test_no_date_question_repeats_the_rule_in_its_own_help(qset):
    for question in qset.questions.values():
        for part in [question, *question.parts]:
            if part.type == "date":
                assert not part.help, f"{part.id}: the date help comes from day_help()"


@pytest.mark.parametrize(
    "typed, days",
    [("tomorrow", 1), ("3 days ago", -3), ("1 day ago", -1), ("2 weeks ago", -14)],
)
def test_words_for_a_day_count_from_today(typed, days):
    assert read_day(typed, TODAY) == TODAY + timedelta(days=days)
