"""An export is signed as a whole by whoever exported it (issue 11, class 4).

Every attack here is made on a real export of a real log (SQLite in a tmp dir, `export`
run as Alex with her passphrase), then checked with `verify --export` as someone would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.ledger_attacks import run_cli
from support.people import ALEX, PASSPHRASES

from infoshare_cli.integrity.exports import verify_export
from infoshare_cli.ledger import crypto

TEXT_FORMATS = ("json", "jsonl")


@pytest.fixture(scope="module")
def exports(tmp_path_factory, _template_log):
    """A log with corrections, and one export of it in each format."""
    from support.review_log import build_review_log

    folder = tmp_path_factory.mktemp("signed-exports")
    log = folder / "log.sqlite3"
    shutil.copy(_template_log, log)
    log.chmod(0o600)
    build_review_log(log)
    made = {}
    for fmt in ("json", "jsonl", "csv", "md", "html"):
        out = folder / f"export.{fmt}"
        result = run_cli(
            log, "export", "--by", ALEX, "--format", fmt, "-o", out, input=PASSPHRASES[ALEX] + "\n"
        )
        assert result.exit_code == 0, result.output
        made[fmt] = out
    return log, made


@pytest.fixture
def copy_of(exports, tmp_path):
    """A fresh copy of one export (and its manifest, if it has one) to attack."""

    def make(fmt: str) -> Path:
        source = exports[1][fmt]
        dest = tmp_path / source.name
        shutil.copy(source, dest)
        manifest = source.with_name(source.name + ".manifest.json")
        if manifest.exists():
            shutil.copy(manifest, dest.with_name(dest.name + ".manifest.json"))
        return dest

    return make


def read(path: Path) -> dict:
    """A JSON or JSONL export as one dict of the JSON shape (the signature at the top level)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    lines = [json.loads(line) for line in text.splitlines()]
    data = {k: v for k, v in lines[0].items() if k != "type"}
    data["decisions"] = [{k: v for k, v in d.items() if k != "type"} for d in lines[1:-1]]
    data["count"] = lines[-1]["count"]
    data["signature"] = lines[-1]["signature"]
    return data


def write(path: Path, data: dict) -> None:
    """Write the edited export back as an attacker would, in its own format."""
    if path.suffix == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    header = {k: v for k, v in data.items() if k not in ("decisions", "count", "signature")}
    lines = [{"type": "header", **header}]
    lines += [{"type": "decision", **d} for d in data["decisions"]]
    lines.append({"type": "footer", "count": data["count"], "signature": data["signature"]})
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")


def verify_cli(path: Path, *args: str):
    return run_cli(path.parent / "no-log-needed", "verify", "--export", path, *args)


def failed(path: Path, *args: str) -> str:
    """`verify --export` fails: its output (the person's view)."""
    result = verify_cli(path, *args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "does NOT verify" in result.stdout
    return result.stdout


# --- untouched exports pass, and say who signed them ---------------------------------------


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_an_untouched_json_export_is_signed_by_its_exporter(copy_of, fmt):
    path = copy_of(fmt)
    report = verify_export(path)
    assert report.ok, [p.message for p in report.problems]
    assert report.exporter is not None and report.exporter.name == ALEX
    result = verify_cli(path)
    assert result.exit_code == 0, result.output
    assert f"Signed as a whole by {ALEX}" in result.stdout
    out = json.loads(verify_cli(path, "--json").stdout)
    assert out["ok"] is True and out["signed_by"]["name"] == ALEX


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_reformatting_a_json_export_keeps_it_valid(copy_of, fmt):
    """What is signed is the content, not the spacing: an export re-saved by an editor that
    re-indents it is still the same export."""
    path = copy_of(fmt)
    write(path, read(path))
    assert verify_export(path).ok


# --- the attacks ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_a_decision_dropped_and_its_count_fixed_is_caught(copy_of, fmt):
    path = copy_of(fmt)
    data = read(path)
    del data["decisions"][1]
    data["count"] = len(data["decisions"])
    write(path, data)
    out = failed(path)
    assert "signed it holding 5" in out and "count was changed by hand" in out
    assert "decisions were removed from it or added to it" in out
    messages = [p.message for p in verify_export(path).problems]
    assert any("are not the ones Alex Morgan signed" in m for m in messages)


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_a_decision_dropped_and_the_signed_count_fixed_too_is_caught(copy_of, fmt):
    path = copy_of(fmt)
    data = read(path)
    del data["decisions"][0]
    data["count"] = data["signature"]["count"] = len(data["decisions"])
    write(path, data)
    out = failed(path)
    assert "signature of Alex Morgan, who exported it, does not match" in out


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_a_dropped_correction_is_caught(copy_of, fmt):
    path = copy_of(fmt)
    data = read(path)
    corrected = next(d for d in data["decisions"] if d["corrections"])
    corrected["corrections"] = []
    corrected["entries"] = [e for e in corrected["entries"] if e["kind"] != "correction"]
    corrected["corrected"] = False
    write(path, data)
    out = failed(path)
    assert "decisions are not the ones Alex Morgan signed" in out
    assert "a correction was removed" in out


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_the_signature_removed_is_caught(copy_of, fmt):
    path = copy_of(fmt)
    data = read(path)
    del data["signature"]
    if fmt == "json":
        write(path, data)
    else:  # the footer without its signature
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[-1] = json.dumps({"type": "footer", "count": data["count"]}) + "\n"
        path.write_text("".join(lines), encoding="utf-8")
    out = failed(path)
    assert "not signed as a whole by the person who exported it" in out


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["filters"].__setitem__("outcome", "share"),
        lambda d: d["head"].__setitem__("seq", d["head"]["seq"] + 1),
        lambda d: d.__setitem__("exported_at", "2025-01-01T00:00:00.000000Z"),
        lambda d: d.__setitem__("note", "added by hand"),
        lambda d: d["public_keys"].pop(),
    ],
    ids=["filters", "head", "time", "added-field", "key-removed"],
)
def test_an_edited_header_is_caught(copy_of, edit):
    path = copy_of("json")
    data = read(path)
    edit(data)
    write(path, data)
    assert "does not match the export" in failed(path)


def _resign_entries(data: dict) -> dict:
    """Give every member of staff a new key, list it in the export, and sign every entry
    again with it: what someone holding the file but no passphrase can do."""
    new = {}
    for record in data["public_keys"]:
        key = new.setdefault(record["staff_id"], crypto.generate_private_key())
        record["public_key"] = crypto.public_key_b64(key)
    for decision in data["decisions"]:
        for entry in decision["entries"]:
            entry["signature"] = crypto.sign(new[entry["actor"]], bytes.fromhex(entry["hash"]))
    return new


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_entries_re_signed_with_new_keys_listed_in_the_export_are_caught(copy_of, fmt):
    """Every entry checks against the keys the export now lists; the exporter's signature
    over the list of keys does not."""
    path = copy_of(fmt)
    data = read(path)
    _resign_entries(data)
    write(path, data)
    report = verify_export(path)
    assert all(p.seq is None for p in report.problems)  # every entry checks out on its own
    assert "signature of Alex Morgan, who exported it, does not match" in failed(path)


def test_a_signature_made_by_another_member_of_staff_is_caught(copy_of, exports):
    """An insider (Priya, with her own passphrase) cuts a decision out of Alex's export and
    signs it as a whole herself: the export still names Alex as its exporter."""
    from support.ledger_attacks import sign_export, signer_for
    from support.people import PRIYA

    path = copy_of("json")
    data = read(path)
    del data["decisions"][2]
    data["count"] = len(data["decisions"])
    sign_export(data, signer_for(exports[0], PRIYA))
    write(path, data)
    assert f"names 'Alex Morgan' as the person who exported it, but {PRIYA} signed it" in (
        failed(path)
    )
