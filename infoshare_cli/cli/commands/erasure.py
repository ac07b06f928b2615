"""`infoshare erase` and `infoshare retention`: removing records' personal content for good,
by two managers together, without breaking the log's chain of signatures."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from infoshare_cli.cli.options import DbOption, resolve_db
from infoshare_cli.errors import InfoshareError

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
    decision_id: Annotated[str, typer.Argument(metavar="ID", help="The decision's id.")],
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
            help="Re-enter the decision straight away with this corrected case reference "
            "(it then awaits co-signature).",
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
    from infoshare_cli.asking.prompts import QuestionaryAsker
    from infoshare_cli.domain.erasure import REASONS
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.records import load_decision, parse_id

    if reason not in REASONS:
        raise InfoshareError(f"--reason: use one of {', '.join(REASONS)}.")
    target = parse_id(decision_id)
    asker = QuestionaryAsker()
    with Ledger.open(resolve_db(db)) as ledger:
        erasable(ledger, [target])  # before anyone types a passphrase
        managers = _Managers(asker, ledger)
        managers.two_names(by, cosigner)
        eraser = managers.eraser(by)
        case = str(load_decision(ledger, target).payload.get("case_ref") or "")
        why = _reason(asker, why, [case])
        partner = managers.cosigner(cosigner, eraser)
        if sys.stdin.isatty() and not asker.confirm(
            f"Erase decision #{target} for good? Nobody will be able to read it again.",
            default=False,
        ):
            raise InfoshareError("Nothing was erased.")
        done = erase_decisions(
            ledger,
            eraser,
            partner,
            [target],
            reason,
            why,
            forbidden=[case],
            corrected_case_ref=case_ref,
        )
    typer.echo(
        f"Erased decision #{target}, with its co-signatures and corrections (entries "
        f"#{done.erase.seq} and #{done.confirm.seq}: by {eraser.member.name}, co-signed by "
        f"{partner.member.name}). Nobody can read its content again; the log still verifies "
        "and shows who erased it, when and why."
    )
    if done.copy is not None:
        typer.echo(
            f"The corrected copy is decision #{done.copy.seq}, awaiting co-signature: "
            f"`infoshare cosign {done.copy.seq}`."
        )
    _after_erasing(done.cleared)


class _Managers:
    """The erasing manager, then a different one who co-signs; each types a passphrase."""

    def __init__(self, asker, ledger):
        from infoshare_cli.asking.prompts import passphrase_reader
        from infoshare_cli.reading.register import load_register

        self.asker = asker
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
        typer.echo(
            "Another window had the log open, so the old copy of the erased keys stays in the "
            "file until that window closes; close every infoshare window now.",
            err=True,
        )
    typer.secho(BACKUP_WARNING, err=True, fg="yellow")
