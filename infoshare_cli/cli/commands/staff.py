"""`infoshare staff add|list|deactivate|passphrase|reset`: the register of who may decide and
co-sign."""

from typing import Annotated

import typer

from infoshare_cli.cli.app import new_app
from infoshare_cli.cli.options import DbOption, JsonOption, resolve_db
from infoshare_cli.domain.text import json_escaped
from infoshare_cli.hints import command
from infoshare_cli.outputs.messages import say

app = new_app(
    help="Manage the staff register. Adding or deactivating someone needs an active "
    "manager's passphrase, and is itself recorded in the log."
)

ByOption = Annotated[
    str,
    typer.Option("--by", help="The manager authorising this (they type their passphrase)."),
]
AskedByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="The manager authorising this (they type their passphrase). Asked if not "
        "given, at a terminal.",
        show_default=False,
    ),
]


def _at_terminal() -> bool:
    import sys

    return sys.stdin.isatty() and sys.stdout.isatty()


def _authorise(ledger, register, by: str | None, read, asker=None):
    from infoshare_cli.asking.identify import identify_and_unlock
    from infoshare_cli.domain.staff import require_manager

    return identify_and_unlock(
        asker,
        register,
        by,
        read,
        question="Which manager is authorising this?",
        help="Pick your own name: you type your passphrase next.",
        can_ask=asker is not None,
        eligible=[m for m in register.values() if m.active and m.is_manager],
        check=lambda member: require_manager(member, "change the staff register"),
        whose_name="the authorising manager's name",
        ledger=ledger,
    )


@app.command("add")
def add(
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="Their name, as colleagues know them. Asked if not given, at a terminal.",
            show_default=False,
        ),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="manager (can co-sign) or practitioner. Asked if not given, at a terminal.",
            metavar="ROLE",
            show_default=False,
        ),
    ] = None,
    by: AskedByOption = None,
    dsl: Annotated[
        bool, typer.Option("--dsl", help="They are a designated safeguarding lead.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Register a member of staff. They then type their own new passphrase, twice."""
    from infoshare_cli.actions.staff import add_member, check_new_name
    from infoshare_cli.asking.prompts import (
        QuestionaryAsker,
        ask_new_passphrase,
        passphrase_reader,
    )
    from infoshare_cli.domain.staff import check_name, check_role
    from infoshare_cli.errors import InfoshareError
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.register import load_register

    asker = QuestionaryAsker() if _at_terminal() else None
    if asker is None:
        missing = [
            option
            for option, value in (("--name NAME", name), ("--role ROLE", role), ("--by NAME", by))
            if value is None
        ]
        if missing:
            raise InfoshareError(
                f"Give {', '.join(missing)} (no terminal is attached to ask). Nothing was written."
            )
    if role is not None:
        check_role(role)
    if name is not None:
        name = check_name(name)
    read = passphrase_reader(asker)
    with Ledger.open(resolve_db(db)) as ledger:
        register = load_register(ledger)
        if name is not None:
            check_new_name(register, name)  # before anyone types a passphrase
        signer = _authorise(ledger, register, by, read, asker)
        if asker is not None and name is None:
            while name is None:
                typed = asker.text(
                    "Their name?", help="As colleagues know them; shown on what they sign."
                )
                try:
                    name = check_new_name(register, typed)
                except InfoshareError as exc:
                    asker.say(exc.message)
        if asker is not None and role is None:
            role = asker.select(
                f"What is {name}'s role?",
                [
                    ("manager", "Manager: takes decisions and co-signs other people's decisions"),
                    ("practitioner", "Practitioner: takes decisions; cannot co-sign"),
                ],
            )
            if not dsl:
                dsl = asker.confirm(
                    f"Is {name} a designated safeguarding lead (DSL)?", default=False
                )
        if name is None or role is None:  # given as options, or asked just above
            raise InfoshareError("Give --name NAME and --role ROLE. Nothing was written.")
        passphrase = ask_new_passphrase(read, name)
        member = add_member(ledger, signer, name, role, passphrase, dsl)
    say(f"{member.description} is registered (added by {signer.member.name}).")


@app.command("list")
def list_staff(
    db: DbOption = None,
    all_: Annotated[bool, typer.Option("--all", help="Include deactivated staff.")] = False,
    json: JsonOption = False,
) -> None:
    """List the staff register."""
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.register import load_register

    with Ledger.open(resolve_db(db)) as ledger:
        register = load_register(ledger)
        people = [m for m in register.values() if all_ or m.active]
    if json:
        import json as jsonlib

        rows = [{"name": m.name, "role": m.role, "dsl": m.dsl, "active": m.active} for m in people]
        typer.echo(json_escaped(jsonlib.dumps(rows, indent=2, ensure_ascii=False)))
        return
    from rich.table import Table

    from infoshare_cli.outputs.screens import console

    table = Table(title="Staff register", title_justify="left")
    for column in ("Name", "Role", "Safeguarding lead", "Active"):
        table.add_column(column)
    for m in people:
        table.add_row(m.name, m.role, "yes" if m.dsl else "", "yes" if m.active else "no")
    console().print(table)
    if register.broken is not None:
        say(
            f"Staff entry #{register.broken} fails the checks {command('verify')} makes, so "
            "the register stops before it: whoever it adds or changes, and every staff "
            f"change after it, is left out. Run {command('verify')}.",
            fg="red",
            bold=True,
        )


@app.command("deactivate")
def deactivate(
    name: Annotated[str, typer.Argument(help="The person to deactivate.")],
    by: ByOption,
    db: DbOption = None,
) -> None:
    """Deactivate someone who has left: they can no longer sign. Their records stay."""
    from infoshare_cli.actions.staff import check_can_deactivate, deactivate_member
    from infoshare_cli.asking.prompts import passphrase_reader
    from infoshare_cli.domain.staff import find_member
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.register import load_register

    with Ledger.open(resolve_db(db)) as ledger:
        register = load_register(ledger)
        member = find_member(register, name)
        check_can_deactivate(register, member)  # before anyone types a passphrase
        signer = _authorise(ledger, register, by, passphrase_reader())
        deactivate_member(ledger, signer, member)
    say(f"{member.name} is deactivated (by {signer.member.name}).")


@app.command("passphrase")
def passphrase(
    name: Annotated[str, typer.Argument(help="Your own name.")],
    db: DbOption = None,
) -> None:
    """Change your own passphrase (type the old one, then the new one twice)."""
    from infoshare_cli.actions.staff import change_passphrase, unlock_with_attempts
    from infoshare_cli.asking.prompts import ask_new_passphrase, passphrase_reader
    from infoshare_cli.domain.staff import find_member
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.register import load_register

    read = passphrase_reader()
    with Ledger.open(resolve_db(db)) as ledger:
        member = find_member(load_register(ledger), name)
        # No reseal first: the new passphrase seals a new key with today's cost.
        signer = unlock_with_attempts(member, read, ledger=None)
        change_passphrase(ledger, signer, ask_new_passphrase(read, member.name))
    say(f"The passphrase for {member.name} is changed. Use the new one from now on.")


@app.command("reset")
def reset(
    name: Annotated[str, typer.Argument(help="The person who forgot their passphrase.")],
    by: AskedByOption = None,
    second: Annotated[
        str | None,
        typer.Option(
            "--second",
            help="The second manager, who confirms the reset (they type their passphrase). "
            "Asked at a terminal; a script must give it.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Reset a forgotten passphrase: two other managers give the person a new one."""
    from infoshare_cli.actions.staff import check_resetters, reset_passphrase
    from infoshare_cli.asking.identify import identify_and_unlock
    from infoshare_cli.asking.prompts import (
        QuestionaryAsker,
        ask_new_passphrase,
        passphrase_reader,
    )
    from infoshare_cli.domain.staff import find_member, require_active, require_manager
    from infoshare_cli.errors import InfoshareError
    from infoshare_cli.ledger.store import Ledger
    from infoshare_cli.reading.register import load_register

    asker = QuestionaryAsker() if _at_terminal() else None
    if asker is None and (by is None or second is None):
        raise InfoshareError(
            "Give both managers with --by NAME --second NAME (no terminal is attached to "
            "ask). Nothing was written."
        )
    read = passphrase_reader(asker)
    with Ledger.open(resolve_db(db)) as ledger:
        register = load_register(ledger)
        member = find_member(register, name)
        require_active(member)  # before anyone types a passphrase
        managers = [m for m in register.values() if m.active and m.is_manager]

        def other_than(*ids):
            return [m for m in managers if m.staff_id not in ids]

        def must_manage(person) -> None:
            require_manager(person, "reset a passphrase")
            if person.staff_id == member.staff_id:
                raise InfoshareError(
                    f"{member.name} cannot reset their own passphrase: two other managers "
                    "do it. Nothing was written."
                )

        if len(other_than(member.staff_id)) < 2:
            raise InfoshareError(
                "Resetting a passphrase takes two active managers other than "
                f"{member.name}. Nothing was written."
            )
        first = identify_and_unlock(
            asker,
            register,
            by,
            read,
            question="Which manager is resetting the passphrase?",
            help="Pick your own name: you type your passphrase next.",
            can_ask=asker is not None,
            eligible=other_than(member.staff_id),
            check=must_manage,
            whose_name="the first manager's name",
            ledger=ledger,
        )
        confirming = identify_and_unlock(
            asker,
            register,
            second,
            read,
            question="Which second manager confirms the reset?",
            help="A different manager: two managers reset a passphrase together.",
            can_ask=asker is not None,
            eligible=other_than(member.staff_id, first.staff_id),
            check=must_manage,
            whose_name="the second manager's name",
            ledger=ledger,
        )
        check_resetters(first.member, confirming.member, member)
        if asker is not None:
            asker.say(f"Now {member.name} types their new passphrase, twice.")
        new = ask_new_passphrase(read, member.name)
        reset_passphrase(ledger, first, confirming, member, new)
    say(
        f"The passphrase for {member.name} is reset by {first.member.name} and "
        f"{confirming.member.name}. {member.name} signs with the new one from now on; "
        "what they signed before still checks with their old key."
    )
