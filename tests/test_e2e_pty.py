"""End to end: the installed `infoshare` in a pseudo-terminal, from `init` to a co-signed
decision, as a newcomer following the README would run it."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")

INFOSHARE = Path(sys.executable).parent / "infoshare"
TIMEOUT = 20  # seconds per screen: generous, but a stuck prompt fails the test
ALEX, PRIYA = "Alex Morgan", "Priya Shah"
ALEX_PASS, PRIYA_PASS = "alex passphrase one", "priya passphrase two"
ENTER = "\r"
DOWN = "\x1b[B"  # the arrow key: decision lists have no number shortcuts
PROMPT_ON, PROMPT_OFF = "\x1b[?2004h", "\x1b[?2004l"  # prompt_toolkit: bracketed paste

pytestmark = pytest.mark.skipif(
    not INFOSHARE.exists() or sys.platform == "win32",
    reason="needs the installed infoshare script and a POSIX pseudo-terminal",
)


@pytest.fixture
def env(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INFOSHARE_")}
    environ.update(
        INFOSHARE_DB=str(tmp_path / "log.sqlite3"),
        PROMPT_TOOLKIT_NO_CPR="1",
        TERM="xterm",
        COLUMNS="120",
        LINES="40",
    )
    return environ


class Terminal:
    """One `infoshare` run in a pty; every screen is awaited by its text, then answered."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, columns: int = 120):
        env = {**env, "COLUMNS": str(columns)}
        self.child = pexpect.spawn(
            str(INFOSHARE),
            args,
            env=env,
            cwd=str(cwd),
            encoding="utf-8",
            dimensions=(40, columns),
            timeout=TIMEOUT,
        )
        self.columns = columns
        self.transcript = io.StringIO()
        self.child.logfile_read = self.transcript
        self.seen: list[str] = []

    def answer(self, screen: str, keys: str) -> None:
        """Wait for ``screen`` (a regular expression), then type ``keys``."""
        try:
            self.child.expect(screen)
        except (pexpect.TIMEOUT, pexpect.EOF) as exc:
            tail = _plain(self.transcript.getvalue())[-1500:]
            raise AssertionError(
                f"waited for {screen!r} after {self.seen[-3:]}; the screen ended with:\n{tail}"
            ) from exc
        self.seen.append(screen)
        if keys:
            self._wait_for_the_prompt(screen)
        self.child.send(keys)

    def _wait_for_the_prompt(self, screen: str) -> None:
        """Keys typed before a prompt has started are dropped (they never answer a question
        nobody saw), so a person types once the question is there, and so does the test:
        text in the help above a question can match before the prompt reads keys. A prompt
        reads keys between prompt_toolkit turning bracketed paste on and off."""
        seen = self.transcript.getvalue()
        if seen.rfind(PROMPT_ON) > seen.rfind(PROMPT_OFF):
            return
        try:
            self.child.expect_exact(PROMPT_ON)
        except (pexpect.TIMEOUT, pexpect.EOF) as exc:
            tail = _plain(self.transcript.getvalue())[-1500:]
            raise AssertionError(
                f"no prompt came after {screen!r}; the screen ended with:\n{tail}"
            ) from exc

    def finish(self) -> str:
        self.child.expect(pexpect.EOF)
        self.child.close()
        return _plain(self.transcript.getvalue())

    def screen(self) -> str:
        """What the terminal shows at the end (scrolled back to the start), as a person
        reads it: prompts erase and redraw themselves, which the raw stream does not show."""
        import pyte

        screen = pyte.Screen(self.columns, 2000)  # tall: nothing scrolls out of sight
        pyte.Stream(screen).feed(self.transcript.getvalue())
        return "\n".join(line.rstrip() for line in screen.display).rstrip()


def _plain(text: str) -> str:
    """The text of a terminal stream without its escape sequences."""
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[>=]|\r", "", text)


def test_init_then_a_cosigned_decision_in_a_terminal(env, tmp_path):
    # infoshare init: the first manager's passphrase twice, then a second manager.
    init = Terminal(
        ["init", "--setting", "Little Acorns Nursery", "--manager", ALEX], env, tmp_path
    )
    init.answer(f"New passphrase for {ALEX}", ALEX_PASS + ENTER)
    init.answer("Type it again", ALEX_PASS + ENTER)
    init.answer("Add another manager now", "y")
    init.answer("Their name", PRIYA + ENTER)
    init.answer(f"New passphrase for {PRIYA}", PRIYA_PASS + ENTER)
    init.answer("Type it again", PRIYA_PASS + ENTER)
    init.answer("Add another manager as well", "n")
    out = init.finish()
    assert init.child.exitstatus == 0, out
    assert f"{PRIYA} is registered as a manager" in out
    assert oct(Path(env["INFOSHARE_DB"]).stat().st_mode & 0o777) == "0o600"

    # infoshare decide: every screen, from who is deciding to the co-signature.
    decide = Terminal(["decide"], env, tmp_path)
    for screen, keys in [
        ("Who is taking this decision", "1" + ENTER),  # Alex, the first registered
        (f"Passphrase for {ALEX}", ALEX_PASS + ENTER),
        ("Case reference for the child", "C-1042" + ENTER),
        ("Is a child in immediate danger right now", "2" + ENTER),
        ("clear and legitimate purpose", "1" + ENTER),
        (r"What is the purpose \(in a few words\)", "To keep the child safe." + ENTER),
        ("enable a person to be identified", "1" + ENTER),
        ("Is the information confidential", "1" + ENTER),
        ("Do you have consent to share", "1" + ENTER),
        (r"What will be shared\?", "Dated observations of bruising and the body map." + ENTER),
        (r"Who will receive it", "Children's Social Care front door" + ENTER),
        (r"What is the recipient's role", "Duty social worker" + ENTER),
        ("How will it be shared", "4" + ENTER),  # referral form
        ("Is sharing it necessary for the purpose", "1" + ENTER),
        ("Is sharing it proportionate", "1" + ENTER),
        ("Is only relevant information being shared", "1" + ENTER),
        ("Is it adequate for its purpose", "1" + ENTER),
        ("Is it accurate and up to date", "1" + ENTER),
        ("Is it shared only with those who need to know", "1" + ENTER),
        ("Will it be shared securely", "1" + ENTER),
        ("Is it being shared in time", "1" + ENTER),
        ("When will it be, or was it, shared", "2026-11-26" + ENTER),
        ("Is this record right", "1" + ENTER),  # confirm
        ("which manager is co-signing", "1" + ENTER),  # Priya, the only other manager
        (f"Passphrase for {PRIYA}", PRIYA_PASS + ENTER),
        ("Do you agree with this decision", "1" + ENTER),
        (r"Your comment \(optional\)", "Agreed after talking it through." + ENTER),
    ]:
        decide.answer(screen, keys)
    decide.answer("Decision recorded", "")
    out = decide.finish()
    assert decide.child.exitstatus == 0, out
    assert "Agreed (co-signed)" in out
    saved = re.search(r"Saved as decision (\d+)", out)
    assert saved, out
    decision_id = saved.group(1)

    # infoshare show NUMBER: reading asks who you are (a list, then a hidden passphrase); then
    # the saved decision, agreed, with both names and the answers.
    show = Terminal(["show", decision_id], env, tmp_path)
    show.answer("Who is reading", "1" + ENTER)  # Alex
    show.answer(f"Passphrase for {ALEX}", ALEX_PASS + ENTER)
    shown_text = show.finish()
    assert show.child.exitstatus == 0, shown_text
    assert ALEX_PASS not in shown_text  # the passphrase is never echoed
    shown = subprocess.CompletedProcess([], 0, stdout=shown_text)
    assert "agreed" in shown.stdout
    for expected in ("C-1042", ALEX, PRIYA, "Referral form", "Agreed after talking it through."):
        assert expected in shown.stdout, shown.stdout
    as_json = subprocess.run(
        [str(INFOSHARE), "show", decision_id, "--json", "--as", PRIYA],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        input=PRIYA_PASS + "\n",
    )
    assert '"status": "agreed"' in as_json.stdout
    assert '"outcome": "share"' in as_json.stdout

    # infoshare review: pick the decision from the list and read it, no id to type.
    review = Terminal(["review"], env, tmp_path)
    review.answer("Who is reading", "2" + ENTER)  # Priya
    review.answer(f"Passphrase for {PRIYA}", PRIYA_PASS + ENTER)
    review.answer("Which decision do you want to read", DOWN + ENTER)
    review.answer("Read another", "n")
    out = review.finish()
    assert review.child.exitstatus == 0, out
    assert f"Decision {decision_id}" in out
    assert "Agreed after talking it through." in out


def test_ctrl_c_in_the_wizard_writes_nothing_and_says_so(env, tmp_path, staffed_log):
    env["INFOSHARE_DB"] = str(staffed_log.path)
    before = staffed_log.count()
    decide = Terminal(["decide"], env, tmp_path)
    decide.answer("Who is taking this decision", "1" + ENTER)
    decide.answer("Passphrase for", ALEX_PASS + ENTER)
    decide.answer("Case reference", "C-1" + ENTER)
    decide.answer("immediate danger", "\x03")
    out = decide.finish()
    assert decide.child.exitstatus == 130, out
    assert "Cancelled: nothing was written." in out
    assert "Error" not in out
    assert "Traceback" not in out
    assert staffed_log.count() == before


@pytest.mark.skipif(
    shutil.which("age") is None,
    reason="the age tool is not installed (.ci/run installs Debian's age package); "
    "tests/test_export_encrypted.py opens the same files with pyrage's own decrypt",
)
def test_an_encrypted_export_in_a_terminal_opens_with_the_age_tool(env, tmp_path, staffed_log):
    """Every passphrase is typed at a hidden prompt; the file's is asked twice; then the
    ordinary `age` tool opens the file with it, as a reader elsewhere would."""
    env["INFOSHARE_DB"] = str(staffed_log.path)
    file_pass = "blue kettle on the windowsill"
    export = Terminal(
        ["export", "--encrypt", "-f", "json", "--by", ALEX, "--out", "e.json.age"], env, tmp_path
    )
    export.answer("Passphrase for Alex Morgan", ALEX_PASS + ENTER)
    export.answer("New passphrase for the export file", file_pass + ENTER)
    export.answer("Type it again", file_pass + ENTER)
    out = export.finish()
    assert export.child.exitstatus == 0, out
    assert ALEX_PASS not in out and file_pass not in out
    assert "age -d -o e.json e.json.age" in out
    reader = pexpect.spawn(
        shutil.which("age"), ["-d", "-o", "e.json", "e.json.age"], cwd=str(tmp_path), timeout=120
    )
    reader.expect("passphrase")
    reader.sendline(file_pass)
    reader.expect(pexpect.EOF)
    reader.close()
    assert reader.exitstatus == 0
    opened = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    assert opened["format"] == "infoshare-export/1" and opened["exported_by"] == ALEX


def test_a_cosigners_wrong_passphrases_keep_the_decision(env, tmp_path, staffed_log):
    """Three wrong passphrases at the co-signature: the decision is saved as awaiting, the
    screen says so, and the hint to co-sign later is a command that runs as shown."""
    env["INFOSHARE_DB"] = str(staffed_log.path)
    env["PATH"] = "/usr/bin:/bin"  # infoshare is not on PATH, as after the README's install
    before = staffed_log.count()
    decide = Terminal(["decide"], env, tmp_path)
    for screen, keys in [
        ("Who is taking this decision", ENTER),  # Enter alone is refused, and it asks again
        ("Nothing is chosen yet", "1" + ENTER),
        ("Passphrase for", ALEX_PASS + ENTER),
        ("Case reference", "C-1" + ENTER),
        ("immediate danger", "2" + ENTER),
        ("clear and legitimate purpose", "2" + ENTER),  # no
        ("What is the purpose", "Out of curiosity only." + ENTER),
        ("Is this record right", "1" + ENTER),
        ("which manager is co-signing", "1" + ENTER),
        (f"Passphrase for {PRIYA}", "wrong one" + ENTER),
        (r"Wrong passphrase \(2 tries left\)", "wrong two" + ENTER),
        (r"Wrong passphrase \(1 try left\)", "wrong three" + ENTER),
    ]:
        decide.answer(screen, keys)
    out = decide.finish()
    assert decide.child.exitstatus == 0, out
    assert "Nothing is chosen yet" in out
    assert "Awaiting co-signature" in out and "wrong 3 times" in out
    assert staffed_log.count() == before + 1
    hint = re.search(r"`([^`]*) cosign (\d+)`", out)
    assert hint, out
    assert hint.group(1) == str(INFOSHARE)  # not a bare `infoshare`: it is not on PATH


@pytest.mark.parametrize("confirm", ["y", "n"])
def test_erase_in_a_terminal_two_managers_pick_their_names(env, tmp_path, staffed_log, confirm):
    """At a terminal: each manager picks their name and types their passphrase (hidden),
    the reason is asked, and nothing is erased unless they confirm."""
    from support.erasing import decide_with_record
    from support.people import SAM, signer

    from infoshare_cli.integrity.verify import verify_path

    with staffed_log.open() as ledger:
        decision, _ = decide_with_record(ledger, signer(ledger, SAM), case_ref="Jane Smith")
    env["INFOSHARE_DB"] = str(staffed_log.path)
    if confirm == "y":  # by its number: the log's first decision
        erase = Terminal(["erase", "1"], env, tmp_path)
    else:  # no number: picked from the list of the newest decisions
        erase = Terminal(["erase"], env, tmp_path)
        erase.answer("Which decision do you want to erase", "")
        erase.answer(r"Decision 1 · [0-9-]+ [0-9:]+ · Do not share · awaiting", DOWN + ENTER)
    erase.answer("Which manager is erasing", "1" + ENTER)  # Alex, the first manager
    erase.answer("Passphrase for Alex Morgan", ALEX_PASS + ENTER)
    erase.answer("Why is it erased", "A name was typed as the case reference." + ENTER)
    erase.answer("Which manager co-signs the erasure", "1" + ENTER)  # Priya: Alex is not listed
    erase.answer("Passphrase for Priya Shah", PRIYA_PASS + ENTER)
    erase.answer("for good", confirm)
    out = erase.finish()
    assert ALEX_PASS not in out and PRIYA_PASS not in out
    report = verify_path(staffed_log.path)
    assert report.ok
    if confirm == "n":
        assert erase.child.exitstatus == 1 and "Nothing was erased." in out
        assert report.erased == []
        return
    assert erase.child.exitstatus == 0, out
    assert "Erased decision 1," in out and "Backups taken before now" in out
    assert [e.decision for e in report.erased] == [decision]


def test_staff_add_with_no_options_asks_for_what_it_needs(env, tmp_path, staffed_log):
    env["INFOSHARE_DB"] = str(staffed_log.path)
    add = Terminal(["staff", "add"], env, tmp_path)
    add.answer("Which manager is authorising this", "1" + ENTER)  # Alex, the first manager
    add.answer(f"Passphrase for {ALEX}", ALEX_PASS + ENTER)
    add.answer("Their name", PRIYA + ENTER)  # taken: asked again
    add.answer("Their name", "Kim Lowe" + ENTER)
    add.answer("What is Kim Lowe's role", "2" + ENTER)  # practitioner
    add.answer("designated safeguarding lead", "n")
    add.answer("New passphrase for Kim Lowe", "kim passphrase five" + ENTER)
    add.answer("Type it again", "kim passphrase five" + ENTER)
    out = add.finish()
    assert add.child.exitstatus == 0, out
    assert "is already registered" in out
    assert "Kim Lowe (practitioner) is registered (added by Alex Morgan)" in out


@pytest.mark.parametrize("columns", [60, 80])
def test_long_choices_wrap_at_words_on_a_small_screen(env, tmp_path, staffed_log, columns):
    """The legal tests being ticked can be read in full at 60 and 80 columns."""
    env["INFOSHARE_DB"] = str(staffed_log.path)
    decide = Terminal(["decide"], env, tmp_path, columns=columns)
    for screen, keys in [
        ("Who is taking this decision", "1" + ENTER),
        ("Passphrase for", ALEX_PASS + ENTER),
        ("Case reference", "C-1" + ENTER),
        ("immediate danger", "2" + ENTER),
        ("legitimate purpose", "1" + ENTER),
        (r"What is the purpose \(in a few words\)", "To keep the child safe." + ENTER),
        ("identified", "1" + ENTER),
        ("confidential", "1" + ENTER),
        ("consent to share", "3" + ENTER),  # not sought
        ("What happened, and why", "It would put the child at risk." + ENTER),
        ("Which good reason not to seek consent", "1" + ENTER),
        ("statutory duty", "2" + ENTER),  # no
        ("sufficient public interest", "\x03"),
    ]:
        decide.answer(screen, keys)
    out = decide.finish()
    flat = " ".join(out.split())
    for label in (
        "No, consent was not sought, for a good reason (asking would put a child or others at "
        "risk, hamper an investigation, or cause undue delay)",
        "Critical criterion 1: there is evidence that the child is suffering, or is at risk of "
        "suffering, significant harm",
    ):
        assert label in flat, out
    # each line of a long choice starts where its words fit the screen
    for line in out.splitlines():
        if "suffering, or is at risk" in line:
            assert len(line.rstrip()) <= columns, line


def test_anchor_in_a_terminal_two_managers_pick_their_names(env, tmp_path, staffed_log):
    """At a terminal: the manager taking the anchor and a second one each pick their name
    and type their passphrase (hidden); the signed anchor it prints checks the log."""
    env["INFOSHARE_DB"] = str(staffed_log.path)
    anchor = Terminal(["anchor"], env, tmp_path)
    anchor.answer("Which manager is taking the anchor", "1" + ENTER)  # Alex
    anchor.answer("Passphrase for Alex Morgan", ALEX_PASS + ENTER)
    anchor.answer("Which manager countersigns the anchor", "1" + ENTER)  # Priya: not Alex
    anchor.answer("Passphrase for Priya Shah", PRIYA_PASS + ENTER)
    out = anchor.finish()
    assert anchor.child.exitstatus == 0, out
    assert ALEX_PASS not in out and PRIYA_PASS not in out
    assert "signed by Alex Morgan and countersigned by Priya Shah" in " ".join(out.split())
    start = out.index("infoshare-hash-chain/")
    note = out[start : out.index("This anchor pins")].strip()
    saved = tmp_path / "anchor.txt"
    saved.write_text(note + "\n", encoding="utf-8")
    from support.ledger_attacks import run_cli

    checked = run_cli(staffed_log.path, "verify", "--anchor", str(saved))
    assert checked.exit_code == 0, checked.output
    assert "both signatures hold" in checked.stdout


def test_anchor_out_at_a_terminal_saves_only_the_signed_anchor(env, tmp_path, staffed_log):
    """At 80 columns, `anchor --out FILE`: the prompts stay on the screen and the file holds
    the signed anchor alone; `> FILE` instead is refused before anything is asked."""
    env["INFOSHARE_DB"] = str(staffed_log.path)
    redirected = pexpect.spawn(
        "/bin/sh",
        ["-c", f"'{INFOSHARE}' anchor > redirected.txt"],
        env={**env, "COLUMNS": "80"},
        cwd=str(tmp_path),
        encoding="utf-8",
        dimensions=(40, 80),
        timeout=TIMEOUT,
    )
    said = redirected.read()
    redirected.close()
    assert redirected.exitstatus == 1, said
    assert "anchor --out anchor.txt" in " ".join(said.split())
    assert (tmp_path / "redirected.txt").read_text(encoding="utf-8") == ""
    anchor = Terminal(["anchor", "--out", "anchor.txt"], env, tmp_path, columns=80)
    anchor.answer("Which manager is taking the anchor", "1" + ENTER)  # Alex
    anchor.answer("Passphrase for Alex Morgan", ALEX_PASS + ENTER)
    anchor.answer("Which manager countersigns the anchor", "1" + ENTER)  # Priya: not Alex
    anchor.answer("Passphrase for Priya Shah", PRIYA_PASS + ENTER)
    out = anchor.finish()
    assert anchor.child.exitstatus == 0, out
    saved = (tmp_path / "anchor.txt").read_text(encoding="utf-8")
    assert saved.startswith("infoshare-hash-chain/") and "Passphrase" not in saved
    from support.ledger_attacks import run_cli

    checked = run_cli(staffed_log.path, "verify", "--anchor", str(tmp_path / "anchor.txt"))
    assert checked.exit_code == 0, checked.output
    assert "both signatures hold" in checked.stdout


# --- every screen at 60, 80 and 120 columns ----------------------------------------------

# Words that must never be cut across two lines on these screens.
WHOLE_WORDS = ("passphrase", "guesses", "together", "signature", "entries", "checked", "chain")


def _broken(screen: str, words=WHOLE_WORDS) -> list[str]:
    """Words of ``words`` cut at a line end ("gu" then "esses")."""
    lines = [line.rstrip() for line in screen.splitlines()]
    found = []
    for above, below in zip(lines, lines[1:], strict=False):
        for word in words:
            for cut in range(1, len(word)):
                head, tail = word[:cut], word[cut:]
                cut_here = re.search(rf"\b{head}$", above) and not above.endswith(word)
                if cut_here and below.lstrip().startswith(tail):
                    found.append(f"{head}|{tail}")
    return found


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_messages_and_echo_lines_wrap_at_words(env, tmp_path, columns):
    """The weak-passphrase message, the "? Question answer" lines left after each answer and
    the set-up messages read whole at 60, 80 and 120 columns."""
    init = Terminal(
        ["init", "--setting", "Little Acorns Nursery, Green Lane", "--manager", ALEX],
        env,
        tmp_path,
        columns=columns,
    )
    init.answer(f"New passphrase for {ALEX}", "password12" + ENTER)  # refused: too easy
    init.answer("try millions of", "")
    init.answer(f"New passphrase for {ALEX}", ALEX_PASS + ENTER)
    init.answer("Type it again", ALEX_PASS + ENTER)
    init.answer("Add another manager now", "n")
    init.finish()
    out = init.screen()
    assert init.child.exitstatus == 0, out
    assert _broken(out) == []
    flat = " ".join(out.split())
    assert "Someone who copies the log could try millions of guesses." in flat
    assert "? Add another manager now? They co-sign decisions. No" in flat
    for line in out.splitlines():
        # The echo lines and messages fit. Not checked: the prompt being typed into, and a
        # path too long for the screen, which is never split.
        if not line.startswith("? New passphrase") and " " in line.strip():
            assert len(line) <= columns, line

    verify = Terminal(["verify"], env, tmp_path, columns=columns)
    verify.finish()
    out = verify.screen()
    assert verify.child.exitstatus == 0, out
    assert _broken(out) == []
    assert all(len(line) <= columns for line in out.splitlines() if " " in line.strip()), out
    assert "every signature holds" in " ".join(out.split())


def test_keys_typed_while_a_passphrase_is_checked_are_not_shown_nor_kept(env, tmp_path):
    """Typing while the new passphrase is turned into a key (Argon2id): the keys are not
    shown, and they do not answer the question that comes next."""
    init = Terminal(["init", "--setting", "Little Acorns", "--manager", ALEX], env, tmp_path)
    init.answer(f"New passphrase for {ALEX}", ALEX_PASS + ENTER)
    init.answer("Type it again", ALEX_PASS + ENTER)
    init.child.send("CLOUDS4ALL" + ENTER)  # typed ahead, as if the passphrase had not taken
    init.answer("Add another manager now", "n")
    init.finish()
    out = init.screen()
    assert init.child.exitstatus == 0, out
    assert "CLOUDS4ALL" not in out
    assert "Add another manager now? They co-sign decisions. No" in " ".join(out.split())


def test_a_passphrase_typed_before_its_prompt_is_not_shown(env, tmp_path, staffed_log):
    """Typed while infoshare is still starting, before any question: not shown, not kept."""
    env["INFOSHARE_DB"] = str(staffed_log.path)
    decide = Terminal(["decide"], env, tmp_path)
    decide.answer("call 999", "")  # printed before the first question is asked
    decide.child.send(ALEX_PASS)  # typed ahead (a list ignores these keys if it is there)
    decide.answer("Who is taking this decision", "1" + ENTER)
    decide.answer(f"Passphrase for {ALEX}", "\x03")
    decide.finish()
    out = decide.screen()
    assert ALEX_PASS not in out
    assert "Cancelled: nothing was written." in out
