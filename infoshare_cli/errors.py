"""The one exception type the tool shows to people.

Everything a user can get wrong (a bad file, a wrong passphrase, an unknown id) ends in an
``InfoshareError`` whose message is plain English and names what to fix. The CLI prints the
message and exits non-zero; it never shows a traceback unless ``--debug`` is given.
Messages must never contain personal data (names of children, reasons typed in).
"""


class InfoshareError(Exception):
    """A problem the user can understand and fix. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, problems: list[str] | None = None, exit_code: int = 1):
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])
        self.exit_code = exit_code

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class Cancelled(InfoshareError):
    """The person pressed Ctrl-C or closed the input: nothing half-done was written."""

    def __init__(self, message: str = "Cancelled: nothing was written."):
        super().__init__(message, exit_code=130)


class WrongPassphrase(InfoshareError):
    """A passphrase did not unlock the signing key."""
