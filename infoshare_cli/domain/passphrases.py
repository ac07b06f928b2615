"""How strong a new passphrase must be, written once.

Every signing key is stored in the log sealed with its owner's passphrase, and anyone who
copies the file can try guesses against it offline, for as long as they like. Length
alone does not stop the guesses people actually make ("password12", "1234567890",
"aaaaaaaaaa"), so a new passphrase is measured with zxcvbn, Dropbox's estimator of how
many guesses an attacker with lists of common passwords, words, names, dates, keyboard
patterns and repeats would need. It must reach :data:`MIN_SCORE` (3 of 4: "safely
unguessable" against an offline attack on a slow hash such as Argon2id).

zxcvbn (pure Python, no dependencies) is the maintained port of the estimator most
password checks use; a hand-written list of banned passwords would be weaker.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

MIN_SCORE = 3


def _example_words() -> list[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = FREQUENCY_LISTS["english_wikipedia"][1000:6000]
    return [w for w in words if w.isalpha() and w.isascii() and 4 <= len(w) <= 8]


def example_passphrase(words: int = 4) -> str:
    """Several random words, freshly drawn (never the same example twice)."""
    pool = _example_words()
    return " ".join(secrets.choice(pool) for _ in range(words))


def strength_problem(passphrase: str, about: Iterable[str] = ()) -> str | None:
    """Why this passphrase is too easy to guess, in plain words; None if it is strong enough.

    ``about``: words an attacker would try first (the person's name, the setting's name).
    """
    from zxcvbn import zxcvbn

    inputs = [w for text in about for w in str(text).split() if w]
    result = zxcvbn(passphrase[:100], user_inputs=inputs)  # zxcvbn slows on very long text
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result.get("feedback") or {}
    reason = feedback.get("warning") or "It would be guessed quickly."
    return (
        f"That passphrase is too easy to guess. {reason.rstrip('.')}. Someone who copies the "
        "log could try millions of guesses. Use several random words that do not belong "
        f'together, for example "{example_passphrase()}" (do not use this example).'
    )
