"""The Markdown and HTML exports' fast path, held byte for byte to the plain one.

The exports read flat rows (``iter_export_decisions``, through
``json_export.document_reviews``, as the JSON exports read them) and render with a sandbox
that lets the templates read a printed decision's plain fields without checking each read,
escaping each text once (``outputs.templating``); the reference is the review dicts of
``iter_decisions`` rendered by tests/support/document_reference.py in Jinja2's own sandbox
with every value escaped afresh, as the exports did before. The two must agree byte for byte
over every status, corrections, revisits, self co-signatures, erased decisions, filters
and limits, payloads of odd shapes, quotes, line breaks, non-ASCII and NUL, with the
built-in templates and with a setting's own.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
import test_export_json_flat as json_flat
from support.document_reference import ReferencePage
from support.exporting import export_and_verify
from support.people import ALEX
from support.reading import read_as

from infoshare_cli.outputs.documents import WRITERS
from infoshare_cli.outputs.files import TextSink
from infoshare_cli.outputs.json_export import document_reviews
from infoshare_cli.outputs.templating import Printable
from infoshare_cli.reading.erasures import erased_decisions
from infoshare_cli.reading.filters import Filters, make_filters
from infoshare_cli.reading.queries import iter_decisions, iter_export_decisions, staff_names
from infoshare_cli.reading.question_sets import QuestionSets
from infoshare_cli.reading.register import setting_name
from infoshare_cli.reading.trust import KeyRing

# The logs the JSON exports' test holds its writers to (fixtures), and its filters.
tricky_log, sound_log = json_flat.tricky_log, json_flat.sound_log
FILTERS, TRICKY, _nothing = json_flat.FILTERS, json_flat.TRICKY, json_flat._nothing

# A setting's own template: a letterhead over the built-in page, and a whole page that
# reads every field of every decision, with the filters and plain Python values.
LETTERHEAD = """{% extends "page.html" %}
{% block letterhead %}<p>Oak ✓ "Nursery" & <Co></p>{% endblock %}
"""
OWN_PAGE = """{{ title }} {{ summary|length }}
{% for d in decisions %}
{{ d.id }} {{ d.setting }} {{ d.case_ref }} {{ d.recorded }} {{ d.question_set }}
{{ d.question_set_version }} {{ d.status|upper }} {{ d.outcome }} {{ d.basis }} {{ d.urgent }}
{% for row in d.answers + d.advice %}{{ row.question }}|{{ row.answer|FILTER }}|{{ row.reason }}
{{ row.level }}{% endfor %}
{% for s in d.signatures %}{{ s.text }} {{ s.word }} {{ s.ok }} {{ s.comment }}{% endfor %}
{{ d.awaiting }} {% for c in d.corrections %}{{ c.heading }} {{ c.word }} {{ c.ok }}
{% for t, x in c.parts %}{{ t }}: {{ x|FILTER }} {{ [x, 1] }} {% endfor %}{% endfor %}
{{ d.links|join(", ") }} {{ d.answers|length }} {{ d["case_ref"] }}
{% endfor %}
{{ decisions.count }}
"""


SETTING = 'Oak ✓ "Nursery" <b>\n# not a heading'


def _header(ledger, filters: Filters, setting: str) -> dict:
    head = ledger.head()
    return {
        "format": "infoshare-export/1",
        "setting": setting,
        "exported_at": "2026-11-30T06:00:00.000000Z",
        "exported_by": "Alex Morgan & co",
        "filters": filters.as_dict(),
        "head": {"seq": head.seq, "hash": head.hash} if head else None,
        "warning": 'a "b"\n# not a heading',
    }


def _both(ledger, qset, fmt, filters=None, limit=0, reader=ALEX, own=None, setting=SETTING):
    """(reference, export) documents as bytes, each with its count; erased decisions left
    out, as ``run_export`` leaves them out."""
    filters = filters or Filters()
    outs = []
    for fast in (False, True):
        raw = io.BytesIO()
        with read_as(ledger, reader) if reader else _nothing():
            erased = set(erased_decisions(ledger))
            names = staff_names(ledger)
            head = ledger.head()
            if fast:
                page: Any = Printable(fmt, own)
                rows = iter_export_decisions(ledger, filters, limit=limit)
                reviews = document_reviews((r for r in rows if r[0] not in erased), names)
            else:
                page = ReferencePage(fmt, own)
                reviews = iter_decisions(
                    ledger, filters, limit=limit, newest_first=False, with_entries=True
                )
                reviews = (r for r in reviews if r["id"] not in erased)
            count = WRITERS[fmt](
                TextSink(raw),
                reviews,
                header=_header(ledger, filters, setting),
                qset=qset,
                keyring=KeyRing(ledger, head.seq if head else 0),
                template=page,
                sets=QuestionSets(ledger, qset),
            )
        outs.append((count, raw.getvalue()))
    return outs


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_export_documents_match_the_plain_environment_byte_for_byte(tricky_log, qset, fmt):
    found: dict[str, int] = {}
    with tricky_log.open() as ledger:
        for given in FILTERS:
            filters = make_filters(**given)
            for limit in (0, 1, 4):
                (n_plain, plain), (n_fast, fast) = _both(ledger, qset, fmt, filters, limit)
                assert n_plain == n_fast
                assert fast == plain, (given, limit)
                found[str(given)] = max(found.get(str(given), 0), n_fast)
        (count, whole), _ = _both(ledger, qset, fmt)
    assert all(found.values()), found  # every filter finds some decisions
    assert count == len(TRICKY) * 2 + 2 + 1 + 1 + 1 + 4  # the erased one left out
    text = whole.decode("utf-8")
    escaped = "&quot;no&quot;" if fmt == "html" else 'say "no"'
    for needle in (escaped, "é ✓ 𝄞", "C-KEPT", "Correction by", "Takes decision",
                   "SIGNATURE DOES NOT VERIFY", "signature verifies",
                   "Awaiting co-signature"):  # fmt: skip
        assert needle in text, needle
    assert "C-GONE" not in text and "C-LOST" not in text


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_export_documents_match_when_nothing_opens(tricky_log, qset, fmt):
    with tricky_log.open() as ledger:
        (n_plain, plain), (n_fast, fast) = _both(ledger, qset, fmt, reader=None)
    assert n_plain == n_fast and fast == plain and b"C-KEPT" not in fast


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("html", LETTERHEAD),
        ("html", OWN_PAGE.replace("FILTER", "e")),
        ("md", OWN_PAGE.replace("FILTER", "md")),
    ],
)
def test_a_settings_own_template_matches_the_plain_environment(
    tricky_log, qset, tmp_path, fmt, text
):
    own = tmp_path / f"own.{fmt}"
    own.write_text(text, encoding="utf-8")
    with tricky_log.open() as ledger:
        (n_plain, plain), (n_fast, fast) = _both(ledger, qset, fmt, own=own)
    assert n_plain == n_fast > 0 and fast == plain
    assert b"C-KEPT" in fast


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_exported_document_verifies_and_matches_the_plain_one(
    cli, sound_log, qset, tmp_path, fmt
):
    """Through the command: ``verify --export`` passes the file, and its decisions are the
    plain environment's, byte for byte (the summary differs: the time of exporting)."""
    written = export_and_verify(cli, sound_log.path, fmt, tmp_path / f"all.{fmt}")
    with sound_log.open() as ledger:
        setting = setting_name(ledger)
        (n_plain, plain), (n_fast, _) = _both(ledger, qset, fmt, setting=setting)
    assert n_plain == n_fast == len(TRICKY)
    first = b"<article>" if fmt == "html" else b"\n---\n"
    assert written[written.index(first) :] == plain[plain.index(first) :]
    assert b"C-GONE" not in written
