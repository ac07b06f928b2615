"""Printable records and HTML/Markdown exports from Jinja2 templates, built in or the setting's.

The built-in templates give, byte for byte, the records infoshare printed before templates
(the golden files in tests/data/printable were written by that code). A setting's own
template can add a letterhead; whatever it does, what people typed stays escaped, and a
broken template is a plain message naming the file and line, never a traceback.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from support.people import ALEX, PASSPHRASES
from support.review_log import SCRIPT

from infoshare_cli.errors import InfoshareError
from infoshare_cli.outputs.documents import printable_record
from infoshare_cli.outputs.templating import Printable

GOLDEN = Path(__file__).parent / "data" / "printable"
PASS = PASSPHRASES[ALEX] + "\n"

SETTING = "Acorns & <Co>"
NASTY = "line one\n# heading? <b>x</b> & 'q' \"d\" *star* _u_ [l](x) |t| ~s~ \x1b[31m\n- list"
# A review dict as reading.queries gives it, with something awkward in every typed field.
REVIEW = {
    "number": 6,  # the decision's number, as people name it
    "id": 12,  # its entry's seq
    "case_ref": "C-1042 <i>",
    "recorded_at": "2026-11-20T10:00:00.000000Z",
    "question_set": {"name": "Set <x>", "version": "1*"},
    "status": "corrected",
    "outcome": "share",
    "basis": ["consent", NASTY],
    "urgent": True,
    "answers": {
        "purpose": {"answer": "yes", "reason": NASTY},
        "unknown_q": {"answer": ["a", None]},
        "right_way": {"answer": {"necessary": "yes", "what": {"answer": NASTY, "reason": "r"}}},
    },
    "outcome_record": {"advice_from": {"answer": NASTY, "reason": "x"}},
    "decided_by": "Sam <Lee>",
    "cosignatures": [
        {"id": 13, "by": "Priya", "recorded_at": "2026-11-20T11:00:00Z", "verdict": "disagree",
         "comment": NASTY},
        {"id": 14, "by": "Jo", "recorded_at": "2026-11-20T12:00:00Z", "verdict": "agree",
         "comment": ""},
    ],
    "corrections": [
        {"id": 15, "by": "Alex", "recorded_at": "2026-11-21T09:30:00Z", "wrong": NASTY,
         "right": None, "why": "slip"},
    ],
    "revisits": 3,
    "revisits_number": 2,
    "revisited_by": [20],
    "revisited_by_numbers": [9],
}  # fmt: skip
VERIFIED = {12: True, 13: False, 14: True}  # 15 not checked


@pytest.fixture
def utc_times(monkeypatch):
    """Times as stored, so the golden files do not depend on the computer's time zone."""
    monkeypatch.setattr(
        "infoshare_cli.reading.records.local_time", lambda s: s[:16].replace("T", " ")
    )


@pytest.fixture
def review_log(built_review_log):
    log, built = built_review_log
    return log, built.numbers


def template(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class Tags(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


LETTERHEAD = """{% extends "page.html" %}
{% block letterhead %}
<p class="letterhead">Little Acorns Nursery, 1 Oak Lane, Leeds</p>
{% endblock %}
"""


# --- the built-in templates ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_built_in_templates_give_the_records_printed_before_templates(qset, utc_times, fmt):
    expected = (GOLDEN / f"record.{fmt}").read_text(encoding="utf-8")
    assert printable_record(qset, REVIEW, fmt, setting=SETTING, verified=VERIFIED) == expected


def test_built_in_html_escapes_every_typed_field(qset, utc_times):
    page = printable_record(qset, REVIEW, "html", setting=SETTING, verified=VERIFIED)
    parsed = Tags(page)
    assert "i" not in parsed.tags and "b" not in parsed.tags
    assert "\x1b" not in page and "C-1042 &lt;i&gt;" in page
    assert "Sam &lt;Lee&gt;" in page and "SIGNATURE DOES NOT VERIFY" in page


# --- a setting's own template ----------------------------------------------------------------


def test_show_with_a_letterhead_template(cli, review_log, tmp_path):
    log, ids = review_log
    own = template(tmp_path, "letterhead.html", LETTERHEAD)
    args = ("show", ids["agreed_corrected"], "--format", "html", "--template", own)
    result = cli(*args, db=log.path)
    assert result.exit_code == 0, result.output
    page = result.stdout
    built_in = cli(*args[:4], db=log.path).stdout
    assert page == built_in.replace(
        "<body>\n", '<body>\n<p class="letterhead">Little Acorns Nursery, 1 Oak Lane, Leeds</p>\n'
    )
    assert "script" not in Tags(page).tags and SCRIPT in "".join(Tags(page).text)


def test_export_with_a_letterhead_template(cli, review_log, tmp_path):
    log, ids = review_log
    own = template(tmp_path, "letterhead.html", LETTERHEAD)
    out = tmp_path / "e.html"
    result = cli(
        "export", "--by", ALEX, "--out", out, "--format", "html", "--template", own,
        input=PASS, db=log.path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    parsed = Tags(page)
    assert page.count("Little Acorns Nursery, 1 Oak Lane, Leeds") == 1
    assert parsed.tags.count("article") == len(ids) and "script" not in parsed.tags
    assert "5 decisions exported." in page


def test_a_markdown_template_escapes_values_and_the_md_filter_once(cli, review_log, tmp_path):
    log, ids = review_log
    own = template(
        tmp_path,
        "brief.md",
        "Our letterhead\n{% for d in decisions %}\n"
        "* {{ d.id }}: {{ d.corrections[0].parts[2][1] }} / {{ d.setting|md }}\n{% endfor %}\n",
    )
    result = cli("show", ids["agreed_corrected"], "--format", "md", "--template", own, db=log.path)
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"Our letterhead\n* {ids['agreed_corrected']}: Typing slip "
        "\\<script\\>alert('typed')\\</script\\> / Little Acorns Nursery\n"
    )


def test_autoescape_cannot_be_switched_off(qset, tmp_path):
    own = template(
        tmp_path,
        "raw.html",
        "{% autoescape false %}{% for d in decisions %}{{ d.case_ref }}|{{ d.case_ref|e }}|"
        '{{ [d.case_ref, "<i>"]|join(",") }}{% endfor %}{% endautoescape %}\n',
    )
    page = printable_record(qset, REVIEW, "html", setting=SETTING, template=Printable("html", own))
    assert page == "C-1042 &lt;i&gt;|C-1042 &lt;i&gt;|C-1042 &lt;i&gt;,&lt;i&gt;"
    own = template(
        tmp_path, "safe.html", "{% for d in decisions %}{{ d.case_ref|safe }}{% endfor %}"
    )
    with pytest.raises(InfoshareError, match=r"safe.html, line 1: .*always escaped"):
        Printable("html", own)


# --- broken templates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Hello\n{% if x %}\n{{ d.id }\n", r"syntax.html, line 3: unexpected '}'"),
        ('{% extends "page.html" %}\n{% block letterhead %}\n{{ logo }}\n{% endblock %}\n',
         r"syntax.html, line 3: 'logo' is undefined"),
        ("{% for d in decisions %}\n{{ d.nope }}{% endfor %}",
         r"syntax.html, line 2: 'PrintedDecision object' has no attribute 'nope'"),
        ("{% for d in decisions %}{{ d.id.__class__ }}{% endfor %}",
         r"line 1: access to attribute '__class__' of 'int' object is unsafe"),
        ('{% extends "letterhead.html" %}',
         "line 1: there is no built-in template called 'letterhead.html' (there are page.html"),
    ],
)  # fmt: skip
def test_a_broken_template_is_a_plain_message_naming_the_line(
    cli, review_log, tmp_path, text, message
):
    log, ids = review_log
    own = template(tmp_path, "syntax.html", text)
    result = cli("show", ids["awaiting"], "--format", "html", "--template", own, db=log.path)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    # (an error found only as the record is filled in comes after the reader's passphrase)
    assert result.stderr.splitlines()[-1].startswith("Error: The template ")
    assert message in result.stderr.replace("\n", " ") or pytest.fail(result.stderr)
    assert "leave out --template" in result.stderr


def test_an_error_never_repeats_what_the_log_holds(qset, tmp_path):
    own = template(tmp_path, "leak.html", "{% for d in decisions %}{{ d[d.case_ref] }}{% endfor %}")
    with pytest.raises(InfoshareError) as caught:
        printable_record(qset, REVIEW, "html", setting=SETTING, template=Printable("html", own))
    assert "C-1042" not in str(caught.value)
    assert "leak.html, line 1: it uses a name or a field that does not exist" in str(caught.value)
    own = template(
        tmp_path, "num.html", "{% for d in decisions %}{{ d.case_ref|int + [] }}{% endfor %}"
    )
    with pytest.raises(InfoshareError, match="num.html, line 1: TypeError"):
        printable_record(qset, REVIEW, "html", setting=SETTING, template=Printable("html", own))


def test_a_broken_template_stops_an_export_before_anything_is_written(cli, review_log, tmp_path):
    log, _ = review_log
    before = log.count()
    out = tmp_path / "e.html"
    syntax = template(tmp_path, "bad.html", "{% for d in decisions %}")
    result = cli(
        "export", "--by", ALEX, "--out", out, "--format", "html", "--template", syntax,
        input=PASS, db=log.path,
    )  # fmt: skip
    assert result.exit_code == 1 and "bad.html, line 1" in result.stderr
    assert "Passphrase" not in result.output  # found before anyone types a passphrase
    undefined = template(tmp_path, "late.html", "{% for d in decisions %}{{ d.x }}{% endfor %}")
    result = cli(
        "export", "--by", ALEX, "--out", out, "--format", "html", "--template", undefined,
        input=PASS, db=log.path,
    )  # fmt: skip
    assert result.exit_code == 1 and "late.html, line 1" in result.stderr
    assert not out.exists() and list(tmp_path.glob("*.partial")) == []
    assert log.count() == before  # no export entry for an export that was not written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "md", "--template", "{dir}/own.html"),
         "own.html looks like an HTML template, but the format is md"),
        (("--format", "html", "--template", "{dir}/missing.html"), "No template file at"),
        (("--format", "html", "--template", "{dir}/binary.html"), "is not UTF-8 text"),
        (("--template", "{dir}/own.html"), "--template goes with --format md or --format html"),
    ],
)  # fmt: skip
def test_template_files_that_cannot_be_used(cli, review_log, tmp_path, args, message):
    log, ids = review_log
    template(tmp_path, "own.html", LETTERHEAD)
    (tmp_path / "binary.html").write_bytes(b"\xff\xfe{{")
    args = [a.format(dir=tmp_path) for a in args]
    result = cli("show", ids["awaiting"], *args, db=log.path)
    assert result.exit_code == 1 and message in result.stderr, result.stderr


def test_export_refuses_a_template_for_csv_and_json(cli, review_log, tmp_path):
    log, _ = review_log
    own = template(tmp_path, "own.html", LETTERHEAD)
    for fmt in ("csv", "json"):
        out = tmp_path / f"e.{fmt}"
        result = cli(
            "export", "--by", ALEX, "--out", out, "--format", fmt, "--template", own,
            input=PASS, db=log.path,
        )  # fmt: skip
        assert result.exit_code == 1
        assert "--template goes with --format md or --format html" in result.stderr
        assert not out.exists()
    exported = json.loads(cli("log", "--exports", "--json", db=log.path).stdout)
    assert exported == []
