"""`infoshare init`, `decide`, `pending`, `cosign` and `show`."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from infoshare_cli.cli import showing
from infoshare_cli.cli.options import (
    DbOption,
    JsonOption,
    QuestionsOption,
    ReaderOption,
    TemplateOption,
    resolve_db,
)
from infoshare_cli.domain.text import json_escaped
from infoshare_cli.errors import InfoshareError
from infoshare_cli.hints import command
from infoshare_cli.outputs.messages import say

NO_TERMINAL = (
    "This step asks questions on screen, but no terminal is attached. Run it in a terminal "
    f"window, or replay a decision from a file with {command('decide --answers FILE')}."
)


def _require_terminal() -> None:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InfoshareError(NO_TERMINAL)


def init(
    setting: Annotated[
        str | None, typer.Option(help="Your setting's name, e.g. 'Little Acorns Nursery'.")
    ] = None,
    manager: Annotated[
        str | None, typer.Option(help="The first manager's name (you).", show_default=False)
    ] = None,
    db: DbOption = None,
) -> None:
    """Set up a new log and register the first manager. Never overwrites an existing log."""
    from infoshare_cli.actions.deciding import setup_log
    from infoshare_cli.asking.flows import offer_second_manager
    from infoshare_cli.asking.prompts import (
        QuestionaryAsker,
        ask_new_passphrase,
        passphrase_reader,
    )

    path = resolve_db(db)
    if path.exists():
        raise InfoshareError(
            f"There is already a log at {path}; infoshare never overwrites a log. "
            "Use --db to set up a separate one."
        )
    interactive = sys.stdin.isatty()
    asker = QuestionaryAsker()
    if setting is None:
        if not interactive:
            raise InfoshareError("Give your setting's name with --setting NAME.")
        setting = asker.text("What is your setting called?", help="For example: Little Acorns.")
    if manager is None:
        if not interactive:
            raise InfoshareError("Give the first manager's name with --manager NAME.")
        manager = asker.text("Your name (you will be the first manager)?")
    read = passphrase_reader(asker)
    ledger, signer = setup_log(path, setting, manager, read, ask_new_passphrase)
    with ledger:
        say(f"Set up a new log for {setting.strip()} at {path}")
        say(f"{signer.member.name} is registered as a manager.")
        if interactive:
            offer_second_manager(asker, ledger, signer, read, ask_new_passphrase)
        else:
            say(
                "Next: add a second manager to co-sign decisions, e.g. "
                + command(f'staff add --name NAME --role manager --by "{signer.member.name}"')
                + "."
            )


def decide(
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            help="Replay a decision from a YAML or JSON file instead of asking the questions "
            "(for records first taken on paper). See examples/answers.yaml.",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="With --answers: who took the decision (their name).", show_default=False
        ),
    ] = None,
    cosigner: Annotated[
        str | None,
        typer.Option(
            "--cosigner",
            help="With --answers: the manager co-signing now (they type their passphrase). "
            "Without it the decision waits for co-signature.",
            show_default=False,
        ),
    ] = None,
    revisits: Annotated[
        str | None,
        typer.Option(
            "--revisits",
            help="Take an earlier decision again (after a disagreement, or once advice "
            "arrives), by its number; the new record points at it.",
            show_default=False,
            metavar="NUMBER",
        ),
    ] = None,
    db: DbOption = None,
    questions: QuestionsOption = None,
) -> None:
    """Take a decision: the checklist, then a second manager's co-signature. Start here."""
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.reading.numbers import parse_ref

    path = resolve_db(db)
    qset = load_question_set(questions)
    revisit_id = parse_ref(revisits) if revisits is not None else None
    if answers is not None:
        written = _scripted(path, qset, answers, by, cosigner, revisit_id)
    else:
        if by or cosigner:
            raise InfoshareError("--by and --cosigner go with --answers FILE.")
        written = _interactive(path, qset, revisit_id)
    _print_result(path, qset, written)


def _interactive(path: Path, qset, revisit_id):
    from infoshare_cli.asking.flows import interactive_decision, interactive_setup
    from infoshare_cli.asking.prompts import QuestionaryAsker, ask_new_passphrase
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.numbers import decision_seq

    _require_terminal()
    asker = QuestionaryAsker()
    read = asker.password
    if not path.exists():
        ledger = interactive_setup(asker, path, read, ask_new_passphrase)
    else:
        ledger = Ledger.open(path)
    with ledger:
        ledger.check_clock()  # before the checklist, not after it
        earlier = decision_seq(ledger, revisit_id) if revisit_id is not None else None
        return interactive_decision(
            asker, ledger, qset, read, earlier, new_passphrase=ask_new_passphrase
        )


def _scripted(path: Path, qset, answers: Path, by, cosigner_name, revisit_id):
    from infoshare_cli.actions.deciding import revisable, write_decision
    from infoshare_cli.actions.staff import unlock_with_attempts
    from infoshare_cli.asking.answers_file import load_answers_file
    from infoshare_cli.asking.flows import COSIGN_STOPPED, COSIGNER_WRONG
    from infoshare_cli.asking.lines import passphrase_reader
    from infoshare_cli.domain.decisions import cosign_payload, decision_payload
    from infoshare_cli.domain.staff import cosigner_problem, find_member
    from infoshare_cli.errors import Cancelled, WrongPassphrase
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.numbers import DecisionRef, decision_seq
    from infoshare_cli.reading.register import load_register

    scripted = load_answers_file(answers, qset)
    with Ledger.open(path) as ledger:
        ledger.check_clock()  # before anyone types a passphrase
        draft = scripted.draft
        if revisit_id is not None:
            draft.revisits = decision_seq(ledger, revisit_id)
        elif draft.revisits is not None:  # the file names it by its number too
            draft.revisits = decision_seq(ledger, DecisionRef(number=draft.revisits))
        revisable(ledger, draft.revisits, draft.case_ref)
        name = by or scripted.decided_by
        if not name:
            raise InfoshareError(
                "Say who took the decision: --by NAME (or decided_by in the file)."
            )
        register = load_register(ledger)
        decider_member = find_member(register, name)
        cosigner_member = find_member(register, cosigner_name) if cosigner_name else None
        if cosigner_member is not None:
            problem = cosigner_problem(decider_member.staff_id, cosigner_member)
            if problem:
                raise InfoshareError(problem + " Nothing was written.")
        draft.decided_by = decider_member.staff_id
        payload = decision_payload(qset, draft)
        read = passphrase_reader()
        decider = unlock_with_attempts(decider_member, read, ledger=ledger)
        cosigner = verdict = None
        missing = ""
        if cosigner_member is not None:
            # Its maker has signed: whatever happens at the co-signature, it is kept (as
            # awaiting co-signature), as in the wizard.
            try:
                cosigner = unlock_with_attempts(cosigner_member, read, ledger=ledger)
            except WrongPassphrase:
                missing = COSIGNER_WRONG
            except (KeyboardInterrupt, Cancelled):
                missing = COSIGN_STOPPED
            else:
                verdict = ("agree", "Co-signed when the paper record was entered.")
                cosign_payload(0, "", *verdict)
        written = write_decision(ledger, decider, payload, cosigner, verdict, qset)
        written.cosign_missing = missing
        return written


def _print_result(path: Path, qset, written) -> None:
    from rich.panel import Panel
    from rich.text import Text

    from infoshare_cli.hints import commands_apart, filled_in
    from infoshare_cli.outputs.screens import console, outcome_text

    payload = written.decision.payload
    outcome = payload["outcome"]
    number = written.number
    text = Text.assemble((f"Saved as decision {number}", "bold"), f"  (case {payload['case_ref']})")
    # Where it stands comes first, in words: an outcome nobody has agreed to is not final.
    if written.cosign is None:
        text.append("\nAwaiting co-signature: not final yet", style="bold yellow")
        if written.cosign_missing:
            text.append(
                f"\nNot co-signed now: {written.cosign_missing}. Nothing you answered is lost."
            )
    elif written.cosign.payload["verdict"] == "agree":
        text.append("\nAgreed (co-signed)", style="bold green")
    else:
        text.append("\nNOT AGREED by the co-signer: this outcome is not final", style="bold red")
    text.append("\nOutcome proposed: " if written.cosign is None else "\nOutcome: ")
    text.append_text(outcome_text(qset, outcome))
    # Each command on a line of its own, so it is never split where the panel wraps and
    # can be copied whole.
    if written.cosign is None:
        text.append(
            "\nNext: a second manager co-signs it (it is not final until they agree) with:"
            f"\n  {command(f'cosign {number}')}"
        )
        if outcome in qset.outcomes and qset.outcomes[outcome].next_steps:
            text.append(
                "\nThen: " + commands_apart(filled_in(qset.outcomes[outcome].next_steps, number))
            )
    elif written.cosign.payload["verdict"] == "agree":
        if outcome in qset.outcomes and qset.outcomes[outcome].next_steps:
            text.append(
                "\nNext: " + commands_apart(filled_in(qset.outcomes[outcome].next_steps, number))
            )
    else:
        text.append(
            "\nNext: talk it through, then take the decision again with:"
            f"\n  {command(f'decide --revisits {number}')}"
        )
    text.append(f"\nRead it in full with:\n  {command(f'show {number}')}", style="dim")
    console().print(Panel(text, title="Decision recorded", title_align="left"))


def pending(
    reader: ReaderOption = None,
    db: DbOption = None,
    questions: QuestionsOption = None,
    json: JsonOption = False,
) -> None:
    """List decisions awaiting co-signature, oldest first, with their age."""
    from datetime import UTC, datetime, timedelta

    from infoshare_cli.asking.reader import reading_as
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.queries import pending_decisions
    from infoshare_cli.reading.records import age_text, local_time, parse_time, staff_names
    from infoshare_cli.reading.trust import KeyRing, describe_problem

    with Ledger.open(resolve_db(db)) as ledger, reading_as(ledger, reader):
        records = pending_decisions(ledger)
        for r in records:
            r.open_all()  # opened now, while the reader's keys are at hand
        names = staff_names(ledger)
        # Each decision listed is checked as `verify` checks it, as `log` does: a decision
        # put into the file by hand is marked, never offered as an ordinary one to co-sign.
        keyring = KeyRing(ledger)
        problems = {}
        for r in records:
            entries = [r.entry, *r.cosigns, *r.corrections]
            found = keyring.check_record(entries)
            problems[r.id] = [
                describe_problem(e.seq, e.kind, why) for e in entries if (why := found[e.seq])
            ]
    if json:
        import json as jsonlib

        rows = [
            {
                "number": r.number,
                "id": r.id,
                "recorded_at": r.entry.recorded_at,
                "case_ref": r.payload.get("case_ref"),
                "outcome": r.payload.get("outcome"),
                "decided_by": names.get(r.entry.actor, r.entry.actor),
                "age": age_text(r.entry.recorded_at),
                "checks_ok": not problems[r.id],
                "problems": problems[r.id],
            }
            for r in records
        ]
        typer.echo(json_escaped(jsonlib.dumps(rows, indent=2, ensure_ascii=False)))
        return
    if not records:
        say("Nothing is awaiting co-signature.")
        return
    from rich.table import Table
    from rich.text import Text

    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.outputs.review_tables import trust_notice
    from infoshare_cli.outputs.screens import console, outcome_text

    qset = load_question_set(questions)
    overdue_before = datetime.now(UTC) - timedelta(days=2)
    con = console()
    narrow = con.width < 90  # the day above the time, so neither is cut to "2026-11…"
    table = Table(title="Awaiting co-signature (oldest first)", title_justify="left")
    for column in ("No.", "Recorded", "Age", "Case", "Outcome", "Decided by"):
        table.add_column(column, no_wrap=column in ("No.", "Recorded"))
    overdue = 0
    for r in records:
        late = parse_time(r.entry.recorded_at) < overdue_before
        overdue += late
        when = local_time(r.entry.recorded_at)
        table.add_row(
            str(r.number),
            when.replace(" ", "\n", 1) if narrow else when,
            age_text(r.entry.recorded_at),
            Text(r.payload.get("case_ref", "")),  # as typed, never read as markup
            _marked(outcome_text(qset, r.payload.get("outcome")), bool(problems[r.id])),
            Text(names.get(r.entry.actor, r.entry.actor)),
            style="bold red" if late else None,
        )
    con.print(table)
    notice = trust_notice(
        [r.number or r.id for r in records if problems[r.id]],
        keyring.broken[0] if keyring.broken else None,
    )
    if notice is not None:
        con.print(notice)
    if overdue:
        say(f"{overdue} waiting more than 2 days (in red): please co-sign them soon.")
    say(f"Co-sign one with {command('cosign NUMBER')}.")


def _marked(outcome, failing: bool):
    """The outcome, after a plain FAILS CHECKS when the decision fails verify's checks."""
    from rich.text import Text

    if not failing:
        return outcome
    return Text.assemble(("FAILS CHECKS", "bold red reverse"), " ", outcome)


def cosign(
    decision_id: Annotated[
        str | None,
        typer.Argument(
            metavar="NUMBER",
            help="The decision's number, as `infoshare pending` shows it. Without it, pick "
            "from the decisions awaiting co-signature (at a terminal).",
            show_default=False,
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="The co-signing manager's name. Asked at a terminal; a script must give it.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    questions: QuestionsOption = None,
) -> None:
    """Co-sign a decision that is awaiting co-signature: agree, or disagree with a reason."""
    from infoshare_cli.actions.deciding import (
        check_cosignable,
        check_decision_verifies,
        cosign_existing,
    )
    from infoshare_cli.asking.choosing import COSIGN, which_decision
    from infoshare_cli.asking.flows import ask_verdict
    from infoshare_cli.asking.identify import identify_and_unlock
    from infoshare_cli.asking.prompts import QuestionaryAsker, passphrase_reader
    from infoshare_cli.asking.reader import reading_with
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.domain.staff import cosigner_problem
    from infoshare_cli.errors import Cancelled, WrongPassphrase
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.records import load_decision
    from infoshare_cli.reading.register import load_register

    qset = load_question_set(questions)
    with Ledger.open(resolve_db(db)) as ledger:
        ledger.check_clock()  # before anyone types a passphrase
        asker = QuestionaryAsker()
        record = load_decision(ledger, which_decision(ledger, decision_id, COSIGN, asker, qset))
        qset = showing.taken_under(ledger, qset, record.payload)
        check_cosignable(record)
        check_decision_verifies(ledger, record)  # before anyone types a passphrase
        register = load_register(ledger)
        _say_which_decision(record, register)

        def may_cosign(member) -> None:
            problem = cosigner_problem(record.entry.actor, member)
            if problem:
                raise InfoshareError(problem + " Nothing was written.")

        eligible = [m for m in register.values() if cosigner_problem(record.entry.actor, m) is None]
        still = (
            f"{record.label} is still awaiting co-signature; co-sign it later with "
            f"{command(f'cosign {record.number}')}."
        )
        try:
            signer = identify_and_unlock(
                asker,
                register,
                by,
                passphrase_reader(asker),
                question="Which manager is co-signing?",
                help="A manager other than the person who took the decision.",
                can_ask=sys.stdin.isatty() and sys.stdout.isatty(),
                eligible=eligible,
                check=may_cosign,
                whose_name="the co-signing manager's name",
                ledger=ledger,
            )
            with reading_with(ledger, signer):  # the decision opens once they have unlocked
                record = load_decision(ledger, record.id)
                record.open_all()
            if sys.stdin.isatty():
                given = ask_verdict(asker, qset, record.payload)
            else:
                given = _verdict_from_stdin()
        except WrongPassphrase as exc:
            raise WrongPassphrase(f"{exc.message} {still}") from None
        except (KeyboardInterrupt, EOFError):
            raise Cancelled(f"Cancelled: nothing was written. {still}") from None
        if given is None:
            raise Cancelled(f"Nothing was written. {still}")
        verdict, comment = given
        cosign_existing(ledger, record, signer, verdict, comment)
    word = "agreed" if verdict == "agree" else "did not agree"
    say(f"{record.label}: {signer.member.name} {word}. Saved.")
    if verdict != "agree":
        say(f"Next: take the decision again with {command(f'decide --revisits {record.number}')}.")


def _say_which_decision(record, register) -> None:
    """Which decision is being co-signed, before anyone is asked anything."""
    from infoshare_cli.domain.text import displayable
    from infoshare_cli.reading.records import local_time

    decider = register.get(record.entry.actor)
    # The case reference is sealed until the co-signer unlocks (a log from before
    # encryption still shows it): then the whole record is shown before they decide.
    case_ref = record.payload.get("case_ref")
    case = f", case {displayable(case_ref)}" if isinstance(case_ref, str) else ""
    say(
        f"Co-signing decision {record.number}{case}, taken by "
        f"{decider.name if decider else 'someone not on the register'} on "
        f"{local_time(record.entry.recorded_at)}.",
        err=not sys.stdin.isatty(),  # a script reads standard output: keep it for the result
    )


def _verdict_from_stdin() -> tuple[str, str]:
    """Scripted co-signature: a line 'agree' or 'disagree', then a comment line."""
    from infoshare_cli.asking.prompts import read_passphrase_line

    verdict = read_passphrase_line("agree or disagree").strip().lower()
    if verdict not in ("agree", "disagree"):
        raise InfoshareError("Type agree or disagree. Nothing was written.")
    return verdict, read_passphrase_line("Comment").strip()


def _show_if_erased(ledger, wanted: int, number, json: bool, format: str | None) -> None:
    """An erased decision has nothing personal left: say so (what the log keeps of it is
    readable without a passphrase) and stop."""
    from infoshare_cli.reading.erasures import erased_decisions

    erasure = erased_decisions(ledger).get(wanted)
    if erasure is None:
        return
    from infoshare_cli.domain.erasure import REASONS
    from infoshare_cli.domain.text import displayable
    from infoshare_cli.integrity.report import when_text

    if format is not None:
        raise InfoshareError(f"Decision {number} was erased: there is nothing to print.")
    if json:
        import json as jsonlib

        body = {
            "number": number,
            "id": wanted,
            "erased": {
                "erased_by": erasure.by,
                "cosigned_by": erasure.confirmed_by,
                "entry": erasure.erase_seq,
                "erased_at": erasure.erased_at,
                "reason": erasure.reason,
                "why": erasure.why,
            },
        }
        typer.echo(jsonlib.dumps(body, indent=2, ensure_ascii=False))
        raise typer.Exit()
    when = when_text(erasure.erased_at) or erasure.erased_at
    say(
        f"Decision {number} was erased on purpose {when} by {displayable(erasure.by)}, "
        f"co-signed by {displayable(erasure.confirmed_by)}: "
        f"{REASONS.get(erasure.reason, erasure.reason)}. Why: {displayable(erasure.why)}\n"
        "Its content, co-signatures and corrections are gone for good; the log keeps that "
        "it existed, and `infoshare verify` still passes."
    )
    raise typer.Exit()


def show(
    decision_id: Annotated[
        str | None,
        typer.Argument(
            metavar="NUMBER",
            help="The decision's number, as `infoshare log` shows it (an entry number from "
            "`verify` works as e12). Without it, pick from the newest (at a terminal).",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    questions: QuestionsOption = None,
    json: JsonOption = False,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="md or html: a printable record for the child's file, instead of the screen. "
            "It ends with the log's head as an anchor line, so the paper copy is an anchor too.",
            show_default=False,
            metavar="md|html",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="With --format: write the record to this file (readable only by you).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --out: replace the file if it exists.")
    ] = False,
    template: TemplateOption = None,
    reader: ReaderOption = None,
) -> None:
    """Show one decision in full: every answer and reason, the outcome, the signatures,
    corrections and links. --format md|html makes a printable record."""
    from infoshare_cli.asking.choosing import READ, which_decision
    from infoshare_cli.asking.prompts import QuestionaryAsker
    from infoshare_cli.asking.reader import reading_as
    from infoshare_cli.checklist.loading import load_question_set
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.records import load_decision, record_problems, staff_names

    if out is not None and format is None:
        raise InfoshareError("--out goes with --format md or --format html.")
    if template is not None and format is None:
        raise InfoshareError("--template goes with --format md or --format html.")
    if format is not None and json:
        raise InfoshareError("Use either --json or --format, not both.")
    qset = load_question_set(questions)
    if decision_id is not None:
        from infoshare_cli.reading.numbers import parse_ref

        parse_ref(decision_id)  # not a number: said before the log is opened
    if format is not None and format.lower() in ("md", "html"):
        from infoshare_cli.outputs.templating import Printable

        Printable(format.lower(), template)  # a broken template is found before any passphrase
    with Ledger.open(resolve_db(db)) as ledger:
        # "no such decision" before anyone types a passphrase
        wanted = which_decision(ledger, decision_id, READ, QuestionaryAsker(), qset)
        number = load_decision(ledger, wanted).number
        _show_if_erased(ledger, wanted, number, json, format)
        with reading_as(ledger, reader):
            record = load_decision(ledger, wanted)
            record.open_all()  # opened now, while the reader's keys are at hand
            qset = showing.taken_under(ledger, qset, record.payload)
            if format is not None:
                from infoshare_cli.cli.showing import show_printable

                show_printable(ledger, qset, record.id, format, out, force, template)
                return
            names = staff_names(ledger)
            problems = record_problems(ledger, record)
            verified = {seq: problem is None for seq, problem in problems.items()}
    if json:
        import json as jsonlib

        from infoshare_cli.reading.trust import describe_problem

        # The payload's own random "id" is the entry id; "id" here is the decision's entry
        # seq (as co-signatures and corrections name it), "number" its number for people.
        shown = {
            **_renamed_id(record.payload),
            "number": record.number,
            "id": record.id,
            "recorded_at": record.entry.recorded_at,
            "status": record.status.state,
            "corrected": record.status.corrected,
            "decided_by": names.get(record.entry.actor),
            "signature_ok": verified[record.id],
            "cosignatures": [
                {
                    **_renamed_id(c.payload),
                    "seq": c.seq,
                    "by": names.get(c.actor),
                    "recorded_at": c.recorded_at,
                    "signature_ok": verified[c.seq],
                }
                for c in record.cosigns
            ],
            "revisits_number": record.revisits_number,
            "revisited_by": record.revisited_by,
            "revisited_by_numbers": record.revisited_by_numbers,
            "corrections": [
                {
                    **_renamed_id(c.payload),
                    "seq": c.seq,
                    "by": names.get(c.actor),
                    "recorded_at": c.recorded_at,
                    "signature_ok": verified[c.seq],
                }
                for c in record.corrections
            ],
            "checks_ok": all(problem is None for problem in problems.values()),
            "problems": [
                describe_problem(seq, kind, reason)
                for seq, kind in [
                    (e.seq, e.kind) for e in (record.entry, *record.cosigns, *record.corrections)
                ]
                if (reason := problems[seq])
            ],
        }
        typer.echo(json_escaped(jsonlib.dumps(shown, indent=2, ensure_ascii=False)))
        return
    from infoshare_cli.outputs.screens import console, decision_view

    console().print(decision_view(qset, record, names, verified, problems))


def _renamed_id(payload: dict) -> dict:
    """A payload with its random entry id under "entry_id", so it cannot hide the seq."""
    out = {k: v for k, v in payload.items() if k != "id"}
    if "id" in payload:
        out["entry_id"] = payload["id"]
    return out
