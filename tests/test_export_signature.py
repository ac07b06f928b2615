"""An export is signed as a whole by whoever exported it (issue 11, class 4).

Every attack here is made on a real export of a real log (SQLite in a tmp dir, `export`
run as Alex with her passphrase), then checked with `verify --export` as someone would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.ledger_attacks import run_cli, take_anchor
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
    # An anchor, kept off the computer, taken before anything was exported.
    made = {"anchor": take_anchor(log)["anchor"]}
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
        assert isinstance(source, Path)
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
    details = [p.detail for p in verify_export(path).problems]
    assert (
        "its decisions are not the ones Alex Morgan signed when exporting: a decision, a "
        "co-signature or a correction was removed, added, reordered or changed since."
    ) in details


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


# --- CSV, Markdown and HTML: the signed manifest beside them -------------------------------

MANIFESTED = ("csv", "md", "html")


def manifest_of(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


@pytest.mark.parametrize("fmt", MANIFESTED)
def test_an_untouched_export_matches_its_signed_manifest(copy_of, fmt):
    path = copy_of(fmt)
    manifest = json.loads(manifest_of(path).read_text(encoding="utf-8"))
    assert manifest["format"] == "infoshare-export-manifest/1"
    assert (manifest["export_format"], manifest["count"], manifest["file"]) == (fmt, 5, path.name)
    report = verify_export(path)
    assert report.ok, [p.message for p in report.problems]
    assert report.exporter.name == ALEX and report.decisions == 5
    result = verify_cli(path)
    assert result.exit_code == 0, result.output
    assert f"exactly as {ALEX} exported it" in result.stdout
    assert "matches its signed manifest byte for byte" in result.stdout
    assert "no filters (every decision)" in result.stdout


def test_json_exports_carry_their_signature_and_get_no_manifest(exports):
    assert exports[1]["anchor"].startswith("infoshare-anchor:v2:")
    assert not manifest_of(exports[1]["json"]).exists()
    assert not manifest_of(exports[1]["jsonl"]).exists()


def test_one_csv_cell_edited_is_caught(copy_of):
    path = copy_of("csv")
    text = path.read_text(encoding="utf-8")
    assert '"share"' in text or "Share" in text
    edited = text.replace("Do not share", "Share", 1) if "Do not share" in text else None
    edited = edited or text.replace('"share"', '"do_not_share"', 1)
    assert edited != text
    path.write_text(edited, encoding="utf-8")
    out = failed(path)
    assert "its SHA-256 does not match the one signed in export.csv.manifest.json" in out


def test_one_html_byte_changed_is_caught(copy_of):
    path = copy_of("html")
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] = data[middle] ^ 0x01
    path.write_bytes(bytes(data))
    assert "SHA-256 does not match" in failed(path)


@pytest.mark.parametrize("fmt", MANIFESTED)
def test_a_deleted_manifest_is_caught(copy_of, fmt):
    path = copy_of(fmt)
    manifest_of(path).unlink()
    out = failed(path)
    assert (
        f"Its signed manifest ({path.name}.manifest.json) is not beside it, so nothing about "
        "this file can be proven: it may have been changed. If the manifest was moved or "
        "renamed, give it with --manifest PATH."
    ) in " ".join(out.split())


def test_an_encrypted_file_without_its_manifest_says_how_to_check_it(tmp_path):
    """An age file cannot be read as an export: without its manifest the person is told to
    give the manifest, or to open the file with the age tool first, and how."""
    locked = tmp_path / "e.json.age"
    locked.write_bytes(b"age-encryption.org/v1\n-> scrypt c2FsdA 18\nbody\n")
    result = verify_cli(locked)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert (
        "e.json.age is encrypted (age format), and its signed manifest "
        "(e.json.age.manifest.json) is not beside it, so it cannot be checked as it is. Give "
        "the manifest with --manifest PATH, or open the file first with the age tool, for "
        "example: age -d -o opened.json e.json.age (it asks for the file's passphrase), then "
        "check the opened file."
    ) in " ".join(result.output.split())


def test_a_manifest_from_another_export_is_caught(copy_of, exports):
    csv_path, md_path = copy_of("csv"), copy_of("md")
    shutil.copy(manifest_of(md_path), manifest_of(csv_path))  # the md's manifest, renamed
    out = failed(csv_path)
    assert "the manifest belongs to another export" in out
    assert "The manifest is for export.md" in out
    # and given by hand with --manifest, the same
    other = manifest_of(exports[1]["csv"])
    assert "SHA-256 does not match" in failed(md_path, "--manifest", str(other))


def test_two_exports_with_their_manifests_swapped_are_both_caught(copy_of):
    md_path, html_path = copy_of("md"), copy_of("html")
    md_manifest, html_manifest = manifest_of(md_path), manifest_of(html_path)
    saved = md_manifest.read_bytes()
    md_manifest.write_bytes(html_manifest.read_bytes())
    html_manifest.write_bytes(saved)
    assert "SHA-256 does not match" in failed(md_path)
    assert "SHA-256 does not match" in failed(html_path)


def test_a_moved_manifest_is_found_with_the_manifest_option(copy_of, tmp_path):
    path = copy_of("csv")
    moved = tmp_path / "kept-elsewhere.json"
    manifest_of(path).rename(moved)
    result = verify_cli(path, "--manifest", str(moved))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.__setitem__("count", m["count"] - 1),
        lambda m: m["filters"].__setitem__("outcome", "share"),
        lambda m: m["public_keys"].pop(),
        lambda m: m.__setitem__("warning", None),
    ],
    ids=["count", "filters", "keys", "added-field"],
)
def test_an_edited_manifest_is_caught(copy_of, edit):
    path = copy_of("csv")
    manifest = json.loads(manifest_of(path).read_text(encoding="utf-8"))
    edit(manifest)
    manifest_of(path).write_text(json.dumps(manifest), encoding="utf-8")
    assert "does not match export.csv.manifest.json" in failed(path)


def test_an_edited_csv_with_its_fingerprint_put_in_the_manifest_is_caught(copy_of):
    """The obvious next step for someone who edits the CSV: put its new SHA-256 in the
    manifest. The exporter's signature covers the fingerprint."""
    import hashlib

    path = copy_of("csv")
    path.write_bytes(path.read_bytes().replace(b"Little", b"Large", 1) + b"\r\n")
    manifest = json.loads(manifest_of(path).read_text(encoding="utf-8"))
    manifest["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_of(path).write_text(json.dumps(manifest), encoding="utf-8")
    assert "signature of Alex Morgan, who exported it, does not match" in failed(path)


def test_a_manifest_is_not_an_export_and_says_so(copy_of):
    path = copy_of("csv")
    manifest_of(path).write_text("[1, 2]", encoding="utf-8")
    result = verify_cli(path)
    assert result.exit_code == 1 and "is not an infoshare export manifest" in result.stderr
    assert "Traceback" not in result.output


# --- forged from start to finish with new keys: only an anchor can tell ---------------------


def _forge_json(path: Path) -> None:
    """New keys for everyone, every entry and the whole export signed again with them."""
    from support.ledger_attacks import Forger, sign_export

    data = read(path)
    del data["decisions"][0]
    data["count"] = len(data["decisions"])
    new = _resign_entries(data)
    exporter = data["signature"]["signed_by"]
    sign_export(data, Forger(exporter, new[exporter]))
    write(path, data)


def _forge_manifest(path: Path) -> None:
    """An edited CSV, and its manifest signed again with a new key listed for the exporter."""
    import hashlib

    from infoshare_cli.integrity.export_statement import sign_manifest

    path.write_bytes(path.read_bytes().replace(b"Little", b"Large", 1))
    manifest = json.loads(manifest_of(path).read_text(encoding="utf-8"))
    del manifest["signature"]
    key = crypto.generate_private_key()
    for record in manifest["public_keys"]:
        if record["staff_id"] == manifest["signed_by"]:
            record["public_key"] = crypto.public_key_b64(key)
    manifest["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest["size"] = path.stat().st_size
    signed = sign_manifest(manifest, lambda message: crypto.sign(key, message))
    manifest_of(path).write_text(json.dumps(signed), encoding="utf-8")


@pytest.mark.parametrize(
    ("fmt", "forge"), [("json", _forge_json), ("jsonl", _forge_json), ("csv", _forge_manifest)]
)
def test_an_export_forged_with_new_keys_is_refused_by_an_anchor(copy_of, exports, fmt, forge):
    """Consistent on its own (the keys come from the file: SECURITY.md says so), the forgery
    is refused against an anchor kept off the computer, which knows the staff's real keys."""
    path = copy_of(fmt)
    anchor = exports[1]["anchor"]
    assert verify_cli(path, "--anchor", anchor).exit_code == 0  # the real one passes
    forge(path)
    alone = verify_cli(path)
    assert alone.exit_code == 0, alone.output
    assert "The keys come from the export itself" in alone.stdout
    out = failed(path, "--anchor", anchor)
    assert "signing keys up to entry" in out and "are not the ones the anchor" in out


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "md", "html"])
def test_every_untouched_format_checks_against_the_anchor(copy_of, exports, fmt):
    path = copy_of(fmt)
    result = verify_cli(path, "--anchor", exports[1]["anchor"])
    assert result.exit_code == 0, result.output
    assert "The keys come from the export itself" not in result.stdout
    assert "signing keys match the ones the anchor" in result.stdout


def test_an_anchor_taken_after_the_export_is_not_mistaken_for_removed_entries(copy_of, exports):
    later = take_anchor(exports[0])["anchor"]  # the log has grown by the exports since
    result = verify_cli(copy_of("csv"), "--anchor", later)
    assert result.exit_code == 0, result.output
    assert "was taken after this export" in result.stdout
    assert "The keys come from the export itself" in result.stdout  # not vouched for


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_a_lone_surrogate_written_into_an_export_is_caught_not_a_crash(copy_of, fmt):
    """JSON can carry "\\ud800", which is no character at all: an export edited to hold one
    is hashed as it stands (the signature then fails), never stopped by it."""
    path = copy_of(fmt)
    data = read(path)
    data["decisions"][0]["outcome_record"] = {"note": "SURROGATE"}
    write(path, data)
    path.write_text(path.read_text(encoding="utf-8").replace("SURROGATE", "\\ud800"), "utf-8")
    out = failed(path)
    assert "decisions are not the ones Alex Morgan signed" in " ".join(out.split())


@pytest.mark.parametrize("fmt", [*TEXT_FORMATS, "csv"])
def test_reordering_the_signed_fields_keeps_an_export_valid(copy_of, fmt):
    """What is signed is each field's value, not the order a program wrote the fields in:
    a tool that re-saves the export (or its manifest) with its fields in another order
    leaves it valid."""
    path = copy_of(fmt)
    target = manifest_of(path) if fmt == "csv" else path
    if fmt == "csv":
        data = json.loads(target.read_text(encoding="utf-8"))
        reordered = dict(reversed(list(data.items())))
        target.write_text(json.dumps(reordered, ensure_ascii=False), encoding="utf-8")
    else:
        data = read(path)
        header = {k: v for k, v in data.items() if k not in ("decisions", "count", "signature")}
        rest = {k: data[k] for k in ("decisions", "count", "signature")}
        write(path, dict(reversed(list(header.items()))) | rest)
    report = verify_export(path)
    assert report.ok, [p.message for p in report.problems]


def test_the_byte_form_a_statement_is_signed_in_is_pinned():
    """docs/export-format.md: keys sorted, no spaces, non-ASCII as \\uXXXX.
    Exports already signed depend on it: written out here, not derived from the code."""
    from infoshare_cli.integrity.export_statement import canonical

    statement = {"setting": "Little Acorns Nursery", "count": 2, "head": None, "by": "Zoë"}
    assert canonical(statement) == (
        b'{"by":"Zo\\u00eb","count":2,"head":null,"setting":"Little Acorns Nursery"}'
    )


@pytest.mark.parametrize("encrypted", [None, "age"])
def test_a_manifest_states_the_exports_details_as_its_header_gives_them(encrypted):
    """A manifest states the export's setting and filters as its JSON header gives them
    (docs/export-format.md); beside an encrypted file, a personal filter (a case reference,
    search words) is stated as used but withheld, and any other filter as it was."""
    from infoshare_cli.integrity.export_statement import WITHHELD, manifest_statement

    filters = {"case": "C-1042", "search": "lunch", "outcome": "share", "since": None}
    header = {
        "setting": "Little Acorns Nursery",
        "exported_at": "2026-11-30T07:00:00Z",
        "exported_by": "Alex Morgan",
        "filters": filters,
        "head": {"seq": 13, "hash": "ab" * 32},
        "public_keys": [],
    }
    statement = manifest_statement(
        header,
        signed_by="Alex Morgan",
        export_format="json",
        file="export.json" + (".age" if encrypted else ""),
        sha256="cd" * 32,
        size=1234,
        content_sha256=None,
        encrypted=encrypted,
        count=3,
        limit=0,
    )
    assert statement["setting"] == "Little Acorns Nursery"
    assert (statement["exported_at"], statement["exported_by"]) == (
        "2026-11-30T07:00:00Z",
        "Alex Morgan",
    )
    if encrypted:
        assert statement["filters"] == {
            "case": WITHHELD,
            "search": WITHHELD,
            "outcome": "share",
            "since": None,
        }
    else:
        assert statement["filters"] == filters
