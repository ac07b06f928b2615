"""Taking an anchor: the log's head and staff keys, signed by two managers (a signed note).

Nothing is written to the log: an anchor is a statement kept outside the computer.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from infoshare_cli.errors import InfoshareError
from infoshare_cli.integrity.anchor_note import note_text, signature_line, signed_note
from infoshare_cli.integrity.report import Anchor
from infoshare_cli.ledger.signer import Signer


@dataclass(frozen=True)
class SignedAnchor:
    anchor: Anchor  # the one-line form (for paper)
    note: str  # the signed note: the text and both signature lines


def countersigned(anchor: Anchor, origin: str, maker: Signer, cosigner: Signer) -> SignedAnchor:
    """The anchor as a signed note, signed by the manager who takes it and a second one.

    Both must be active managers, and different people; each signs with their own key."""
    for signer in (maker, cosigner):
        if not (signer.member.active and signer.member.is_manager):
            raise InfoshareError(
                f"Only an active manager can sign an anchor; {signer.member.name} cannot. "
                "No anchor was taken."
            )
    if maker.staff_id == cosigner.staff_id:
        raise InfoshareError(
            "An anchor is countersigned by a second, different manager. No anchor was taken."
        )
    text = note_text(anchor, origin)
    lines = []
    for signer in (maker, cosigner):
        public = base64.b64decode(signer.member.public_key)
        signature = base64.b64decode(signer.sign(text.encode("utf-8")))
        lines.append(signature_line(signer.staff_id, public, signature))
    return SignedAnchor(anchor, signed_note(text, lines))
