"""`infoshare erase` and `infoshare retention`: removing records' personal content for good,
by two managers together, without breaking the log's chain of signatures."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from infoshare_cli.cli.options import DbOption, resolve_db
from infoshare_cli.domain.words import counted
from infoshare_cli.errors import InfoshareError
from infoshare_cli.outputs.messages import say

ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Your name: the manager who erases (asked if not given).",
        show_default=False,
        metavar="NAME",
    ),
]
CosignerOption = Annotated[
    str | None,
    typer.Option(
        "--cosigner",
        help="The second manager, who co-signs the erasure (asked if not given).",
        show_default=False,
        metavar="NAME",
    ),
]
WhyOption = Annotated[
    str | None,
    typer.Option(
        "--why",
        help="Why the records are erased, without naming the child (asked if not given). "
        "It stays readable in the log.",
        show_default=False,
        metavar="TEXT",
    ),
]


def erase(
    decision_ids: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="NUMBER",
            help="The decision's number (or several, erased together), as `infoshare log` "
            "shows it. Without one, pick from the newest (at a terminal).",
            show_default=False,
        ),
    ] = None,
    why: WhyOption = None,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="mistake (personal details typed by mistake) or retention (past the "
            "setting's retention period).",
            metavar="mistake|retention",
        ),
    ] = "mistake",
    case_ref: Annotated[
        str | None,
        typer.Option(
            "--case-ref",
            help="Re-enter the (one) decision straight away with this corrected case "
            "reference (it then awaits co-signature).",
            show_default=False,
            metavar="REF",
        ),
    ] = None,
    by: ByOption = None,
    cosigner: CosignerOption = None,
    db: DbOption = None,
) -> None:
    """Erase a decision's personal content for good: two managers, with a reason.

    For a child's name typed by mistake, or a record past its retention period. The
    decision, its co-signatures and corrections can never be read again, by anyone; the
    log keeps that it existed, who erased it, when and why, and still verifies. With
    --case-ref the decision is entered again, corrected, in the same step.
    """
    from infoshare_cli.actions.erasing import erasable, erase_decisions
    from infoshare_cli.actions.private import opened_for
    from infoshare_cli.asking.choosing import ERASE, which_decision
    from infoshare_cli.asking.prompts import QuestionaryAsker
    from infoshare_cli.domain.erasure import REASONS
    from infoshare_cli.hints import command
    from infoshare_cli.ledger.numbering import number_of
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.numbers import decisions_text, parse_ref
    from infoshare_cli.reading.records import load_decision

    if reason not in REASONS:
        raise InfoshareError(f"--reason: use one of {', '.join(REASONS)}.")
    typed: list[str | None] = list(
        dict.fromkeys(parse_ref(text).text for text in decision_ids or ())
    )
    if case_ref is not None and len(typed) > 1:
        raise InfoshareError("--case-ref re-enters one decision: erase one at a time with it.")
    asker = QuestionaryAsker()
    with Ledger.open(resolve_db(db)) as ledger:
        targets = list(
            dict.fromkeys(which_decision(ledger, t, ERASE, asker) for t in typed or [None])
        )
        erasable(ledger, targets)  # before anyone types a passphrase
        managers = _Managers(asker, ledger)
        managers.two_names(by, cosigner)
        eraser = managers.eraser(by)
        with opened_for(ledger, eraser):  # the case references are sealed: opened for them
            records = [load_decision(ledger, target) for target in targets]
            cases = [str(r.payload.get("case_ref") or "") for r in records]
        why = _reason(asker, why, cases)
        partner = managers.cosigner(cosigner, eraser)
        which = decisions_text(ledger, targets)
        if sys.stdin.isatty() and not asker.confirm(
            f"Erase {which} for good? Nobody will be able to read it again.", default=False
        ):
            raise InfoshareError("Nothing was erased.")
        done = erase_decisions(
            ledger,
            eraser,
            partner,
            targets,
            reason,
            why,
            forbidden=cases,
            corrected_case_ref=case_ref,
        )
        later = sorted({n for r in records for n in r.revisited_by} - set(targets))
        later_text = decisions_text(ledger, later) if later else ""
        copy_number = number_of(ledger.conn, done.copy.seq) if done.copy is not None else None
    say(
        f"Erased {which}, with co-signatures and corrections (by {eraser.member.name}, "
        f"co-signed by {partner.member.name}). Nobody can read that content again; the log "
        "still verifies and shows who erased it, when and why."
    )
    if later:
        say(
            f"{later_text.capitalize()} took a decision you erased again, and may hold the "
            "same details: check, and erase it too if so.",
            err=True,
        )
    if copy_number is not None:
        say(
            f"The corrected copy is decision {copy_number}, awaiting co-signature: "
            f"{command(f'cosign {copy_number}')}."
        )
    _after_erasing(done.cleared)


class _Managers:
    """The erasing manager, then a different one who co-signs; each types a passphrase."""

    def __init__(self, asker, ledger):
        from infoshare_cli.asking.prompts import passphrase_reader
        from infoshare_cli.reading.register import load_register

        self.asker = asker
        self.ledger = ledger
        self.register = load_register(ledger)
        self.managers = [m for m in self.register.values() if m.active and m.is_manager]
        self.can_ask = sys.stdin.isatty() and sys.stdout.isatty()
        self.read = passphrase_reader(asker)

    def two_names(self, by: str | None, cosigner: str | None) -> None:
        """Refuse one manager named twice before anyone types a passphrase."""
        from infoshare_cli.domain.staff import find_member

        if by is None or cosigner is None:
            return
        if find_member(self.register, by) is find_member(self.register, cosigner):
            raise InfoshareError(
                "The co-signer must be a second manager, not the one erasing. Nothing was erased."
            )

    def eraser(self, by: str | None):
        from infoshare_cli.asking.identify import identify_and_unlock
        from infoshare_cli.domain.staff import require_manager

        return identify_and_unlock(
            self.asker,
            self.register,
            by,
            self.read,
            question="Which manager is erasing?",
            help="Erasing needs two managers: pick your own name first.",
            can_ask=self.can_ask,
            eligible=self.managers,
            check=lambda m: require_manager(m, "erase a record"),
            nothing_done="Nothing was erased.",
            ledger=self.ledger,
        )

    def cosigner(self, name: str | None, eraser):
        from infoshare_cli.actions.erasing import check_pair
        from infoshare_cli.asking.identify import identify_and_unlock
        from infoshare_cli.domain.staff import require_manager

        def not_the_eraser(member) -> None:
            require_manager(member, "co-sign an erasure")
            if member.staff_id == eraser.staff_id:
                raise InfoshareError(
                    "The co-signer must be a second manager, not the one erasing. "
                    "Nothing was erased."
                )

        partner = identify_and_unlock(
            self.asker,
            self.register,
            name,
            self.read,
            question="Which manager co-signs the erasure?",
            help="A second manager, who agrees the records should be erased.",
            can_ask=self.can_ask,
            eligible=[m for m in self.managers if m.staff_id != eraser.staff_id],
            check=not_the_eraser,
            nothing_done="Nothing was erased.",
            whose_name="the co-signing manager's name (--cosigner NAME)",
            ledger=self.ledger,
        )
        check_pair(eraser, partner)
        return partner


def _reason(asker, why: str | None, forbidden: list[str]) -> str:
    from infoshare_cli.domain.erasure import WHY_HELP, check_why

    if why is None:
        if not sys.stdin.isatty():
            raise InfoshareError("Say why with --why TEXT. Nothing was erased.")
        why = asker.text("Why is it erased?", help=WHY_HELP, kind="reason")
    return check_why(why, forbidden)


def _after_erasing(cleared: bool) -> None:
    from infoshare_cli.actions.erasing import BACKUP_WARNING

    if not cleared:
        say(
            "Another window had the log open, so the old copy of the erased keys stays in the "
            "file until that window closes; close every infoshare window now.",
            err=True,
        )
    say(BACKUP_WARNING, err=True, fg="yellow")


def retention(
    years: Annotated[
        int | None,
        typer.Option(
            "--years",
            help="Record the rule: erase records N years after each decision was taken.",
            show_default=False,
            metavar="N",
        ),
    ] = None,
    per_case: Annotated[
        bool,
        typer.Option(
            "--per-case",
            help="Record the rule: erase records after a date recorded for their case "
            "(with --case and --until).",
        ),
    ] = False,
    keep: Annotated[
        bool, typer.Option("--keep", help="Record the rule: keep every record (the default).")
    ] = False,
    case: Annotated[
        str | None,
        typer.Option(
            "--case",
            help="With --until: the case whose decisions are kept until that date.",
            show_default=False,
            metavar="REF",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            help="With --case: keep that case's decisions until this date (YYYY-MM-DD).",
            show_default=False,
            metavar="DATE",
        ),
    ] = None,
    erase_due: Annotated[
        bool,
        typer.Option(
            "--erase",
            help="Erase every record that is due, in one step co-signed by a second manager.",
        ),
    ] = False,
    why: WhyOption = None,
    by: ByOption = None,
    cosigner: CosignerOption = None,
    db: DbOption = None,
) -> None:
    """How long records are kept: the setting's rule, and the records due for erasure.

    With no options, shows the rule and lists the records that are due. A manager records
    the rule (--years N, --per-case or --keep) and, for --per-case, a date for each case
    (--case REF --until DATE). Until a rule is recorded every record is kept: nothing is
    ever erased because time has passed unless two managers erase the due records
    together (--erase).
    """
    from datetime import date

    from infoshare_cli.domain.retention import check_until, make_rule
    from infoshare_cli.ledger.store import Ledger

    setting_rule = years is not None or per_case or keep
    dating = case is not None or until is not None
    if sum((setting_rule, dating, erase_due)) > 1:
        raise InfoshareError(
            "Do one thing at a time: record the rule (--years, --per-case or --keep), record "
            "a date for a case (--case and --until), or erase the due records (--erase)."
        )
    if dating and (case is None or until is None):
        raise InfoshareError(
            "--case and --until go together: the case, and the date to keep it until."
        )
    rule = make_rule(years, per_case, keep) if setting_rule else None
    today = date.today()
    day = check_until(until, today) if until is not None else None
    asker = None
    with Ledger.open(resolve_db(db)) as ledger:
        if rule is not None or day is not None:
            from infoshare_cli.actions.retention import record_case_date, record_rule
            from infoshare_cli.asking.prompts import QuestionaryAsker

            asker = QuestionaryAsker()
            manager = _Managers(asker, ledger).eraser(by)
            if rule is not None:
                entry = record_rule(ledger, manager, rule)
                say(f"Recorded: from now on, {rule.describe()}.")
            else:
                assert case is not None and day is not None
                entry = record_case_date(ledger, manager, case, day)
                count = len(entry.payload["retain_until"]["decisions"])
                say(
                    f"Recorded: the {counted(count, 'decision')} of that "
                    f"case {'is' if count == 1 else 'are'} kept until {day.isoformat()}. "
                    "A decision taken for the case later has no date until you record one "
                    "again."
                )
            return
        if erase_due:
            _erase_due(ledger, by, cosigner, why, today)
            return
        _show_due(ledger, today)


def _show_due(ledger, today) -> None:
    from infoshare_cli.domain.retention import KEEP, PER_CASE
    from infoshare_cli.integrity.report import when_text
    from infoshare_cli.ledger.numbering import numbers_of
    from infoshare_cli.reading.retention import retention_state

    state = retention_state(ledger, today)
    numbers = numbers_of(ledger.conn, [*(d.decision for d in state.due), *state.not_erasable])
    if state.rule_by is None:
        say(
            "No retention rule has been recorded, so every record is kept. A manager can "
            "record one, for example: `infoshare retention --years 25 --by NAME`"
        )
        return
    when = when_text(state.rule_at) or state.rule_at
    say(f"Retention rule: {state.rule.describe()} (recorded by {state.rule_by}, {when}).")
    if state.rule.rule == KEEP:
        return
    if state.rule.rule == PER_CASE and not state.dates:
        say(
            "No case has a date yet: record one with `infoshare retention --case REF --until DATE`."
        )
    if not state.due:
        say("No records are due for erasure today.")
    else:
        say(f"{counted(len(state.due), 'decision')} due for erasure:")
        for due in state.due:
            shown = numbers.get(due.decision, f"entry #{due.decision}")
            say(f"  Decision {shown}  kept until {due.due_on.isoformat()}")
        say(
            "To erase them, two managers run: `infoshare retention --erase` "
            "(with --by NAME --cosigner NAME in a script)."
        )
    if state.not_erasable:
        ids = ", ".join(f"decision {numbers.get(d, f'entry #{d}')}" for d in state.not_erasable)
        say(
            f"Also past the rule but written before records had their own keys, so they "
            f"cannot be erased on their own: {ids}."
        )


def _erase_due(ledger, by, cosigner, why, today) -> None:
    from infoshare_cli.actions.retention import erase_due
    from infoshare_cli.asking.prompts import QuestionaryAsker
    from infoshare_cli.ledger.numbering import numbers_of
    from infoshare_cli.reading.retention import retention_state

    state = retention_state(ledger, today)
    if not state.due:
        raise InfoshareError("No records are due for erasure. Nothing was erased.")
    asker = QuestionaryAsker()
    managers = _Managers(asker, ledger)
    managers.two_names(by, cosigner)
    eraser = managers.eraser(by)
    partner = managers.cosigner(cosigner, eraser)
    numbers = numbers_of(ledger.conn, [d.decision for d in state.due])
    ids = ", ".join(str(numbers.get(d.decision, f"entry #{d.decision}")) for d in state.due)
    if sys.stdin.isatty() and not asker.confirm(
        f"Erase {counted(len(state.due), 'decision')} for good ({ids})? Nobody will be able "
        f"to read {'it' if len(state.due) == 1 else 'them'} again.",
        default=False,
    ):
        raise InfoshareError("Nothing was erased.")
    done = erase_due(ledger, eraser, partner, today, why or "")
    say(
        f"Erased {counted(len(done.decisions), 'decision')} past the retention period ({ids}), "
        f"with their co-signatures and corrections, by {eraser.member.name}, co-signed by "
        f"{partner.member.name}. "
        "The log still verifies and shows who erased them, when and why."
    )
    _after_erasing(done.cleared)
