"""Reading the staff register and the setting's name out of the log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from infoshare_cli.domain.staff import StaffMember, apply_staff_entry

if TYPE_CHECKING:
    from infoshare_cli.ledger.store import Ledger


def load_register(ledger: Ledger) -> dict[str, StaffMember]:
    """Everyone ever registered, in the order they were added, as they are now."""
    register: dict[str, StaffMember] = {}
    for entry in ledger.entries(kinds=("staff",)):
        try:
            apply_staff_entry(register, entry.seq, entry.payload)
        except (TypeError, ValueError):  # an odd shape: verify names it; nobody is made of it
            continue
    return register


def setting_name(ledger: Ledger) -> str:
    for entry in ledger.entries(kinds=("setting",)):
        return entry.payload.get("name", "")
    return ""


def witnessed_data_keys(ledger: Ledger) -> dict[int, str]:
    """Data key id -> the fingerprint its signed staff entry recorded (see ledger.keys)."""
    found: dict[int, str] = {}
    for entry in ledger.entries(kinds=("staff",)):
        data_key = entry.payload.get("data_key")
        if isinstance(data_key, dict) and type(data_key.get("id")) is int:
            found.setdefault(data_key["id"], str(data_key.get("check")))
    return found
