"""Changing the staff register and proving who you are: unlock (and reseal), register, add,
deactivate, rekey."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from infoshare_cli.domain.staff import (
    MAX_PASSPHRASE_ATTEMPTS,
    RESEAL,
    StaffMember,
    active_managers,
    apply_staff_entry,
    check_name,
    check_role,
    check_setting_name,
    current_signer,
    require_active,
    require_manager,
)
from infoshare_cli.domain.words import counted
from infoshare_cli.errors import InfoshareError, WrongPassphrase
from infoshare_cli.hints import command
from infoshare_cli.ledger import crypto, keystore
from infoshare_cli.ledger import keys as keylib
from infoshare_cli.ledger.signer import Signer
from infoshare_cli.reading.register import load_register, witnessed_data_keys

if TYPE_CHECKING:
    from infoshare_cli.ledger.store import Ledger


# --- proving who you are ----------------------------------------------------------------


def unlock(member: StaffMember, passphrase: str) -> Signer:
    """Check a passphrase by unsealing the member's key. Raises WrongPassphrase."""
    key = crypto.unseal_private_key(member.sealed_key, passphrase)
    if crypto.public_key_b64(key) != member.public_key:
        raise InfoshareError(
            f"The signing key stored for {member.name} does not match their registered key. "
            f"Run {command('verify')}."
        )
    return Signer(member, key)


def unlock_with_attempts(
    member: StaffMember,
    ask_passphrase: Callable[[str], str],
    attempts: int = MAX_PASSPHRASE_ATTEMPTS,
    *,
    ledger: Ledger | None,
) -> Signer:
    """Ask for a passphrase up to ``attempts`` times; the third wrong one ends the attempt.

    ``ledger``: the log to seal the key again in if it was sealed with a weaker cost
    (:func:`reseal_if_weaker`); None where nothing may be written (``verify``, the old log
    of a migration) or the key is about to be replaced anyway (a passphrase change).
    """
    require_active(member)
    for attempt in range(1, attempts + 1):
        prompt = f"Passphrase for {member.name}"
        if attempt > 1:  # said in the prompt itself, so every way of asking shows it
            left = attempts - attempt + 1
            prompt = (
                f"Wrong passphrase ({counted(left, 'try')} left). "
                f"{prompt} (try {attempt} of {attempts})"
            )
        passphrase = ask_passphrase(prompt)
        try:
            signer = unlock(member, passphrase)
        except WrongPassphrase:
            continue
        return reseal_if_weaker(ledger, signer, passphrase) if ledger is not None else signer
    raise WrongPassphrase(
        f"{attempts} wrong passphrases for {member.name}: the attempt has ended and nothing "
        "was written."
    )


def reseal_if_weaker(ledger: Ledger, signer: Signer, passphrase: str) -> Signer:
    """Seal the signer's key again with today's Argon2id cost, if it was sealed with less.

    Called with the passphrase that just unlocked it. The sealed key is part of the
    person's signed staff entry, and the log is never edited, so the new seal is a new
    ``reseal`` staff entry, signed with that same key; the key itself (and every signature,
    reading key and data key wrap resting on it) stays as it is. The old seal stays in the
    file too (SECURITY.md: what that means). Best effort: if the log cannot be written now
    (read-only, the clock behind the log, busy), nothing is written and the next unlock
    tries again; the command carries on either way.
    """
    if not crypto.needs_resealing(signer.member.sealed_key) or ledger.conn.in_transaction:
        return signer
    sealed = crypto.seal_private_key(signer.private_key, passphrase)  # slow: before the lock
    payload = {"action": RESEAL, "staff_id": signer.staff_id, "sealed_key": sealed}
    payload["by"] = signer.staff_id
    try:
        with ledger.batch():
            member = load_register(ledger).get(signer.staff_id)
            if (
                member is None
                or not member.active
                or member.public_key != signer.member.public_key
                or not crypto.needs_resealing(member.sealed_key)  # another window did it
            ):
                return signer
            entry = ledger.append("staff", signer.staff_id, payload, signer.sign)
    except (InfoshareError, sqlite3.Error):
        return signer
    return Signer(replace(member, sealed_key=sealed, since_seq=entry.seq), signer.private_key)


def open_keys(ledger: Ledger, signer: Signer) -> keystore.Keys:
    """The data keys wrapped for an unlocked person: no passphrase needed (they proved it).

    Raises ``InfoshareError`` in plain words if there are none, or if they were tampered with.
    """
    try:
        return keystore.unlock_keys(
            ledger.conn, signer.staff_id, signer.private_key, witnessed_data_keys(ledger)
        )
    except keystore.NoKeys:
        if not keystore.has_keys(ledger.conn):
            raise InfoshareError(
                "This log was made by an earlier version of infoshare and is not encrypted. "
                "Its records are not encrypted."
            ) from None
        if not signer.member.reading_key:  # registered before reading keys (a migrated log)
            raise InfoshareError(
                f"No key to read this log is stored for {signer.member.name}: their "
                "passphrase was not typed when the log was migrated to an encrypted one. Two "
                f"other managers can give them one with {command('staff reset')}."
            ) from None
        raise InfoshareError(
            f"No key to read this log is stored for {signer.member.name}. Ask a manager to "
            "check the staff list; `infoshare verify` checks the log."
        ) from None
    except keylib.KeyUnavailable as exc:
        raise InfoshareError(
            f"The key stored for {signer.member.name} to read this log does not open ({exc}). "
            "Nothing was read or written. Run `infoshare verify`, and restore from a backup "
            "if it reports damage."
        ) from None


def _readers(register: dict[str, StaffMember], leaving: str | None = None) -> dict[str, str]:
    """Staff id -> reading key of everyone who may read the log (active, not ``leaving``)."""
    return {
        m.staff_id: m.reading_key
        for m in register.values()
        if m.active and m.reading_key and m.staff_id != leaving
    }


def _new_data_key(ledger: Ledger) -> tuple[int, bytes, dict]:
    """A new data key, its id, and what the witnessing entry records of it."""
    key = keylib.new_key()
    data_key_id = keystore.next_data_key_id(ledger.conn)
    return data_key_id, key, {"id": data_key_id, "check": keylib.key_check(key)}


# --- changing the register --------------------------------------------------------------


def new_staff_id() -> str:
    return "s-" + secrets.token_hex(4)


def _register_payload(name: str, role: str, dsl: bool, passphrase: str, by: str | None):
    crypto.check_new_passphrase(passphrase, (name,))
    key = crypto.generate_private_key()
    staff_id = new_staff_id()
    payload = {
        "action": "register",
        "staff_id": staff_id,
        "name": check_name(name),
        "role": check_role(role),
        "dsl": bool(dsl),
        "public_key": crypto.public_key_b64(key),
        "sealed_key": crypto.seal_private_key(key, passphrase),
        "reading_key": keylib.reading_public_b64(key),
        "by": by or staff_id,
    }
    return payload, key


def register_first_manager(
    ledger: Ledger, name: str, passphrase: str, setting: str, dsl: bool = False
) -> Signer:
    """The first entries of a new log: the first manager (self-signed), then the setting."""
    if ledger.count():
        raise InfoshareError(
            f"This log already has entries; add staff with {command('staff add')}."
        )
    check_setting_name(setting)  # before anything is written
    payload, key = _register_payload(name, "manager", dsl, passphrase, None)
    staff_id = payload["staff_id"]
    with ledger.batch():  # the first data key lands with the entry that witnesses it
        data_key_id, data_key, payload["data_key"] = _new_data_key(ledger)
        entry = ledger.append("staff", staff_id, payload, lambda data: crypto.sign(key, data))
        register: dict[str, StaffMember] = {}
        apply_staff_entry(register, entry.seq, entry.payload)
        keystore.store_data_key(ledger.conn, data_key_id, data_key, entry.seq, _readers(register))
        signer = Signer(register[staff_id], key)
        ledger.append("setting", staff_id, {"name": check_setting_name(setting)}, signer.sign)
    return signer


def check_new_name(register: dict[str, StaffMember], name: str) -> str:
    """A clean name for someone new, refused if an active person already has it."""
    cleaned = check_name(name)
    if any(m.active and m.name.casefold() == cleaned.casefold() for m in register.values()):
        raise InfoshareError(
            f"Someone called '{cleaned}' is already registered. Use a name that tells them "
            "apart (for example with an initial)."
        )
    return cleaned


def add_member(
    ledger: Ledger, by: Signer, name: str, role: str, passphrase: str, dsl: bool = False
) -> StaffMember:
    """Register a new person, authorised by an active manager."""
    require_manager(by.member, "add staff")
    cleaned = check_new_name(load_register(ledger), name)
    payload, _ = _register_payload(cleaned, role, dsl, passphrase, by.staff_id)
    with ledger.batch():  # checked again under the write lock: another window may have written
        register = load_register(ledger)
        require_manager(current_signer(register, by), "add staff")
        check_new_name(register, cleaned)
        # A manager's unlock gives the newcomer the data keys (none in a log from before).
        keys = open_keys(ledger, by) if keystore.has_keys(ledger.conn) else None
        entry = ledger.append("staff", by.staff_id, payload, by.sign)
        if keys is not None:
            keystore.wrap_all_for(ledger.conn, keys, payload["staff_id"], payload["reading_key"])
    apply_staff_entry(register, entry.seq, entry.payload)
    return register[payload["staff_id"]]


def check_can_deactivate(register: dict[str, StaffMember], member: StaffMember) -> None:
    if not member.active:
        raise InfoshareError(f"{member.name} is already deactivated.")
    if member.is_manager and len(active_managers(register)) <= 1:
        raise InfoshareError(
            f"{member.name} is the only active manager; add another manager first."
        )


def deactivate_member(ledger: Ledger, by: Signer, member: StaffMember) -> None:
    """Deactivate someone: their wrapped data keys are destroyed, and a new data key (for
    every record from now on) is wrapped for everyone else, in one transaction."""
    require_manager(by.member, "deactivate staff")
    payload: dict[str, Any] = {
        "action": "deactivate",
        "staff_id": member.staff_id,
        "by": by.staff_id,
    }
    with ledger.batch():  # checked under the write lock: another window may have written
        register = load_register(ledger)
        require_manager(current_signer(register, by), "deactivate staff")
        check_can_deactivate(register, register.get(member.staff_id, member))
        encrypted = keystore.has_keys(ledger.conn)
        if encrypted:
            open_keys(ledger, by)  # only someone who holds the keys may rotate them
            data_key_id, data_key, payload["data_key"] = _new_data_key(ledger)
        entry = ledger.append("staff", by.staff_id, payload, by.sign)
        if encrypted:
            keystore.drop_wraps(ledger.conn, member.staff_id)
            readers = _readers(register, leaving=member.staff_id)
            keystore.store_data_key(ledger.conn, data_key_id, data_key, entry.seq, readers)


def change_passphrase(ledger: Ledger, signer: Signer, new_passphrase: str) -> None:
    """A new key sealed with the new passphrase, announced by an entry signed with the old key.

    Replacing the key (not only re-sealing it) means a passphrase someone learnt before
    the change no longer unlocks any key that can sign.
    """
    crypto.check_new_passphrase(new_passphrase, (signer.member.name,))
    key = crypto.generate_private_key()
    reading_key = keylib.reading_public_b64(key)
    payload = {
        "action": "rekey",
        "staff_id": signer.staff_id,
        "public_key": crypto.public_key_b64(key),
        "sealed_key": crypto.seal_private_key(key, new_passphrase),
        "reading_key": reading_key,
        "by": signer.staff_id,
    }
    with ledger.batch():  # a change in another window since unlocking would break the chain
        current_signer(load_register(ledger), signer)
        encrypted = keystore.has_keys(ledger.conn)
        keys = open_keys(ledger, signer) if encrypted else None
        ledger.append("staff", signer.staff_id, payload, signer.sign)
        if keys is not None:  # the same data keys, now wrapped for the new reading key
            keystore.wrap_all_for(ledger.conn, keys, signer.staff_id, reading_key)


def reset_passphrase(
    ledger: Ledger, first: Signer, second: Signer, member: StaffMember, new_passphrase: str
) -> None:
    """A colleague forgot their passphrase: two other managers give them a new key pair.

    Two entries in one transaction: ``reset`` (the new key, sealed with the passphrase the
    colleague typed) signed by the first manager, and straight after it ``confirm_reset``
    signed by the second. Entries the colleague signed before still verify with the old
    key; from the reset on, only the new one signs for them.
    """
    from infoshare_cli.domain.signing import CONFIRM_RESET, RESET

    crypto.check_new_passphrase(new_passphrase)
    check_resetters(first.member, second.member, member)
    key = crypto.generate_private_key()
    reading_key = keylib.reading_public_b64(key)
    payload = {
        "action": RESET,
        "staff_id": member.staff_id,
        "public_key": crypto.public_key_b64(key),
        "sealed_key": crypto.seal_private_key(key, new_passphrase),
        "reading_key": reading_key,
        "by": first.staff_id,
    }
    with ledger.batch():  # checked again under the write lock: another window may have written
        register = load_register(ledger)
        check_resetters(
            current_signer(register, first),
            current_signer(register, second),
            register.get(member.staff_id, member),
        )
        encrypted = keystore.has_keys(ledger.conn)
        keys = open_keys(ledger, first) if encrypted else None
        reset = ledger.append("staff", first.staff_id, payload, first.sign)
        confirm = {
            "action": CONFIRM_RESET,
            "staff_id": member.staff_id,
            "reset": reset.seq,
            "reset_hash": reset.hash,
            "by": second.staff_id,
        }
        ledger.append("staff", second.staff_id, confirm, second.sign)
        if keys is not None:  # the same data keys, wrapped for the new reading key
            keystore.wrap_all_for(ledger.conn, keys, member.staff_id, reading_key)


def check_resetters(first: StaffMember, second: StaffMember, member: StaffMember) -> None:
    """Two different active managers, neither of them the person whose passphrase is reset."""
    require_manager(first, "reset a passphrase")
    require_manager(second, "reset a passphrase")
    require_active(member)
    if first.staff_id == second.staff_id:
        raise InfoshareError("A passphrase is reset by two different managers.")
    if member.staff_id in (first.staff_id, second.staff_id):
        raise InfoshareError(
            f"{member.name} cannot reset their own passphrase: two other managers do it. "
            f"If you remember it, change it with {command('staff passphrase')}."
        )
