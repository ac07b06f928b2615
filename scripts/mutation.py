"""Mutation testing of the layers that hold the rules: domain, integrity and ledger.

Runs mutmut (a maintained mutation tool: pip install ".[mutation]") over a copy of the
package in .mutation/, so the working tree is never touched. mutmut breaks the code one
small change at a time (a > made >=, a True made False, a line dropped...), and for each
change runs only the tests that cover the function it changed, quickest first, stopping at
the first that fails. A mutant that no test notices "survives": either a test is missing,
or the change makes no difference (an "equivalent" mutant). See scripts/README.md.

    .venv/bin/python scripts/mutation.py --module infoshare_cli/integrity/chain.py
    .venv/bin/python scripts/mutation.py --layer integrity        # one layer, module by module
    .venv/bin/python scripts/mutation.py                          # all three layers (hours)
    .venv/bin/python scripts/mutation.py --sample 30 --seed 15    # 30 at random from each module
    .venv/bin/python scripts/mutation.py --survivors              # survivors again (new tests)
    .venv/bin/python scripts/mutation.py --report --diffs         # the results so far

The copy, its mutants and what each test covers are kept between runs (--fresh starts
again), so each run only checks what it is asked to. It prints a score per module, per
layer and overall: killed out of every mutant checked, and the same without the mutants
listed as equivalent or accepted in scripts/mutation-equivalents.txt. A module checked in
full gives a measured score; one checked only through --sample gives an estimate with its
95% confidence interval. Not part of CI: far too slow. It runs under `nice -n 19`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
SAMPLE_FILE = WORK / "sample.json"
RECHECKED_FILE = WORK / "rechecked.json"
EQUIVALENTS = Path(__file__).resolve().parent / "mutation-equivalents.txt"

LAYERS = {
    "integrity": "infoshare_cli/integrity",
    "ledger": "infoshare_cli/ledger",
    "domain": "infoshare_cli/domain",
}
# Within a layer, the modules are run most important first; the others follow by name.
FIRST = [
    "integrity/chain.py",
    "integrity/signatures.py",
    "integrity/verify.py",
    "integrity/schema.py",
    "integrity/anchors.py",
    "integrity/exports.py",
    "ledger/entries.py",
    "ledger/store.py",
    "ledger/keys.py",
    "ledger/sealing.py",
    "ledger/crypto.py",
    "domain/status.py",
    "domain/signing.py",
    "domain/routing.py",
    "domain/decisions.py",
    "domain/staff.py",
    "domain/case_refs.py",
    "domain/text.py",
    "domain/dates.py",
]
# Tests that start other processes (they would not see the mutant), time things, drive a
# terminal, or check the docs: slow, and no use for mutants in these layers.
NOT_USED = [
    "tests/test_e2e_pty.py",
    "tests/test_performance.py",
    "tests/test_verify_crashes.py",
    "tests/test_erase_crashes.py",
    "tests/test_docs_reference.py",
    "tests/test_search_speed.py",
]
NOT_RUN = [  # builds a wheel, or starts writers in other processes: unseen by the mutant
    "tests/test_question_paths.py::test_the_wheel_carries_the_one_questions_yaml",
    "tests/test_keys.py::test_deactivating_rotates_and_destroys_their_copies",
    "tests/test_log.py::test_concurrent_appends_from_four_processes",
    "tests/test_ledger_properties.py::test_four_processes_decide_at_once",
    # asks a signature worker process for its answer directly, from a folder of its own:
    # mutmut's copy of the code looks for mutmut's settings in the working folder, so
    # there the worker stops at start-up and never answers
    "tests/test_verify_attacks.py::"
    "test_a_module_planted_in_the_working_folder_does_not_run_in_the_workers",
]
# The tests given to mutmut unless --all-tests: the quick, in-process files that check these
# layers' rules. mutmut first runs them all once to learn which test reaches which function
# (on this machine the whole suite takes too long for that, and any test that starts a
# process or times out under load stops it), then runs for each mutant only the tests that
# reach its function, quickest first, until one fails. A mutant these files miss may still
# be killed by another file: the score is a lower bound for the whole suite.
QUICK_TESTS = [
    f"tests/test_{name}.py"
    for name in [
        "verify_attacks",
        "verify_unit",
        "schema_pin",
        "golden_log",
        "verify_export",
        "status_rule",
        "crypto",
        "keys",
        "case_refs",
        "typed_text",
        "cosign_rules",
        "policy_checks",
        "retention",
        "reader_trust",
        "time_trust",
        "schema_trust",
        "outcome_proof",
        "passphrase_strength",
        "question_validation",
        "migrate",
        "erase",
        "question_paths",
        "words",
        "dates",
        "entry_shapes",
        "anchor_keys",
        "anchor_signatures",
        "anchor_file",
        "printed_anchor",
        "case_index",
        "decision_numbers",
        "awaiting_list",
        "export_signature",
        "export_roles",
        "staff_cli",
        "private",
        "checked_heads",
    ]
]
KILLED = {"killed", "caught by type check", "segfault", "killed on recheck"}
NOT_KILLED = {"survived", "no tests"}
# mutmut's time limit is wall-clock time, and it can fire on a process that merely reuses the
# number of one that ran long ago: on a busy machine it stops mutants that neither hang nor
# fail (seen here: a mutant "timed out" whose tests all pass in 8 seconds). A timeout decides
# nothing: it is counted as not checked, listed, and run again (--survivors, --recheck).
UNDECIDED = {"timeout"}


def modules_in_order(layers: list[str]) -> list[str]:
    """The layers' modules (paths from the project root), most important first."""
    found = []
    for layer in layers:
        for path in sorted((ROOT / LAYERS[layer]).glob("*.py")):
            if path.name != "__init__.py":
                found.append(path.relative_to(ROOT).as_posix())
    rank = {f"infoshare_cli/{name}": i for i, name in enumerate(FIRST)}
    return sorted(found, key=lambda p: (rank.get(p, len(rank)), p))


def module_of(mutant: str) -> str:
    """infoshare_cli.integrity.chain.x_check__mutmut_3 -> infoshare_cli/integrity/chain.py"""
    return mutant.rsplit(".", 1)[0].replace(".", "/") + ".py"


def layer_of(module: str) -> str:
    return module.split("/")[1]


def _mutmut_config(tests: list[str]) -> str:
    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(f'"{item}"' for item in items) + "]"

    # -n 0: mutmut runs the tests in its own process (pytest-xdist's workers would not see
    # the mutant it switched on)
    pytest_args = ["-p", "no:cacheprovider", "-x", "-q", "-n", "0"]
    pytest_args += [f"--ignore={path}" for path in NOT_USED]
    pytest_args += [f"--deselect={test}" for test in NOT_RUN]
    patterns = [f"{path}/*" for path in LAYERS.values()]
    return (
        "\n[tool.mutmut]\n"
        'source_paths = ["infoshare_cli"]\n'
        f"only_mutate = {toml_list(patterns)}\n"
        f"pytest_add_cli_args = {toml_list(pytest_args)}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(tests)}\n"
        'also_copy = ["questions.yaml", "examples", "docs"]\n'
        # the copy is not a git checkout of its own: compare files, not commits
        "use_git_change_detection = false\n"
        # mutmut's wall-clock limit is 2 x 15 x the tests' measured time by default: on this
        # shared machine a test run takes far longer than when it was measured (UNDECIDED)
        "timeout_multiplier = 100.0\n"
    )


def prepare(tests: list[str], fresh: bool) -> None:
    """Bring the copy in .mutation/ up to date with the tree.

    The first time (or with --fresh) it is made from nothing. After that the sources and
    tests are copied over it, keeping their times: mutmut then makes mutants again only
    for the files that changed, and collects coverage only for the tests that are new.
    """
    if fresh and WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "*.sqlite3*")
    for name in ("infoshare_cli", "tests", "examples", "docs"):
        if (WORK / name).exists():
            shutil.rmtree(WORK / name)
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, WORK / name, ignore=ignore)
    for name in ("questions.yaml", "README.md"):
        shutil.copy2(ROOT / name, WORK / name)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = re.sub(r"\n\[tool\.mutmut\].*?(?=\n\[|\Z)", "", pyproject, flags=re.S)
    (WORK / "pyproject.toml").write_text(pyproject + _mutmut_config(tests), encoding="utf-8")


def run_mutmut(*args: str, capture: bool = False) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "mutmut", *args]
    if os.name == "posix" and shutil.which("nice"):
        command = ["nice", "-n", "19", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFOSHARE_")}
    return subprocess.run(
        command, cwd=WORK, env=env, text=True, capture_output=capture, check=False
    )


GENERATE = """
import os
from pathlib import Path
from mutmut.__main__ import (copy_also_copy_files, copy_src_dir, create_mutants,
    set_mutant_under_test, setup_source_paths)
set_mutant_under_test("mutant_generation")
os.makedirs("mutants", exist_ok=True)
copy_src_dir(); copy_also_copy_files(); setup_source_paths(); create_mutants(1)
"""


def statuses() -> dict[str, str]:
    """Every mutant made so far -> its result ("not checked" until it runs)."""
    result = run_mutmut("results", "--all", "true", capture=True)
    found: dict[str, str] = {}
    for line in result.stdout.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            found[name] = status.strip()
    return found


def all_mutants() -> dict[str, str]:
    """Makes the mutants of every module (without running any) and returns statuses()."""
    command = [sys.executable, "-c", GENERATE]
    subprocess.run(command, cwd=WORK, check=True, capture_output=True, text=True)
    return statuses()


def equivalents() -> dict[str, str]:
    """Mutant name -> why it is equivalent or accepted (scripts/mutation-equivalents.txt)."""
    found: dict[str, str] = {}
    if EQUIVALENTS.exists():
        for line in EQUIVALENTS.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                name, _, why = line.partition(" ")
                found[name] = why.strip()
    return found


def rechecked() -> dict[str, str]:
    """Survivors of a run that tests outside its selection kill: name -> the test files."""
    if RECHECKED_FILE.exists():
        return json.loads(RECHECKED_FILE.read_text(encoding="utf-8"))
    return {}


def same_function(name: str) -> bool:
    """Is the function a mutant belongs to the same in the working tree as when the run
    made its mutants? (mutmut keeps the original beside the mutants, as ``..._orig``.)"""
    import ast

    mangled = name.partition("__mutmut_")[0].rsplit(".", 1)[1]
    made = ast.parse((WORK / "mutants" / module_of(name)).read_text(encoding="utf-8"))
    now = ast.parse((ROOT / module_of(name)).read_text(encoding="utf-8"))
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    orig = [
        n
        for n in ast.walk(made)
        if isinstance(n, functions) and n.name == mangled + "__mutmut_orig"
    ]
    wanted = mangled.split("ǁ")[-1] if "ǁ" in mangled else mangled.removeprefix("x_")
    current = [n for n in ast.walk(now) if isinstance(n, functions) and n.name == wanted]
    if len(orig) != 1 or not current:
        return False
    body = ast.dump(ast.Module(body=orig[0].body, type_ignores=[]))
    return any(ast.dump(ast.Module(body=c.body, type_ignores=[])) == body for c in current)


def recheck(names: list[str], tests: list[str], plain: bool = False) -> None:
    """Runs other test files against mutants, the way mutmut does (the mutant switched on
    by MUTANT_UNDER_TEST in mutmut's copy), and records those they kill: survivors, after
    new tests or with files outside mutmut's selection; timeouts; or sampled mutants the run
    has not reached yet (a kill is a kill; a mutant that survives here stays unchecked).

    ``plain``: the mutant is written into a plain copy of today's code instead (``mutmut
    apply`` on .mutation/infoshare_cli, put back after each one), for tests that start
    processes of their own (the signature workers), which mutmut's instrumented copy cannot
    run, and for tests that need code newer than the run's copy."""
    killed_by: dict[str, str] = {}
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", "*.sqlite3*")
    where = WORK if plain else WORK / "mutants"
    if plain:
        # The tests of today run on the code of today (they may import what the run's copy
        # lacks), with the mutant written in: only into a function unchanged since the run
        # made its mutants, so that the mutant is exactly the one it made.
        shutil.copytree(
            ROOT / "infoshare_cli", WORK / "infoshare_cli", dirs_exist_ok=True, ignore=ignore
        )
    shutil.copytree(ROOT / "tests", where / "tests", dirs_exist_ok=True, ignore=ignore)
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFOSHARE_")}
    if plain:  # the copy's package before the one installed from the working tree
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(WORK), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "no:randomly", "-n", "0", *tests]
    if not plain:  # as in mutmut's runs: the instrumented copy cannot run in these
        command += [f"--deselect={test}" for test in NOT_RUN]
    if os.name == "posix" and shutil.which("nice"):
        command = ["nice", "-n", "19", *command]
    # Without a mutant the tests must pass on the copy's code, or a failure says nothing.
    clean = subprocess.run(command, cwd=where, env={**env, "MUTANT_UNDER_TEST": ""}, check=False)
    if clean.returncode != 0:
        print("These tests fail without a mutant on the copy: nothing rechecked.")
        return
    for name in names:
        if plain and not same_function(name):
            print(f"  {name}: its function changed since the run (not decided)", flush=True)
            continue
        source = WORK / module_of(name)
        original = source.read_bytes() if plain else b""
        times = (source.stat().st_atime_ns, source.stat().st_mtime_ns)
        try:
            if plain:
                run_mutmut("apply", name, capture=True)
                if source.read_bytes() == original:
                    print(f"  {name}: could not be applied (not decided)", flush=True)
                    continue
            result = subprocess.run(
                command,
                cwd=where,
                env={**env, "MUTANT_UNDER_TEST": "" if plain else name},
                capture_output=True,
                timeout=600,
                check=False,
            )
            verdict = "killed" if result.returncode == 1 else "survives"
        except subprocess.TimeoutExpired:
            verdict = "timed out (not decided)"
        finally:
            if plain:  # as it was, its time too (mutmut compares times to remake mutants)
                source.write_bytes(original)
                os.utime(source, ns=times)
        print(f"  {name}: {verdict} ({' '.join(tests)})", flush=True)
        if verdict == "killed":
            killed_by[name] = " ".join(tests) + (" (plain copy)" if plain else "")
    found = rechecked()  # read again: another recheck may have written meanwhile
    found.update(killed_by)
    RECHECKED_FILE.write_text(json.dumps(found, indent=1), encoding="utf-8")


def load_sample() -> dict:
    if SAMPLE_FILE.exists():
        return json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))
    return {"seed": None, "per_module": 0, "names": []}


def draw_sample(names: list[str], modules: list[str], per_module: int, seed: int) -> list[str]:
    """per_module mutants at random from each module (all of a smaller one): a stratified
    sample, the same for the same seed and the same code. Each module's mutants are put in
    a random order once and the first per_module taken, so a larger N keeps the mutants a
    smaller one drew (and their results) and adds to them."""
    chosen: list[str] = []
    for module in modules:
        mine = sorted(n for n in names if module_of(n) == module)
        random.Random(f"{seed}:{module}").shuffle(mine)
        chosen += mine[:per_module]
    return chosen


def run_names(names: list[str], max_children: int) -> None:
    """mutmut run on these mutants, in slices (a command line has a limit)."""
    for start in range(0, len(names), 400):
        run_mutmut("run", "--max-children", str(max_children), *names[start : start + 400])


def _stratified(strata: list[tuple[int, list[tuple[int, int]]]]) -> tuple[float, float]:
    """Ratio estimate of killed / counted over strata, and its 95% half-width.

    Each stratum is (mutants in it, [(killed 0/1, counted 0/1) for each one checked]);
    a module checked in full has no sampling error (finite population correction)."""
    total_y = total_x = 0.0
    for size, units in strata:
        if units:
            total_y += size * sum(y for y, _ in units) / len(units)
            total_x += size * sum(x for _, x in units) / len(units)
    if not total_x:
        return float("nan"), float("nan")
    ratio = total_y / total_x
    variance = 0.0
    for size, units in strata:
        n = len(units)
        if n < 2 or n >= size:
            continue
        residuals = [y - ratio * x for y, x in units]
        mean = sum(residuals) / n
        s2 = sum((r - mean) ** 2 for r in residuals) / (n - 1)
        variance += size**2 * (1 - n / size) * s2 / n
    return ratio, 1.96 * math.sqrt(variance) / total_x


def report(show_diffs: bool) -> int:
    found = statuses()
    if not found:
        print("No results: run the mutation tests first.", file=sys.stderr)
        return 1
    others = rechecked()
    for name in others:
        # a kill is a kill whoever finds it (the test passes without the mutant): this also
        # counts a sampled mutant the run had not reached yet
        if found.get(name) in NOT_KILLED | UNDECIDED | {"not checked"}:
            found[name] = "killed on recheck"
    known = equivalents()
    sample = set(load_sample()["names"])
    counts = sorted(Counter(found.values()).items())
    print("\nMutants by result: " + ", ".join(f"{s} {n}" for s, n in counts))
    print(
        "\nkilled/checked: every mutant checked; 'score' leaves out the survivors listed as\n"
        "equivalent or accepted. A module checked only in part is scored from its random\n"
        "sample (--sample), with a 95% confidence interval.\n"
    )
    header = f"{'module':<40} {'mutants':>7} {'checked':>7} {'killed':>6} {'equiv':>5}  score"
    print(header)
    print("-" * len(header))
    by_module: dict[str, list[str]] = {}
    for name in found:
        by_module.setdefault(module_of(name), []).append(name)
    strata_by_layer: dict[str, list] = {layer: [] for layer in LAYERS}
    measured_by_layer: dict[str, list[int]] = {layer: [0, 0, 0] for layer in LAYERS}
    survivors: list[str] = []
    worst_strata: list = []
    unfinished = 0
    timed_out = sorted(n for n, s in found.items() if s in UNDECIDED and n in sample)
    for module in modules_in_order(list(LAYERS)):
        names = by_module.get(module, [])
        checked = [n for n in names if found[n] in KILLED | NOT_KILLED]
        full = bool(names) and len(checked) == len(names)
        used = checked if full else [n for n in checked if n in sample]
        units = []
        for n in used:
            killed = found[n] in KILLED
            equivalent = not killed and n in known
            units.append((int(killed), int(not equivalent)))
        survivors += [n for n in checked if found[n] in NOT_KILLED]
        killed_n = sum(y for y, _ in units)
        counted = sum(x for _, x in units)
        if full:
            score = f"{100 * killed_n / max(counted, 1):5.1f}% measured"
            layer_counts = measured_by_layer[layer_of(module)]
            layer_counts[0] += killed_n
            layer_counts[1] += counted
            layer_counts[2] += len(names)
        elif units:
            ratio, half = _stratified([(len(names), units)])
            score = f"{100 * ratio:5.1f}% ±{100 * half:.1f} (sample of {len(units)})"
        else:
            score = "not run"
        if names:
            strata_by_layer[layer_of(module)].append((len(names), units))
            # the worst case: sampled mutants the run did not reach count as survivors
            missed = [n for n in names if n in sample and n not in checked] if not full else []
            unfinished += len(missed)
            worst_strata.append((len(names), units + [(0, 1)] * len(missed)))
        print(
            f"{module.removeprefix('infoshare_cli/'):<40} {len(names):>7} {len(checked):>7} "
            f"{killed_n:>6} {len(units) - counted:>5}  {score}"
        )
    print()
    all_strata = []
    for layer, strata in strata_by_layer.items():
        all_strata += strata
        print(_summary(layer, strata, measured_by_layer[layer]))
    totals = [sum(c[i] for c in measured_by_layer.values()) for i in range(3)]
    print(_summary("overall", all_strata, totals))
    if unfinished:
        ratio, half = _stratified([(size, u) for size, u in worst_strata if u])
        print(
            f"{unfinished} sampled mutants were not checked ({len(timed_out)} of them timed out:"
            f" not decided; the others not reached). Counting them as survivors: overall "
            f"{100 * ratio:.1f}% (95% CI ±{100 * half:.1f})."
        )
    if timed_out:
        print("\nTimed out (mutmut's wall-clock limit; not decided, counted as not checked):")
        for name in timed_out:
            print(f"  {name}")
    outside = sorted(n for n, s in found.items() if s == "killed on recheck")
    if outside:
        print(
            "\nKilled when rechecked (--recheck: by a test file outside mutmut's selection, "
            "or a test written after the run):"
        )
        for name in outside:
            print(f"  {name}  [{others[name]}]")
    if survivors:
        print("\nSurvivors:")
        for name in sorted(survivors):
            why = known.get(name)
            print(f"  {name}  [{found[name]}]" + (f"  -- {why}" if why else ""))
            if show_diffs:
                diff = run_mutmut("show", name, capture=True).stdout
                print("    " + diff.strip().replace("\n", "\n    "))
    return 0


def _summary(label: str, strata: list, measured: list[int]) -> str:
    size = sum(s for s, _ in strata)
    unrun = sum(s for s, units in strata if not units)
    killed, counted, measured_size = measured
    line = f"{label}: {size} mutants."
    if counted:
        line += (
            f" Measured over the {measured_size} of modules run in full: "
            f"{killed} of {counted} killed ({100 * killed / counted:.1f}%)."
        )
    if measured_size < size - unrun:
        ratio, half = _stratified([(s, u) for s, u in strata if u])
        line += f" Estimated with the samples: {100 * ratio:.1f}% (95% CI ±{100 * half:.1f})."
    if unrun:
        line += f" {unrun} mutants in modules not run at all."
    return line


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--layer", choices=[*LAYERS, "all"], default="all")
    parser.add_argument(
        "--module", action="append", default=[], help="a module to mutate (repeatable)"
    )
    parser.add_argument(
        "--tests", action="extend", nargs="+", default=[], help="only these test files"
    )
    parser.add_argument(
        "--all-tests", action="store_true", help="give mutmut the whole suite (slow)"
    )
    parser.add_argument("--sample", type=int, metavar="N", help="N mutants from each module")
    parser.add_argument("--seed", type=int, default=15, help="for --sample (default 15)")
    parser.add_argument("--survivors", action="store_true", help="run the survivors again")
    parser.add_argument(
        "--recheck",
        nargs="+",
        metavar="MUTANT",
        help="run the --tests files against these survivors (outside mutmut's selection)",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="with --recheck: write the mutant into a plain copy (tests that start processes)",
    )
    parser.add_argument("--max-children", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="start again from nothing")
    parser.add_argument("--report", action="store_true", help="only print the results so far")
    parser.add_argument("--diffs", action="store_true", help="show each survivor's change")
    args = parser.parse_args()
    try:
        import mutmut  # noqa: F401  (only to say how to install it)
    except ImportError:
        print('mutmut is not installed: .venv/bin/pip install ".[mutation]"', file=sys.stderr)
        return 2
    if args.recheck:
        if not args.tests:
            parser.error("--recheck needs the test files to run (--tests)")
        recheck(args.recheck, args.tests, args.plain)
    elif not args.report:
        prepare(args.tests or (["tests/"] if args.all_tests else QUICK_TESTS), args.fresh)
        if args.module:
            modules = [Path(m).as_posix() for m in args.module]
        else:
            modules = modules_in_order(list(LAYERS) if args.layer == "all" else [args.layer])
        names = all_mutants()
        if args.survivors:
            chosen = [
                n
                for n, s in names.items()
                if s in NOT_KILLED | UNDECIDED and module_of(n) in modules
            ]
            print(f"Running {len(chosen)} survivors and timeouts again ...", flush=True)
            run_names(chosen, args.max_children)
        elif args.sample:
            chosen = draw_sample(list(names), modules, args.sample, args.seed)
            SAMPLE_FILE.write_text(
                json.dumps({"seed": args.seed, "per_module": args.sample, "names": chosen}),
                encoding="utf-8",
            )
            todo = [n for n in chosen if names[n] == "not checked"]
            print(f"Sampled {len(chosen)} mutants (seed {args.seed}); {len(todo)} to run ...")
            run_names(todo, args.max_children)
        else:
            for module in modules:  # what is not checked yet: a run stopped goes on
                todo = [
                    n for n, s in names.items() if module_of(n) == module and s == "not checked"
                ]
                if todo:
                    print(f"Mutating {module}: {len(todo)} mutants ...", flush=True)
                    run_names(todo, args.max_children)
    return report(args.diffs)


if __name__ == "__main__":
    sys.exit(main())
