"""The real Argon2id cost, and keys sealed with a weaker one sealed again at their owner's
next unlock, as a new signed entry (the log is never edited).

The rest of the suite seals keys cheaply (support/cheap_keys.py); here the cost the tool
ships with is put back (``real_cost``), or used as shipped in a process of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.people import ALEX, PASSPHRASES, PRIYA, SAM, answers_file_data, signer

from infoshare_cli.actions.staff import reseal_if_weaker, unlock
from infoshare_cli.domain.staff import find_member
from infoshare_cli.integrity.verify import verify_path
from infoshare_cli.ledger import crypto
from infoshare_cli.ledger.store import Ledger
from infoshare_cli.reading.register import load_register

SHIPPED = (65536, 3, 4)  # RFC 9106's second recommended setting
OLD = crypto.KdfCost(19456, 2, 1)  # what infoshare sealed with before 2026-11-30


@pytest.fixture
def real_cost(monkeypatch):
    monkeypatch.setattr(crypto, "SEALING_COST", crypto.RFC_9106_SECOND)


def _cost(sealed: dict) -> tuple[int, int, int]:
    return sealed["memory_kib"], sealed["iterations"], sealed["lanes"]


def _staff_entries(path: Path) -> list[dict]:
    with Ledger.open(path) as ledger:
        return [e.payload | {"_seq": e.seq} for e in ledger.entries(kinds=("staff",))]


def test_the_tool_as_shipped_seals_with_rfc_9106s_second_setting():
    # In a process of its own, without the tests' cheap cost on its path.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = (
        "from infoshare_cli.ledger import crypto\n"
        "c = crypto.SEALING_COST\n"
        "print(c.memory_kib, c.iterations, c.lanes)\n"
        "print(crypto.needs_resealing({'memory_kib': 19456, 'iterations': 2, 'lanes': 1}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [*map(str, SHIPPED), "True"]


def test_what_counts_as_weaker(real_cost):
    assert crypto.needs_resealing({"memory_kib": 19456, "iterations": 2, "lanes": 1})
    assert crypto.needs_resealing({"memory_kib": 65536, "iterations": 2, "lanes": 4})
    assert crypto.needs_resealing({"memory_kib": 32768, "iterations": 6, "lanes": 4})
    assert not crypto.needs_resealing({"memory_kib": 65536, "iterations": 3, "lanes": 1})
    assert not crypto.needs_resealing({"memory_kib": 131072, "iterations": 4, "lanes": 4})
    # A record whose cost cannot be read is not "weaker": unlocking it says it is damaged.
    assert not crypto.needs_resealing({"memory_kib": "19456", "iterations": 2, "lanes": 1})
    assert not crypto.needs_resealing(None)


def test_reading_reseals_the_readers_old_key_once(staffed_log, cli, real_cost):
    # The staffed log's keys are sealed with the tests' cheap cost: weaker than the real one.
    before = staffed_log.count()
    with staffed_log.open() as ledger:
        alex_before = find_member(load_register(ledger), ALEX)
    assert crypto.needs_resealing(alex_before.sealed_key)

    first = cli("log", db=staffed_log.path)
    assert first.exit_code == 0, first.output
    assert staffed_log.count() == before + 1
    newest = _staff_entries(staffed_log.path)[-1]
    assert newest["action"] == "reseal"
    assert newest["staff_id"] == newest["by"] == alex_before.staff_id
    assert _cost(newest["sealed_key"]) == SHIPPED
    # The same key, only sealed again: the register keeps it, and its signatures still hold.
    assert newest["sealed_key"]["public_key"] == alex_before.public_key
    with staffed_log.open() as ledger:
        alex = find_member(load_register(ledger), ALEX)
        assert alex.public_key == alex_before.public_key
        assert alex.sealed_key == newest["sealed_key"]
        assert alex.reading_key == alex_before.reading_key
        assert ledger.head().actor == alex.staff_id
    assert verify_path(staffed_log.path).ok

    again = cli("log", db=staffed_log.path)  # opens with the new seal; nothing to do now
    assert again.exit_code == 0, again.output
    assert staffed_log.count() == before + 1
    # The old passphrase is still the passphrase: it opens the new seal.
    assert unlock(alex, PASSPHRASES[ALEX]).staff_id == alex.staff_id


def test_a_decision_after_both_signers_are_resealed_verifies(staffed_log, cli, real_cost, tmp_path):
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(answers_file_data("share", by=SAM)))
    before = staffed_log.count()
    done = cli(
        "decide",
        "--answers",
        str(answers),
        "--cosigner",
        PRIYA,
        input=f"{PASSPHRASES[SAM]}\n{PASSPHRASES[PRIYA]}\n",
        db=staffed_log.path,
    )
    assert done.exit_code == 0, done.output
    with staffed_log.open() as ledger:
        kinds = [(e.kind, e.payload.get("action")) for e in ledger.entries(start=before + 1)]
    assert kinds == [
        ("staff", "reseal"),  # Sam, at his unlock
        ("staff", "reseal"),  # Priya, at hers
        ("decision", None),
        ("cosign", None),
    ]
    report = verify_path(staffed_log.path)
    assert report.ok, report


def test_a_key_sealed_by_the_older_version_is_resealed(tmp_path, real_cost, monkeypatch, cli):
    # A log whose keys carry the parameters this tool sealed with before (19 MiB, 2 passes).
    from support.people import build_staffed_log

    path = tmp_path / "old.sqlite3"
    monkeypatch.setattr(crypto, "SEALING_COST", OLD)
    build_staffed_log(path)
    monkeypatch.setattr(crypto, "SEALING_COST", crypto.RFC_9106_SECOND)
    with Ledger.open(path) as ledger:
        priya = find_member(load_register(ledger), PRIYA)
        assert _cost(priya.sealed_key) == (19456, 2, 1)
        resealed = reseal_if_weaker(ledger, unlock(priya, PASSPHRASES[PRIYA]), PASSPHRASES[PRIYA])
        assert _cost(resealed.member.sealed_key) == SHIPPED
        assert _cost(find_member(load_register(ledger), PRIYA).sealed_key) == SHIPPED
        # A second call (another window that unlocked with the old seal) writes nothing.
        count = ledger.count()
        reseal_if_weaker(ledger, unlock(priya, PASSPHRASES[PRIYA]), PASSPHRASES[PRIYA])
        assert ledger.count() == count
    assert verify_path(path).ok


def test_nothing_is_resealed_when_the_clock_is_behind_and_the_reader_still_reads(
    staffed_log, cli, real_cost, monkeypatch
):
    # Someone's entry "from the future" (a clock set ahead): this computer is behind it, so
    # nothing may be signed now. Reading still works; the reseal waits for a later unlock.
    from support.reading import append_as

    import infoshare_cli.ledger.store as store

    with staffed_log.open() as ledger, monkeypatch.context() as future:
        future.setattr(store, "_now", lambda: "2099-01-01T00:00:00.000000Z")
        append_as(ledger, "setting", signer(ledger, ALEX), {"name": "Little Acorns Nursery"})
    before = staffed_log.count()
    done = cli("log", db=staffed_log.path)
    assert done.exit_code == 0, done.output
    assert staffed_log.count() == before


def test_verify_refuses_a_reseal_of_someone_elses_key(staffed_log):
    from support.reading import append_as

    with staffed_log.open() as ledger:
        alex, sam = signer(ledger, ALEX), signer(ledger, SAM)
        sealed = crypto.seal_private_key(sam.private_key, "a passphrase alex chose")
        append_as(
            ledger,
            "staff",
            alex,
            {
                "action": "reseal",
                "staff_id": sam.staff_id,
                "sealed_key": sealed,
                "by": alex.staff_id,
            },
        )
    report = verify_path(staffed_log.path)
    assert not report.ok
    assert report.first_bad.seq == staffed_log.count()
    assert "not signed by that person" in report.first_bad.message


def test_verify_refuses_a_reseal_that_swaps_in_another_key(staffed_log):
    from support.reading import append_as

    with staffed_log.open() as ledger:
        sam = signer(ledger, SAM)
        other = crypto.seal_private_key(crypto.generate_private_key(), PASSPHRASES[SAM])
        append_as(
            ledger,
            "staff",
            sam,
            {"action": "reseal", "staff_id": sam.staff_id, "sealed_key": other, "by": sam.staff_id},
        )
    report = verify_path(staffed_log.path)
    assert not report.ok
    assert "a signing key was replaced" in report.first_bad.message


@pytest.mark.skipif(sys.platform == "win32", reason="uses the installed script")
def test_the_installed_tool_reseals_with_its_own_cost(staffed_log):
    # The real command, as shipped (no test cost on its path): one unlock reseals.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["INFOSHARE_DB"] = str(staffed_log.path)
    before = staffed_log.count()
    done = subprocess.run(
        [sys.executable, "-m", "infoshare_cli", "log", "--as", SAM],
        input=PASSPHRASES[SAM] + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert staffed_log.count() == before + 1
    newest = _staff_entries(staffed_log.path)[-1]
    assert newest["action"] == "reseal" and _cost(newest["sealed_key"]) == SHIPPED
