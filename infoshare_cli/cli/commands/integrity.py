"""`infoshare verify`, `anchor` and `backup`: proving the log is intact, and keeping it safe."""

import json as jsonlib
from pathlib import Path
from typing import Annotated

import typer

from infoshare_cli.cli.app import checking_progress
from infoshare_cli.cli.options import (
    DbOption,
    JsonOption,
    QuestionsOption,
    ReaderOption,
    resolve_db,
)
from infoshare_cli.domain.text import displayable, json_escaped
from infoshare_cli.domain.words import counted
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.outputs.messages import say

WHAT_TO_DO = (
    "What to do: do not write to the log until this is understood. Keep the file exactly as "
    "it is (it is evidence), tell your designated safeguarding lead and the chair, and "
    f"compare it with your latest backup ({command('verify --db BACKUP')})."
)


DERIVED_TO_DO = (
    "Every signed entry holds: only what infoshare keeps beside the entries to find them "
    "quickly (the decision numbers, the list of decisions awaiting co-signature) does not "
    "match them. Something changed the file outside infoshare, so tell your "
    "designated safeguarding lead. Then make it again from the entries with "
    f"{command('rebuild')}."
)


def _short(hash_text: str) -> str:
    return displayable(str(hash_text)[:16]) + "…"


def verify(
    db: DbOption = None,
    json: JsonOption = False,
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            help="An anchor printed earlier by `infoshare anchor` (the signed anchor or its "
            "one line, or a file holding either, such as one saved with `infoshare anchor "
            "--out FILE`), the line at the foot of a printed record, or "
            "the path of an earlier export: also prove the log still contains it, signed with "
            "the staff keys it recorded, and has only grown since. Give it once for each "
            "anchor you kept; verify says how much lies past the newest. With --export: the "
            "export's keys must be ones the anchor knows.",
            show_default=False,
            metavar="TEXT",
        ),
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Check an export on its own, without the log: a JSON or JSONL export by "
            "the signatures inside it, any other (CSV, Markdown, HTML, encrypted) by the "
            "signed manifest beside it (FILE.manifest.json).",
            dir_okay=False,
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    manifest: Annotated[
        Path | None,
        typer.Option(
            "--manifest",
            help="With --export: the export's signed manifest, if it is not beside the file "
            "as FILE.manifest.json (for an opened encrypted export, the manifest of the "
            "encrypted file).",
            dir_okay=False,
            show_default=False,
            metavar="PATH",
        ),
    ] = None,
    reader: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Also open and check the encrypted content, as this person (they type their "
            "passphrase): every record must open, and each outcome must follow from its "
            "answers. Without it, verify needs no passphrase.",
            show_default=False,
            metavar="NAME",
        ),
    ] = None,
    questions: QuestionsOption = None,
) -> None:
    """Prove nothing in the log was changed, removed, reordered or forged. Exit 0 only if so."""
    from infoshare_cli.integrity.anchors import read_anchor
    from infoshare_cli.integrity.exports import verify_export
    from infoshare_cli.integrity.verify import verify_path

    anchors = [read_anchor(text) for text in anchor or ()]
    pinned = max(anchors, key=lambda a: a.count) if anchors else None
    if manifest is not None and export is None:
        raise InfoshareError("--manifest goes with --export FILE.")
    if export is not None:
        from infoshare_cli.cli.export_checks import print_export_report

        if not export.is_file():
            raise InfoshareError(f"There is no export file at {export}.")
        export_report = verify_export(export, pinned, manifest)
        print_export_report(export_report, json)
        raise typer.Exit(0 if export_report.ok else 1)

    path = resolve_db(db)
    bar, update = checking_progress()
    try:
        report = verify_path(path, anchor=anchors, progress=update)
    finally:
        if bar is not None:
            bar.stop()
    content = _check_content(path, reader, questions, report) if reader is not None else None
    if json:
        data = report.to_json()
        if content is not None:
            data["content"] = {
                "ok": content.ok,
                "opened": content.opened,
                "erased": content.erased,
                "outcomes_recomputed": content.recomputed,
                "other_question_set": content.other_set,
                "imported_from_old_log": content.imported,
                "problems": [{"seq": seq, "message": text} for seq, text in content.problems],
            }
        typer.echo(json_escaped(jsonlib.dumps(data, indent=2, ensure_ascii=False)))
    else:
        _print_report(report)
        if content is not None:
            _print_content(content)
    raise typer.Exit(0 if report.ok and (content is None or content.ok) else 1)


def _check_content(path, reader: str, questions, report):
    """`verify --as`: unlock once, then open every sealed entry and recompute outcomes."""
    from infoshare_cli.asking.reader import reading_as
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.integrity.content import check_content
    from infoshare_cli.ledger.entries import PAYLOAD_OPENER
    from infoshare_cli.ledger.sealing import Opener
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.question_sets import QuestionSets

    qset = load_question_set(questions)
    erased = {e.record for e in report.erased}
    with Ledger.open(path, readonly=True) as ledger, reading_as(ledger, reader):
        opener = PAYLOAD_OPENER.get()
        if not isinstance(opener, Opener):  # reading_as has just put the reader's in place
            raise InfoshareError(
                "The log's sealed content could not be opened for checking. Nothing was changed."
            )
        sets = QuestionSets(ledger, qset)
        result = check_content(ledger.entries(), opener, qset, erased, sets.exact)
        opener.problems.clear()  # reported below, entry by entry, not as warnings
    return result


def _print_content(content) -> None:
    if content.ok:
        say("✓ The encrypted content opens and holds.", fg="green", bold=True)
        say(
            f"  {counted(content.opened, 'sealed entry')} opened; "
            f"{counted(content.recomputed, 'outcome')} worked "
            "out again from their answers, all as recorded."
            + (
                f" {counted(content.erased, 'entry', 'entries')} of erased records have no key, "
                "as erased."
                if content.erased
                else ""
            )
            + (
                f" {counted(content.other_set, 'decision')} "
                f"{'was' if content.other_set == 1 else 'were'} taken under another question "
                "set and not worked out again (give it with --questions)."
                if content.other_set
                else ""
            )
            + (
                f" Carried over from the older, unencrypted log: "
                f"{counted(content.imported, 'entry')}, checked again as that log's own chain "
                "(every hash, link and signature), matching the newest entry the migration "
                "recorded."
                if content.imported
                else ""
            )
        )
        return
    say("✗ The encrypted content does NOT hold.", fg="red", bold=True)
    for seq, text in content.problems:
        say(f"  Entry #{seq}: {displayable(text)}")


def _print_report(report) -> None:
    from infoshare_cli.integrity.report import when_text

    if report.ok:
        say("✓ The log is intact.", fg="green", bold=True)
        if report.head is None:
            say("  It has no entries yet.")
        else:
            say(
                f"  All {counted(report.entries, 'entry')} checked, from #1 to "
                f"#{report.head.seq}: every hash, every link in the chain and every signature "
                "holds, staff changes and "
                "co-signatures follow the rules, the safeguards against changes are in "
                "place, and SQLite's own integrity check found nothing wrong."
            )
            _print_recomputed(report)
            if report.checked_heads_held:
                say(
                    f"  {counted(report.checked_heads_held, 'earlier check')} by exports, "
                    "each signed by the person who exported, still "
                    f"{'matches' if report.checked_heads_held == 1 else 'match'} the log."
                )
            when = when_text(report.head.recorded_at) or displayable(report.head.recorded_at)
            say(f"  Newest entry: #{report.head.seq}, {when}, hash {_short(report.head.hash)}")
        _print_erased(report.erased, report.decision_numbers)
        if report.not_yet_applied:
            say(
                "  This log was written by an older version of infoshare. It is brought up to "
                f"date the next time another command opens it (for example {command('log')})."
            )
        if report.anchor is not None:
            say(f"  {displayable(report.anchor_note)}")
            for _, _, note in report.older_anchors:
                say(f"  {displayable(note)}")
        else:
            say(
                "  To prove no newest entries were removed, check against your latest anchor: "
                "give the anchor file you saved, for example "
                f"{command('verify --anchor anchor.txt')}, or paste the anchor line you kept "
                "in its place.",
                dim=True,
            )
        return
    say("✗ The log does NOT verify.", fg="red", bold=True, err=False)
    problems = report.problems
    if report.first_bad is not None:
        say(f"  First bad entry: {report.first_bad.message}")
        problems = problems[1:]
    for problem in problems:
        say(f"  {problem.message}")
    _print_erased(report.erased, report.decision_numbers)
    if report.first_bad is not None and report.entries:
        good = (report.first_bad.seq or 1) - 1
        if good > 0:
            say(f"  Entries #1 to #{good} check out.")
    say(DERIVED_TO_DO if report.only_derived else WHAT_TO_DO)


SHOWN_ERASED = 20  # erasures listed on screen; --json lists every one


def _decision(numbers: dict[int, int], seq: int) -> str:
    """A decision as verify names it: by its number, and by its entry (integrity's terms)."""
    return f"decision {numbers[seq]} (entry #{seq})" if seq in numbers else f"entry #{seq}"


def _print_erased(erased, numbers: dict[int, int]) -> None:
    """Erased records are reported as erased, never as damage: by whom, when and why."""
    from infoshare_cli.domain.erasure import REASONS
    from infoshare_cli.domain.text import displayable
    from infoshare_cli.integrity.report import when_text

    if not erased:
        return
    say(f"  {counted(len(erased), 'decision')} erased on purpose (not damage):")
    for e in erased[:SHOWN_ERASED]:
        when = when_text(e.erased_at) or e.erased_at
        because = REASONS.get(e.reason, e.reason)
        say(
            f"    {_decision(numbers, e.decision).capitalize()}: erased {when} by "
            f"{displayable(e.by)}, co-signed by "
            f"{displayable(e.confirmed_by)} (entry #{e.erase_seq}); {because}: "
            f"{displayable(e.why)}"
        )
    if len(erased) > SHOWN_ERASED:
        more = len(erased) - SHOWN_ERASED
        say(f"    …and {more} more (`infoshare verify --json` lists them all).")


def _print_recomputed(report) -> None:
    if report.recomputed:
        outcomes = "outcome" if report.recomputed == 1 else "outcomes"
        say(
            f"  The {outcomes} of {counted(report.recomputed, 'decision')} recomputed from "
            "the answers, under the question set each was taken with: every one follows."
        )
    if report.not_recomputed:
        ids = ", ".join(_decision(report.decision_numbers, s) for s in report.not_recomputed[:10])
        more = (
            f" and {len(report.not_recomputed) - 10} more"
            if len(report.not_recomputed) > 10
            else ""
        )
        say(
            f"  Not recomputed: {ids}{more}, taken under a question set that neither "
            "the log nor this version of infoshare keeps."
        )
    if report.sealed:
        were = "was" if len(report.sealed) == 1 else "were"
        say(
            f"  {counted(len(report.sealed), 'decision')} with sealed answers (readable only "
            f"with a passphrase) {were} not recomputed here."
        )


def anchor(
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Your name: the manager taking the anchor (asked if not given). You type "
            "your passphrase.",
            show_default=False,
            metavar="NAME",
        ),
    ] = None,
    cosigner: Annotated[
        str | None,
        typer.Option(
            "--cosigner",
            help="The second manager, who countersigns the anchor (asked if not given). "
            "They type their passphrase.",
            show_default=False,
            metavar="NAME",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "--output",
            "-o",
            help="Also save the signed anchor in FILE (readable only by you), to email to "
            "the chair or print. `infoshare verify --anchor FILE` checks against it.",
            show_default=False,
            metavar="FILE",
            dir_okay=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --out: replace the file if it exists.")
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Print a statement of the log as it is now, signed by two managers, to keep outside
    the computer.

    It pins the number of entries, the newest entry's hash and a fingerprint of every
    staff signing key, and is signed by you and a second manager (each types their
    passphrase; without a terminal, one passphrase per line on standard input). Save it
    with --out FILE. Nothing is written to the log.
    """
    import sqlite3
    import sys

    from infoshare_cli.actions.anchoring import countersigned
    from infoshare_cli.integrity.anchor_note import origin_of
    from infoshare_cli.integrity.anchors import anchor_for
    from infoshare_cli.outputs.files import check_destination

    if out is None and _output_redirected(sys.stdin, sys.stdout):
        raise InfoshareError(
            "Standard output is going to a file, so the questions and passphrase prompts "
            "would go into it too. To save the anchor in a file, run "
            f"{command('anchor --out anchor.txt')} instead. No anchor was taken."
        )
    if out is not None:
        check_destination(out, force)  # refused before anyone types a passphrase
    path = resolve_db(db)
    try:
        head, count = _checked_head(path)
    except (sqlite3.DatabaseError, ValueError, TypeError, UnicodeError):
        head, count = None, 0  # whatever is odd about it, the whole check says what
    if head is None:
        head, count = _verified_head(path)  # refused before anyone types a passphrase
    keys, first_hash = _keys_and_origin(path, head.seq)
    pinned = anchor_for(head, count, keys=keys)
    maker, partner = _two_managers(path, by, cosigner)
    signed = countersigned(pinned, origin_of(first_hash), maker, partner)
    _check_own_anchor(path, signed.note)
    if out is not None:
        _save_anchor(out, signed.note, force)
    if json:
        data = {
            "anchor": pinned.text,
            "signed": signed.note,
            "entries": pinned.count,
            "head_hash": pinned.hash,
            "date": pinned.date,
            "keys": pinned.keys,
            "signed_by": [maker.member.name, partner.member.name],
        }
        typer.echo(json_escaped(jsonlib.dumps(data, indent=2, ensure_ascii=False)))
        return
    typer.echo(signed.note, nl=False)
    saved = out.name if out is not None else "anchor.txt"
    keep = (
        f"It is saved in {displayable(str(out))}: email it to the chair, or print it. "
        if out is not None
        else "save it to a file (run this again with --out anchor.txt) and email it to the "
        "chair, or print it. "
    )
    say(
        f"\nThis anchor pins the log as it is today: {counted(pinned.count, 'entry')}, the "
        "newest with the hash above, and a fingerprint of every staff signing key up to it. "
        f"It is signed by {displayable(maker.member.name)} and countersigned by "
        f"{displayable(partner.member.name)}. Keep a copy outside this computer: "
        f"{keep}"
        "For the setting's paper register, write down this line and sign it:\n"
        f"  {pinned.text}\n"
        "Later, either proves the log still holds these entries, unchanged, signed with "
        "these keys, and has only grown since (the signed copy also proves who took it):\n"
        f"  {command(f'verify --anchor {displayable(saved)}')}\n"
        f"  {command(f'verify --anchor {pinned.text}')}\n"
        "Take a new anchor every month. (Taking an anchor "
        f"checks the newest entry; {command('verify')} checks every entry.)",
        err=True,
    )


def _output_redirected(stdin, stdout) -> bool:
    """Someone at a terminal sent standard output to a file (``> anchor.txt``): the
    prompts, which a terminal shows on standard output, would go into the file."""
    try:
        return bool(stdin.isatty()) and not stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _save_anchor(out: Path, note: str, force: bool) -> None:
    """The signed anchor, exactly as printed, in ``out``: owner-only, and never over another
    file unless ``force``."""
    import os

    from infoshare_cli.ledger.private_files import create_private, place

    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with create_private(temporary) as f:
            f.write(note.encode("utf-8"))
        place(temporary, out, force)
    except FileExistsError:
        raise InfoshareError(
            f"{out} already exists and was not overwritten. Choose another name with "
            "--out FILE, or add --force to replace it. No anchor was saved."
        ) from None
    except OSError as exc:
        raise InfoshareError(
            f"Could not save the anchor in {out}: {exc.strerror}. No anchor was saved."
        ) from None
    finally:
        temporary.unlink(missing_ok=True)


def _keys_and_origin(path, upto: int) -> tuple[str, str]:
    """The fingerprint of the staff keys registered up to entry ``upto``, and the first
    entry's hash (which names the log). Reads the staff entries only: the same time on any
    size of log."""
    from infoshare_cli.integrity.anchor_keys import keys_fingerprint, log_key_history
    from infoshare_cli.ledger.store import Ledger

    with Ledger.open(path, readonly=True) as ledger:
        first = ledger.get(1)
        if first is None or not isinstance(first.hash, str):
            raise InfoshareError("The log has no first entry, so it cannot be anchored.")
        return keys_fingerprint(log_key_history(ledger.conn, upto), upto), first.hash


def _two_managers(path, by: str | None, cosigner: str | None):
    """The manager taking the anchor and a second one, each unlocked with their passphrase."""
    import sys

    from infoshare_cli.asking.identify import identify_and_unlock
    from infoshare_cli.asking.lines import LazyAsker, passphrase_reader
    from infoshare_cli.domain.staff import find_member, require_manager
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.register import load_register

    nothing = "No anchor was taken."
    with Ledger.open(path, readonly=True) as ledger:
        register = load_register(ledger)
    managers = [m for m in register.values() if m.active and m.is_manager]
    if (
        by is not None
        and cosigner is not None
        and find_member(register, by) is find_member(register, cosigner)
    ):
        raise InfoshareError(
            f"The anchor is countersigned by a second, different manager. {nothing}"
        )
    asker = LazyAsker()
    can_ask = sys.stdin.isatty() and sys.stdout.isatty()
    read = passphrase_reader(asker if can_ask else None)
    maker = identify_and_unlock(
        asker,
        register,
        by,
        read,
        question="Which manager is taking the anchor?",
        help="An anchor is signed by two managers: pick your own name first.",
        can_ask=can_ask,
        eligible=managers,
        check=lambda m: require_manager(m, "take an anchor"),
        nothing_done=nothing,
        ledger=None,  # an anchor writes nothing to the log (no reseal either)
    )

    def second(member) -> None:
        require_manager(member, "countersign an anchor")
        if member.staff_id == maker.staff_id:
            raise InfoshareError(
                f"The anchor is countersigned by a second, different manager. {nothing}"
            )

    partner = identify_and_unlock(
        asker,
        register,
        cosigner,
        read,
        question="Which manager countersigns the anchor?",
        help="A second manager, who checks the anchor with you.",
        can_ask=can_ask,
        eligible=[m for m in managers if m.staff_id != maker.staff_id],
        check=second,
        nothing_done=nothing,
        whose_name="the countersigning manager's name",
        option="--cosigner",
        ledger=None,
    )
    return maker, partner


def _check_own_anchor(path, note: str) -> None:
    """The anchor just signed must pass ``verify --anchor``'s own check of it (its hash,
    keys and both signatures), or it is not printed."""
    from infoshare_cli.integrity.anchor_note import parse_note
    from infoshare_cli.integrity.anchors import check_log_anchor
    from infoshare_cli.ledger.store import Ledger

    anchor = parse_note(note)
    with Ledger.open(path, readonly=True) as ledger:
        conn = ledger.conn
        conn.execute("BEGIN")
        try:
            problem, _ = check_log_anchor(conn, ledger.count(), anchor)
        finally:
            conn.execute("ROLLBACK")
    if problem is not None:
        raise InfoshareError(
            f"The anchor could not be signed as it should ({problem.message}) No anchor was "
            "taken: try again."
        )


def _checked_head(path):
    """The head and the number of entries if the newest entry passes a reader's checks
    (``reading.heads.checked_head``: the same time on any size of log); else (None, 0),
    and the whole check decides."""
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.heads import checked_head

    with Ledger.open(path, readonly=True) as ledger:
        conn = ledger.conn
        conn.execute("BEGIN")  # one snapshot: the head, the count and the register agree
        try:
            return checked_head(ledger) or (None, 0)
        finally:
            conn.execute("ROLLBACK")


def _verified_head(path):
    """The whole check, for a log whose head does not pass on its own: refuses, in plain
    words, a log that does not verify."""
    from infoshare_cli.integrity.verify import verify_path

    bar, update = checking_progress()
    try:
        report = verify_path(path, progress=update)
    finally:
        if bar is not None:
            bar.stop()
    if not report.ok:
        raise InfoshareError(
            "The log does not verify, so it cannot be anchored: "
            + report.problems[0].message
            + f" Run {command('verify')} for details."
        )
    return report.head, report.entries


def backup(
    dest: Annotated[
        Path | None,
        typer.Argument(
            help="Where to write the copy (a file, or a folder). Default: beside the log, "
            "named with today's date and time.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace DEST if a file is already there.")
    ] = False,
    db: DbOption = None,
    json: JsonOption = False,
) -> None:
    """Copy the log safely, even while someone is using it, and check the copy."""
    from infoshare_cli.actions.backup import backup_log

    path = resolve_db(db)
    result = backup_log(path, dest, force=force)
    report = result.report
    if json:
        out = {"backup": str(result.path), "log_ok": result.source_ok, **report.to_json()}
        typer.echo(json_escaped(jsonlib.dumps(out, indent=2, ensure_ascii=False)))
    elif result.source_ok:
        head = f", newest #{report.head.seq} {_short(report.head.hash)}" if report.head else ""
        say(
            f"Backed up {counted(report.entries, 'entry')} to {result.path} "
            f"(checked: intact{head})."
        )
        say(
            "Keep a copy away from this computer too (an encrypted USB stick, or your "
            "setting's secure storage). Check a copy at any time with "
            f"{command(f'verify --db {_path_word(result.path)}')}; to put it back, see "
            "'Restoring from a backup' in the admin guide (docs/admin-guide.md)."
        )
    else:
        say(
            f"The backup was written to {result.path}, but the log itself does not verify: "
            f"{report.problems[0].message} Run {command('verify')}.",
            fg="red",
        )
    if not result.source_ok:
        raise typer.Exit(1)


def migrate(
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="The manager migrating the log (they type their passphrase).",
            metavar="NAME",
        ),
    ],
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="Where to write the new, encrypted log. Default: beside the old one, named "
            "…-encrypted. Never an existing file.",
            dir_okay=False,
            show_default=False,
            metavar="NEW_FILE",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Copy a log made before encryption into a new, encrypted log. The old file is only read.

    Colleagues at the computer can type their passphrase too, so they can read the new log
    straight away (press Enter to skip someone).
    """
    from infoshare_cli.actions.migrating import (
        check_old_log,
        check_passphrase_for,
        default_new_name,
        migrate_log,
    )
    from infoshare_cli.actions.staff import unlock_with_attempts
    from infoshare_cli.asking.lines import passphrase_reader
    from infoshare_cli.domain.staff import MAX_PASSPHRASE_ATTEMPTS, find_member, require_manager
    from infoshare_cli.ledger.store import Ledger

    old = resolve_db(db)
    new = to if to is not None else default_new_name(old)
    with Ledger.snapshot(old) as source:  # refused before anyone types a passphrase
        register = check_old_log(old, source)[0]
    member = find_member(register, by)
    require_manager(member, "migrate the log")
    read = passphrase_reader()
    signer = unlock_with_attempts(member, read, ledger=None)  # the old log is only read
    colleagues: dict[str, str] = {}
    for other in register.values():
        if other.staff_id == member.staff_id or not other.active or other.reading_key:
            continue
        for _attempt in range(MAX_PASSPHRASE_ATTEMPTS):
            typed = read(
                f"Passphrase for {other.name}, so they can read the new log "
                "(press Enter to skip them)"
            )
            if not typed:
                break
            if check_passphrase_for(other, typed):
                colleagues[other.staff_id] = typed
                break
            say(f"That is not {other.name}'s passphrase.", err=True)
    result = migrate_log(old, new, signer, colleagues)
    say(
        f"Migrated {counted(result.entries, 'entry')} into the encrypted log {result.path} "
        f"(checked: it verifies; it links to the old log's newest entry "
        f"#{result.head_seq} {_short(result.head_hash)})."
    )
    say(f"Can read the new log now: {', '.join(result.can_read)}.")
    if result.cannot_read:
        say(f"Cannot read it yet: {', '.join(result.cannot_read)} (passphrase not typed).")
    say("\nWhat to do next:")
    steps = [
        f"Use the new log from now on: give every command --db {result.path}, or set "
        f"INFOSHARE_DB to it (the admin guide says how), or, when nobody is using "
        f"infoshare, rename the old log away and give the new one its name.",
        f"Check the new log: {command(f'verify --as NAME --db {result.path}')}.",
    ]
    for name in result.cannot_read:
        steps.append(
            f"So that {name} can read it, two other managers give them a new passphrase: "
            f"{command(f'staff reset {_quoted(name)} --db {result.path}')}. (Or run the "
            "migration again, to another file, with them at the computer, before anyone "
            "uses the new log.)"
        )
    steps.append(
        "The decisions from the old log are kept in the new one, sealed and checked by "
        "verify --as, but log, show and case list only decisions recorded in the new log. "
        f"To read an older one, use the old log: {command(f'show NUMBER --db {old}')}."
    )
    steps.append(
        f"The old log {old} was not changed and is NOT encrypted: anyone at this computer "
        "can read it. Keep it (and a backup) locked away, on an encrypted USB stick say, "
        "while you need to read its decisions. Once you delete the old file (with its -wal "
        "and -shm files and every backup; infoshare never deletes it), its decisions can no "
        "longer be read, though the new log still proves what they were."
    )
    for number, step in enumerate(steps, 1):
        say(f"{number}. {step}")


def _quoted(name: str) -> str:
    """A name as one word for the shell: "Sam Lee" in double quotes when it has a space."""
    return f'"{name}"' if " " in name else name


def rebuild(reader: ReaderOption = None, db: DbOption = None) -> None:
    """Make again, from the signed entries, what infoshare keeps to find decisions quickly.

    Run it when `infoshare verify` says it does not match the entries: the decision
    numbers (1, 2, 3 in the order taken), the list of decisions awaiting co-signature,
    and the case index (keyed hashes of case references, so someone who can read the log
    must unlock). Nothing signed is changed.
    """
    from infoshare_cli.actions.rebuilding import rebuild_derived
    from infoshare_cli.ledger.entries import PAYLOAD_OPENER
    from infoshare_cli.ledger.keystore import has_keys
    from infoshare_cli.ledger.sealing import Opener
    from infoshare_cli.ledger.store import Ledger

    with Ledger.open(resolve_db(db)) as ledger:
        if has_keys(ledger.conn):
            from infoshare_cli.asking.reader import reading_as

            with reading_as(ledger, reader):
                opener = PAYLOAD_OPENER.get()
                rebuilt = rebuild_derived(ledger, opener if isinstance(opener, Opener) else None)
        else:
            rebuilt = rebuild_derived(ledger)
    say(
        f"Made again from the signed entries: the decision numbers (1 to {rebuilt.numbered}, "
        "in the order taken), the list of decisions awaiting co-signature "
        f"({counted(rebuilt.awaiting, 'decision')}), and the case index "
        f"({counted(rebuilt.indexed, 'decision')})."
    )
    if rebuilt.unindexed:
        say(
            f"{counted(rebuilt.unindexed, 'decision')} could not be opened, so they are in the "
            "case index without their case reference: every search for a case opens them."
        )
    say(f"Check the whole log with {command('verify')}.")


def _path_word(path: Path) -> str:
    """A path as one word for the shell (quoted when it has a space, as on Windows)."""
    text = str(path)
    return f'"{text}"' if " " in text else text
