"""Who is doing this: the one step every signing command starts with.

A person is named with ``--by`` or, at a terminal, picked from a list; then they prove it
with their passphrase, straight away, before anything else is asked of them. Commands
call :func:`identify_and_unlock` instead of repeating these steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from infoshare_cli.actions.staff import unlock_with_attempts
from infoshare_cli.asking.flows import pick_person
from infoshare_cli.domain.staff import StaffMember, find_member
from infoshare_cli.errors import InfoshareError
from infoshare_cli.ledger.signer import Signer

if TYPE_CHECKING:
    from infoshare_cli.ledger.store import Ledger


def identify(
    asker,
    register: dict[str, StaffMember],
    by: str | None,
    *,
    question: str,
    help: str,
    can_ask: bool,
    eligible: Sequence[StaffMember] | None = None,
    nothing_done: str = "Nothing was written.",
    whose_name: str = "your name",
    option: str = "--by",
) -> StaffMember:
    """The person named by ``by``, or picked from ``eligible`` (default: active staff)."""
    if by is not None:
        return find_member(register, by)
    if not can_ask:
        raise InfoshareError(
            f"Give {whose_name} with {option} NAME (no terminal is attached to pick from a "
            f"list). {nothing_done}"
        )
    people = list(eligible) if eligible is not None else [m for m in register.values() if m.active]
    if not people:
        raise InfoshareError(f"Nobody registered can do this. {nothing_done}")
    return register[pick_person(asker, people, question, help)]


def identify_and_unlock(
    asker,
    register: dict[str, StaffMember],
    by: str | None,
    read_passphrase: Callable[[str], str],
    *,
    question: str,
    help: str,
    can_ask: bool,
    eligible: Sequence[StaffMember] | None = None,
    check: Callable[[StaffMember], None] | None = None,
    nothing_done: str = "Nothing was written.",
    whose_name: str = "your name",
    option: str = "--by",
    ledger: Ledger | None,
) -> Signer:
    """:func:`identify`, then ``check`` (for example: must be a manager), then the passphrase.

    ``ledger``: where a key sealed with a weaker cost is sealed again (see
    ``actions.staff.unlock_with_attempts``)."""
    member = identify(
        asker,
        register,
        by,
        question=question,
        help=help,
        can_ask=can_ask,
        eligible=eligible,
        nothing_done=nothing_done,
        whose_name=whose_name,
        option=option,
    )
    if check is not None:
        check(member)
    return unlock_with_attempts(member, read_passphrase, ledger=ledger)
