"""`infoshare init` and `infoshare staff ...` through the CLI, with passphrases on standard
input; and a check that no command takes a passphrase as an argument or from the environment."""

from __future__ import annotations

import json
import os
import stat

import pytest
import typer
import yaml
from support.people import ALEX, JO, PASSPHRASES, PRIYA, SAM, answers_file_data

POSIX_ONLY = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
NEW = "a brand new passphrase"


def lines(*items: str) -> str:
    return "".join(f"{item}\n" for item in items)


def refused(result, message: str, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output


def staff_json(cli, db, *extra) -> list[dict]:
    result = cli("staff", "list", "--json", *extra, db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- init -----------------------------------------------------------------------------------


def _init(cli, db, *passphrases, setting="Little Acorns Nursery", manager="Alex Morgan"):
    args = ["init"]
    if setting is not None:
        args += ["--setting", setting]
    if manager is not None:
        args += ["--manager", manager]
    return cli(*args, input=lines(*passphrases), db=db)


def test_init_creates_a_log_with_the_first_manager(cli, tmp_path):
    db = tmp_path / "new" / "log.sqlite3"
    result = _init(cli, db, PASSPHRASES[ALEX], PASSPHRASES[ALEX])
    assert result.exit_code == 0, result.output
    assert f"Set up a new log for Little Acorns Nursery at {db}" in result.output
    assert "Alex Morgan is registered as a manager." in result.output
    assert "infoshare staff add --name NAME --role manager" in result.output
    assert "New passphrase for Alex Morgan (at least 10 characters)" in result.stderr
    assert "Type it again" in result.stderr
    assert PASSPHRASES[ALEX] not in result.output  # never echoed
    assert staff_json(cli, db) == [
        {"name": "Alex Morgan", "role": "manager", "dsl": False, "active": True}
    ]


@POSIX_ONLY
def test_init_file_is_owner_only(cli, tmp_path):
    db = tmp_path / "log.sqlite3"
    assert _init(cli, db, PASSPHRASES[ALEX], PASSPHRASES[ALEX]).exit_code == 0
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_init_mismatched_passphrases_are_refused(cli, tmp_path):
    db = tmp_path / "log.sqlite3"
    result = _init(cli, db, "first passphrase", "second passphrase", *["one two three", "x"] * 2)
    refused(
        result, "The two passphrases were not the same. Nothing was written; please start again."
    )
    assert not db.exists()


def test_init_mismatch_then_match_is_fine(cli, tmp_path):
    db = tmp_path / "log.sqlite3"
    result = _init(cli, db, "first passphrase", "second passphrase", NEW, NEW)
    assert result.exit_code == 0, result.output
    assert "The two passphrases were not the same." in result.stderr
    assert db.exists()


def test_init_too_short_passphrase_is_refused(cli, tmp_path):
    db = tmp_path / "log.sqlite3"
    result = _init(cli, db, "short", "tiny", "          ")
    refused(result, "Nothing was written; please start again.")
    assert "A passphrase must be at least 10 characters long." in result.output
    assert "A passphrase cannot be only spaces." in result.output
    assert not db.exists()


def test_init_with_no_passphrase_on_stdin_leaves_no_file(cli, tmp_path):
    db = tmp_path / "log.sqlite3"
    result = _init(cli, db)
    assert result.exit_code == 130, result.output
    assert "nothing was written" in result.output
    assert not db.exists()
    assert not list(tmp_path.iterdir())


def test_init_never_overwrites(cli, staffed_log):
    before = staffed_log.count()
    result = _init(cli, staffed_log.path, NEW, NEW)
    refused(result, f"There is already a log at {staffed_log.path}; infoshare never overwrites")
    assert staffed_log.count() == before
    assert staff_json(cli, staffed_log.path)[0]["name"] == ALEX


def test_init_never_overwrites_any_file(cli, tmp_path):
    db = tmp_path / "notes.txt"
    db.write_text("precious")
    refused(_init(cli, db, NEW, NEW), "infoshare never overwrites a log")
    assert db.read_text() == "precious"


@pytest.mark.parametrize(
    ("setting", "manager", "message"),
    [
        (None, "Alex", "Give your setting's name with --setting NAME."),
        ("Acorns", None, "Give the first manager's name with --manager NAME."),
        ("Acorns", "   ", "A name cannot be empty."),
    ],
)
def test_init_without_a_terminal_needs_names(cli, tmp_path, setting, manager, message):
    db = tmp_path / "log.sqlite3"
    refused(_init(cli, db, NEW, NEW, setting=setting, manager=manager), message)
    assert not db.exists()


# --- staff add ------------------------------------------------------------------------------


def test_staff_add_by_a_manager(cli, staffed_log):
    before = staffed_log.count()
    result = cli(
        "staff",
        "add",
        "--name",
        "  Kim   Ng ",
        "--role",
        "practitioner",
        "--dsl",
        "--by",
        PRIYA,
        input=lines(PASSPHRASES[PRIYA], NEW, NEW),
        db=staffed_log.path,
    )
    assert result.exit_code == 0, result.output
    assert (
        "Kim Ng (practitioner, designated safeguarding lead) is registered (added by Priya Shah)."
        in result.output
    )
    assert staffed_log.count() == before + 1
    kim = [p for p in staff_json(cli, staffed_log.path) if p["name"] == "Kim Ng"]
    assert kim == [{"name": "Kim Ng", "role": "practitioner", "dsl": True, "active": True}]
    # and Kim can now sign a decision with the passphrase she chose
    path = staffed_log.path.parent / "answers.yaml"
    path.write_text(yaml.safe_dump(answers_file_data("share", by="Kim Ng")), encoding="utf-8")
    result = cli("decide", "--answers", path, input=lines(NEW), db=staffed_log.path)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("by", "message"),
    [
        (SAM, "Only a manager can change the staff register; Sam Lee is a practitioner."),
        (JO, "Jo Baker has been deactivated and can no longer sign."),
        ("Nobody Here", "Nobody called 'Nobody Here' is registered."),
    ],
)
def test_staff_add_needs_an_active_manager(cli, staffed_log, by, message):
    before = staffed_log.count()
    result = cli(
        "staff",
        "add",
        "--name",
        "Kim Ng",
        "--role",
        "manager",
        "--by",
        by,
        input=lines(PASSPHRASES.get(by, NEW), NEW, NEW),
        db=staffed_log.path,
    )
    refused(result, message)
    assert "Passphrase for" not in result.output  # refused before any passphrase
    assert staffed_log.count() == before


def test_staff_add_wrong_manager_passphrase(cli, staffed_log):
    before = staffed_log.count()
    result = cli(
        "staff",
        "add",
        "--name",
        "Kim Ng",
        "--role",
        "manager",
        "--by",
        ALEX,
        input=lines("wrong one", "wrong two", "wrong three", NEW, NEW),
        db=staffed_log.path,
    )
    refused(result, "3 wrong passphrases for Alex Morgan")
    assert staffed_log.count() == before


@pytest.mark.parametrize("name", [PRIYA, "priya  shah", "SAM LEE"])
def test_staff_add_duplicate_name(cli, staffed_log, name):
    before = staffed_log.count()
    result = cli(
        "staff",
        "add",
        "--name",
        name,
        "--role",
        "manager",
        "--by",
        ALEX,
        input=lines(PASSPHRASES[ALEX], NEW, NEW),
        db=staffed_log.path,
    )
    refused(result, "is already registered. Use a name that tells them apart")
    assert "Passphrase for" not in result.output  # refused before any passphrase
    assert staffed_log.count() == before


def test_staff_add_reuses_a_deactivated_name(cli, staffed_log):
    result = cli(
        "staff",
        "add",
        "--name",
        JO,
        "--role",
        "practitioner",
        "--by",
        ALEX,
        input=lines(PASSPHRASES[ALEX], NEW, NEW),
        db=staffed_log.path,
    )
    assert result.exit_code == 0, result.output
    jos = [p for p in staff_json(cli, staffed_log.path, "--all") if p["name"] == JO]
    assert [(p["role"], p["active"]) for p in jos] == [("manager", False), ("practitioner", True)]


@pytest.mark.parametrize("role", ["boss", "Manager", ""])
def test_staff_add_bad_role(cli, staffed_log, role):
    before = staffed_log.count()
    result = cli(
        "staff",
        "add",
        "--name",
        "Kim Ng",
        "--role",
        role,
        "--by",
        ALEX,
        input=lines(PASSPHRASES[ALEX], NEW, NEW),
        db=staffed_log.path,
    )
    refused(result, f"The role must be one of: manager, practitioner (not '{role}').")
    assert staffed_log.count() == before


def test_staff_add_new_passphrase_too_short(cli, staffed_log):
    before = staffed_log.count()
    result = cli(
        "staff",
        "add",
        "--name",
        "Kim Ng",
        "--role",
        "practitioner",
        "--by",
        ALEX,
        input=lines(PASSPHRASES[ALEX], "short", "short", "short"),
        db=staffed_log.path,
    )
    refused(result, "A passphrase must be at least 10 characters long.")
    assert staffed_log.count() == before


# --- staff list -----------------------------------------------------------------------------


def test_staff_list(cli, staffed_log):
    result = cli("staff", "list", db=staffed_log.path)
    assert result.exit_code == 0, result.output
    for name in (ALEX, PRIYA, SAM):
        assert name in result.output
    assert JO not in result.output
    assert "Staff register" in result.output

    assert staff_json(cli, staffed_log.path) == [
        {"name": ALEX, "role": "manager", "dsl": False, "active": True},
        {"name": PRIYA, "role": "manager", "dsl": True, "active": True},
        {"name": SAM, "role": "practitioner", "dsl": False, "active": True},
    ]
    everyone = staff_json(cli, staffed_log.path, "--all")
    assert [p["name"] for p in everyone] == [ALEX, PRIYA, SAM, JO]
    assert everyone[3] == {"name": JO, "role": "manager", "dsl": False, "active": False}

    result = cli("staff", "list", "--all", db=staffed_log.path)
    assert JO in result.output


def test_staff_list_without_a_log(cli, tmp_path):
    result = cli("staff", "list", db=tmp_path / "none.sqlite3")
    refused(result, "No infoshare log at")
    assert "infoshare init" in result.output
    assert not (tmp_path / "none.sqlite3").exists()


def test_staff_json_holds_no_keys(cli, staffed_log):
    text = cli("staff", "list", "--json", "--all", db=staffed_log.path).stdout
    assert "sealed" not in text and "public_key" not in text


# --- staff deactivate -----------------------------------------------------------------------


def test_deactivate_then_the_last_manager_is_kept(cli, staffed_log):
    before = staffed_log.count()
    result = cli(
        "staff",
        "deactivate",
        PRIYA,
        "--by",
        ALEX,
        input=lines(PASSPHRASES[ALEX]),
        db=staffed_log.path,
    )
    assert result.exit_code == 0, result.output
    assert "Priya Shah is deactivated (by Alex Morgan)." in result.output
    assert staffed_log.count() == before + 1
    assert PRIYA not in [p["name"] for p in staff_json(cli, staffed_log.path)]

    before = staffed_log.count()
    result = cli(
        "staff",
        "deactivate",
        ALEX,
        "--by",
        ALEX,
        input=lines(PASSPHRASES[ALEX]),
        db=staffed_log.path,
    )
    refused(result, "Alex Morgan is the only active manager; add another manager first.")
    assert "Passphrase for" not in result.output
    assert staffed_log.count() == before

    # Priya can no longer co-sign, nor authorise
    result = cli(
        "staff",
        "add",
        "--name",
        "Kim Ng",
        "--role",
        "manager",
        "--by",
        PRIYA,
        input=lines(PASSPHRASES[PRIYA], NEW, NEW),
        db=staffed_log.path,
    )
    refused(result, "Priya Shah has been deactivated and can no longer sign.")
    assert staffed_log.count() == before


@pytest.mark.parametrize(
    ("name", "by", "message"),
    [
        (JO, ALEX, "Jo Baker is already deactivated."),
        (PRIYA, SAM, "Only a manager can change the staff register; Sam Lee is a practitioner."),
        (PRIYA, JO, "Jo Baker has been deactivated and can no longer sign."),
        ("Nobody Here", ALEX, "Nobody called 'Nobody Here' is registered."),
    ],
)
def test_deactivate_refusals(cli, staffed_log, name, by, message):
    before = staffed_log.count()
    result = cli(
        "staff",
        "deactivate",
        name,
        "--by",
        by,
        input=lines(PASSPHRASES.get(by, NEW)),
        db=staffed_log.path,
    )
    refused(result, message)
    assert staffed_log.count() == before


def test_deactivated_staff_cannot_decide(cli, staffed_log):
    cli(
        "staff",
        "deactivate",
        SAM,
        "--by",
        ALEX,
        input=lines(PASSPHRASES[ALEX]),
        db=staffed_log.path,
    )
    path = staffed_log.path.parent / "answers.yaml"
    path.write_text(yaml.safe_dump(answers_file_data("share")), encoding="utf-8")
    before = staffed_log.count()
    result = cli("decide", "--answers", path, input=lines(PASSPHRASES[SAM]), db=staffed_log.path)
    refused(result, "Sam Lee has been deactivated and can no longer sign.")
    assert staffed_log.count() == before


# --- staff passphrase -----------------------------------------------------------------------


def _decide(cli, staffed_log, passphrase, tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers_file_data("share")), encoding="utf-8")
    return cli(
        "decide",
        "--answers",
        path,
        "--by",
        SAM,
        "--cosigner",
        PRIYA,
        input=lines(passphrase, passphrase + "x", passphrase + "y", PASSPHRASES[PRIYA]),
        db=staffed_log.path,
    )


def _decision_ids(staffed_log) -> list[int]:
    with staffed_log.open() as ledger:
        rows = ledger.db.execute("SELECT seq FROM entries WHERE kind = 'decision' ORDER BY seq")
        return [seq for (seq,) in rows.fetchall()]


def test_passphrase_change(cli, staffed_log, tmp_path):
    assert _decide(cli, staffed_log, PASSPHRASES[SAM], tmp_path).exit_code == 0
    [earlier] = _decision_ids(staffed_log)

    before = staffed_log.count()
    result = cli(
        "staff",
        "passphrase",
        SAM,
        input=lines(PASSPHRASES[SAM], NEW, NEW),
        db=staffed_log.path,
    )
    assert result.exit_code == 0, result.output
    assert "The passphrase for Sam Lee is changed." in result.output
    assert staffed_log.count() == before + 1

    # the old passphrase no longer works: three tries of it end the attempt
    before = staffed_log.count()
    result = _decide(cli, staffed_log, PASSPHRASES[SAM], tmp_path)
    refused(result, "3 wrong passphrases for Sam Lee")
    assert staffed_log.count() == before

    # the new one does
    result = _decide(cli, staffed_log, NEW, tmp_path)
    assert result.exit_code == 0, result.output
    later = _decision_ids(staffed_log)[-1]

    # both decisions still verify: the earlier one with the key Sam had then
    for decision in (earlier, later):
        shown = json.loads(cli("show", f"e{decision}", "--json", db=staffed_log.path).stdout)
        assert shown["signature_ok"] is True, decision
        assert shown["cosignatures"][0]["signature_ok"] is True


def test_passphrase_change_refusals(cli, staffed_log):
    before = staffed_log.count()
    result = cli(
        "staff",
        "passphrase",
        SAM,
        input=lines("wrong", "wrong", "wrong", NEW, NEW),
        db=staffed_log.path,
    )
    refused(result, "3 wrong passphrases for Sam Lee")

    result = cli(
        "staff",
        "passphrase",
        SAM,
        input=lines(PASSPHRASES[SAM], NEW, "different"),
        db=staffed_log.path,
    )
    assert result.exit_code != 0
    assert "The two passphrases were not the same." in result.output

    result = cli(
        "staff", "passphrase", JO, input=lines(PASSPHRASES[JO], NEW, NEW), db=staffed_log.path
    )
    refused(result, "Jo Baker has been deactivated and can no longer sign.")
    assert staffed_log.count() == before

    # nothing changed: the old passphrase still works
    result = cli(
        "staff", "passphrase", SAM, input=lines(PASSPHRASES[SAM], NEW, NEW), db=staffed_log.path
    )
    assert result.exit_code == 0, result.output


# --- passphrases are never arguments --------------------------------------------------------


def _all_commands():
    from infoshare_cli.cli.main import app

    root = typer.main.get_command(app)

    def walk(command, path):
        yield path, command
        # typer may bring its own click: duck-type groups rather than isinstance(click.Group)
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return list(walk(root, []))


def test_every_command_is_walked():
    names = {" ".join(path) for path, _ in _all_commands()}
    for expected in (
        "init",
        "decide",
        "pending",
        "cosign",
        "show",
        "staff add",
        "staff list",
        "staff deactivate",
        "staff passphrase",
    ):
        assert expected in names


def test_no_command_takes_a_passphrase_argument(cli):
    for path, command in _all_commands():
        for param in command.params:
            names = [param.name or "", *getattr(param, "opts", [])]
            assert not any("pass" in n.lower() or "secret" in n.lower() for n in names), (
                path,
                names,
            )
            assert not getattr(param, "envvar", None), (path, param.name)
        result = cli(*path, "--help")
        assert result.exit_code == 0, (path, result.output)
        assert "--passphrase" not in result.output, path
        assert "--password" not in result.output, path


def test_staff_add_without_a_terminal_names_every_missing_option(cli, staffed_log):
    result = cli("staff", "add", "--role", "manager", input="", db=staffed_log.path)
    assert result.exit_code == 1
    assert "Give --name NAME, --by NAME (no terminal is attached to ask)" in result.output
    assert "Missing option" not in result.output


def test_help_and_behaviour_agree_about_by_without_a_terminal(cli, staffed_log):
    """--help says a script must give --by; without a terminal, leaving it out says so."""
    helped = cli("export", "--help", db=staffed_log.path)
    flat = " ".join(helped.output.split())
    assert "Asked at a terminal; a script must give it." in flat
    result = cli("export", "--format", "json", "-o", "x.json", input="", db=staffed_log.path)
    assert result.exit_code == 1
    assert "--by NAME (no terminal is attached" in " ".join(result.output.split())


# --- a forgotten passphrase, reset by two managers ------------------------------------------


def test_two_managers_reset_a_forgotten_passphrase(cli, staffed_log, tmp_path):
    from infoshare_cli.integrity.verify import verify_path

    assert _decide(cli, staffed_log, PASSPHRASES[SAM], tmp_path).exit_code == 0
    [earlier] = _decision_ids(staffed_log)
    before = staffed_log.count()
    result = cli(
        "staff",
        "reset",
        SAM,
        "--by",
        ALEX,
        "--second",
        PRIYA,
        input=lines(PASSPHRASES[ALEX], PASSPHRASES[PRIYA], NEW, NEW),
        db=staffed_log.path,
    )
    assert result.exit_code == 0, result.output
    assert "The passphrase for Sam Lee is reset by Alex Morgan and Priya Shah" in result.output
    assert staffed_log.count() == before + 2  # the reset, and its confirmation
    assert verify_path(staffed_log.path).ok

    # the forgotten passphrase no longer signs; the new one does
    refused(_decide(cli, staffed_log, PASSPHRASES[SAM], tmp_path), "3 wrong passphrases")
    assert _decide(cli, staffed_log, NEW, tmp_path).exit_code == 0
    later = _decision_ids(staffed_log)[-1]
    for decision in (earlier, later):  # the earlier one still checks with the old key
        shown = json.loads(cli("show", f"e{decision}", "--json", db=staffed_log.path).stdout)
        assert shown["signature_ok"] is True, (decision, earlier, shown)
    assert verify_path(staffed_log.path).ok


@pytest.mark.parametrize(
    "who, by, second, message",
    [
        (ALEX, ALEX, PRIYA, "two active managers other than Alex Morgan"),
        (SAM, ALEX, ALEX, "Priya"),  # the second is picked from the others: Alex is refused
        (SAM, SAM, PRIYA, "Only a manager can reset a passphrase"),
        (JO, ALEX, PRIYA, "has been deactivated"),
    ],
)
def test_a_reset_needs_two_other_active_managers(cli, staffed_log, who, by, second, message):
    before = staffed_log.count()
    result = cli(
        "staff",
        "reset",
        who,
        "--by",
        by,
        "--second",
        second,
        input=lines(PASSPHRASES[by], PASSPHRASES[second], NEW, NEW),
        db=staffed_log.path,
    )
    assert result.exit_code != 0
    if message != "Priya":
        assert message in result.output
    assert staffed_log.count() == before


def _reset_entry(ledger, by_name, who_name):
    from infoshare_cli.actions.staff import unlock
    from infoshare_cli.domain.staff import find_member
    from infoshare_cli.ledger import crypto
    from infoshare_cli.reading.register import load_register

    register = load_register(ledger)
    by = unlock(find_member(register, by_name), PASSPHRASES[by_name])
    key = crypto.generate_private_key()
    payload = {
        "action": "reset",
        "staff_id": find_member(register, who_name).staff_id,
        "public_key": crypto.public_key_b64(key),
        "sealed_key": crypto.seal_private_key(key, NEW),
        "by": by.staff_id,
    }
    return ledger.append("staff", by.staff_id, payload, by.sign), by


def test_verify_refuses_a_reset_no_second_manager_confirmed(staffed_log):
    from infoshare_cli.integrity.verify import verify_path

    with staffed_log.open() as ledger:
        _reset_entry(ledger, ALEX, SAM)
    report = verify_path(staffed_log.path)
    assert not report.ok
    assert any("no second manager confirmed" in p.message for p in report.problems)


def test_verify_refuses_a_reset_confirmed_by_the_same_manager(staffed_log):
    from infoshare_cli.integrity.verify import verify_path
    from infoshare_cli.reading.register import load_register

    with staffed_log.open() as ledger:
        reset, alex = _reset_entry(ledger, ALEX, SAM)
        sam = next(m for m in load_register(ledger).values() if m.name == SAM)
        confirm = {
            "action": "confirm_reset",
            "staff_id": sam.staff_id,
            "reset": reset.seq,
            "reset_hash": reset.hash,
            "by": alex.staff_id,
        }
        ledger.append("staff", alex.staff_id, confirm, alex.sign)
    report = verify_path(staffed_log.path)
    assert not report.ok
    assert any("two are needed" in p.message for p in report.problems)


def _priya_confirms_sams_reset(staffed_log, names=SAM, reset_hash=None):
    """Alex resets Sam's passphrase; Priya signs a confirmation of it that names ``names``
    and the reset's hash as ``reset_hash`` (its real one if None). Returns (the
    confirmation entry, the first problem verify finds)."""
    from support.ledger_attacks import signer_for

    from infoshare_cli.domain.staff import find_member
    from infoshare_cli.integrity.verify import verify_path
    from infoshare_cli.reading.register import load_register

    with staffed_log.open() as ledger:
        reset, _alex = _reset_entry(ledger, ALEX, SAM)
        named = find_member(load_register(ledger), names)
    priya = signer_for(staffed_log.path, PRIYA)
    with staffed_log.open() as ledger:
        confirm = {
            "action": "confirm_reset",
            "staff_id": named.staff_id,
            "reset": reset.seq,
            "reset_hash": reset.hash if reset_hash is None else reset_hash,
            "by": priya.staff_id,
        }
        entry = ledger.append("staff", priya.staff_id, confirm, priya.sign)
    return entry, verify_path(staffed_log.path).first_bad


def test_verify_refuses_a_confirmation_of_someone_elses_reset(staffed_log):
    """Alex resets Sam's passphrase; Priya's confirmation names Jo instead."""
    entry, bad = _priya_confirms_sams_reset(staffed_log, names=JO)
    assert (bad.seq, bad.code) == (entry.seq, "rule")
    assert bad.message.endswith(": it confirms the reset of someone else's passphrase.")


def test_verify_refuses_a_confirmation_of_another_version_of_the_reset(staffed_log):
    """Priya confirms Alex's reset of Sam's passphrase, but names a different hash for it."""
    entry, bad = _priya_confirms_sams_reset(staffed_log, reset_hash="0" * 64)
    assert (bad.seq, bad.code) == (entry.seq, "rule")
    assert bad.message.endswith(
        ": it confirms a different version of the passphrase reset before it."
    )
