"""Mutation testing of the code that decides: policy, the workflows' guards, the audit chain,
document storage, and since issue 22 the decisions of the award, contract and evaluation
workflows and of the OCDS export, and the evaluation's reports (mutmut 3). Run by
`make mutants`, not part of `make test` nor CI.

Each module runs in its own copy under build/mutants/<module>/ (a fresh copy each run) with its
own test selection below (fast unit and integration tests, no browser, no subprocess-only
tests), so a mutant runs only the tests written for that module; within them mutmut gives each
mutant only the tests that call the mutated function, stopping at the first failure. Every run
is under `nice -n 15`; each test session starts from a database migrated once
(bench/mutants_template_db.py), not migrated again per mutant.

    .venv/bin/python bench/mutants.py                 # every module (policy guards audit storage
                                                      # award contract ocds evaluation reports)
    .venv/bin/python bench/mutants.py audit storage --parallel   # some, at the same time
    .venv/bin/python bench/mutants.py guards --resume # finish an interrupted run
    .venv/bin/python bench/mutants.py reports --only 'procure.reports.x_report_data*'  # some
    .venv/bin/python bench/mutants.py --report        # scores, survivors and wall time
    .venv/bin/python bench/mutants.py --survivors     # rerun only the survivors, with the
                                                      # tests as they are now (after adding some)

Prints the mutation score per module and each surviving mutant; to see one:
`cd build/mutants/<module> && ../../../.venv/bin/mutmut show NAME`. bench/RESULTS.md keeps the
figures of the last run with every survivor explained."""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutants"
SHARED = ROOT.parent / "shared"    # the intake PDFs and the OCDS schema (tests/conftest.py)
STORAGE = "procure/storage.py" if (ROOT / "procure/storage.py").exists() else "procure/intake/storage.py"
NICE = ["nice", "-n", "15"]        # the machine is shared: mutants yield to the others' runs (at 19
# they got a few per cent of a core beside tests run at nice 10: a draw-down mutant took minutes)
STORAGE_MODULE = STORAGE.removesuffix(".py").replace("/", ".")

SOLICITATION_GUARDS = ["_publishable", "_deadline_passed", "_cancel_reason_given",
                       "_has_accepted_response", "_require_draft", "closes_at", "allowed_events",
                       "is_accepting", "due_to_close"]
RESPONSE_GUARDS = ["_before_deadline", "_complete_enough", "require_editable", "is_unsealed_for",
                   "allowed_events", "close_due"]

# The award's and the contract's decisions: their machines' conditions and the use cases that
# approve, withdraw, check terms and draw money (the whole award module is 883 mutants: hours on
# the shared machine; these are the code that says no).
AWARD_DECISIONS = ["_another_officer", "_standstill_over", "_no_open_protest", "_reasons_given",
                   "approve", "withdraw"]
CONTRACT_DECISIONS = ["_ready_to_sign", "_started", "_ended", "_reason_given", "_check_terms",
                      "draw_down"]
# The evaluation's decisions (the whole module is 1,400 lines: hours here): the panel's and the
# scoresheet's conditions, who is assigned what, which points are allowed, who sees scores and
# prices, and the rate checks.
EVALUATION_DECISIONS = ["_formed", "_everyone_declared", "_assignable_all", "_all_scoresheets_in",
                        "_consensus_complete", "_has_points_and_comments",
                        "_assign_everyone_if_unassigned", "is_conflicted", "assign",
                        "points_allowed", "scores_visible_to", "open_price", "require_price",
                        "price_withheld", "check_rate", "_check_line", "declaration_problem"]
# The OCDS export's decisions: what the public is told (bidders counted and named only after the
# opening, awards once final, why it was cancelled) and what dates a release.
OCDS_DECISIONS = ["_tender", "_cancellation", "_public_awards", "release", "last_change"]

# module -> (files mutmut mutates, names of the mutants to run, the tests that answer for it)
MODULES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "policy": (["procure/policy.py"], ["procure.policy.*"],
               ["tests/unit/test_policy_rules.py", "tests/integration/test_policy.py",
                # who reads a response through the workflow: sealed, opened, assigned, blind
                "tests/unit/test_guard_messages.py", "tests/unit/test_evaluation_workflow.py"]),
    "guards": (["procure/workflows/solicitation.py", "procure/workflows/response.py",
                "procure/workflows/base.py"],
               [f"procure.workflows.solicitation.x_{name}__mutmut_*" for name in SOLICITATION_GUARDS]
               + [f"procure.workflows.response.x_{name}__mutmut_*" for name in RESPONSE_GUARDS]
               + ["procure.workflows.base.xǁWorkflowǁfire__mutmut_*"],
               ["tests/unit/test_boundaries.py", "tests/unit/test_guard_messages.py",
                "tests/unit/test_solicitation_workflow.py", "tests/unit/test_response_deadline.py",
                # panels: the assigned panelist's read after the opening; evaluation's start
                "tests/unit/test_evaluation_workflow.py"]),
    "audit": (["procure/audit.py"], ["procure.audit.*"],
              ["tests/integration/test_audit_chain.py", "tests/integration/test_audit_forgery.py"]),
    "storage": ([STORAGE], [f"{STORAGE_MODULE}.*"],
                ["tests/integration/test_storage.py",
                 "tests/integration/test_storage_durability.py"]),
    # the modules added since (issue 22): the decisions of the award, contract and evaluation
    # workflows and of the OCDS export (the lists above), the evaluation report's exports whole
    "award": (["procure/workflows/award.py"],
              [f"procure.workflows.award.x_{name}__mutmut_*" for name in AWARD_DECISIONS],
              ["tests/unit/test_award_workflow.py", "tests/unit/test_award_guards.py"]),
    "contract": (["procure/workflows/contract.py"],
                 [f"procure.workflows.contract.x_{name}__mutmut_*" for name in CONTRACT_DECISIONS],
                 ["tests/unit/test_contract_workflow.py", "tests/unit/test_contract_guards.py",
                  "tests/unit/test_contract_decisions.py",
                  "tests/integration/test_draw_down_serialised.py"]),
    "ocds": (["procure/ocds.py"], [f"procure.ocds.x_{name}__mutmut_*" for name in OCDS_DECISIONS],
             ["tests/integration/test_ocds.py", "tests/integration/test_ocds_release.py",
              "tests/integration/test_ocds_fields.py"]),
    "evaluation": (["procure/workflows/evaluation.py"],
                   [f"procure.workflows.evaluation.x_{name}__mutmut_*"
                    for name in EVALUATION_DECISIONS],
                   ["tests/unit/test_evaluation_workflow.py",
                    "tests/unit/test_evaluation_guards.py",
                    "tests/unit/test_evaluation_decisions.py",
                    "tests/unit/test_evaluation_rules.py",
                    # the rate checks and the price pages are reached only through these
                    # (the first run's `no tests`: `_check_line`, `check_rate`, `price_withheld`)
                    "tests/integration/test_evaluation_rates.py",
                    "tests/integration/test_price_envelope.py"]),
    "reports": (["procure/reports.py"], ["procure.reports.*"],
                ["tests/unit/test_report_exports.py", "tests/integration/test_evaluation_pages.py",
                 "tests/integration/test_export_cells.py", "tests/integration/test_scores_shown.py",
                 "tests/integration/test_evaluation_forms.py::"
                 "test_progress_count_legend_exports_and_the_pdf"]),
}
# Tests left out of a module's runs: too slow to run per mutant (the demo builds every story).
DESELECT = {
    "ocds": ["tests/integration/test_ocds.py::"
             "test_every_published_solicitation_of_the_demo_exports_and_validates"],
}


TEMPLATE_DB = """
import sys
from procure import create_app
from procure.cli import upgrade_database
app = create_app({"TESTING": True, "SECRET_KEY": "template", "DATABASE_URL": "sqlite:///" + sys.argv[1],
                  "UPLOAD_FOLDER": sys.argv[2], "INTAKE_IN_PROCESS": True, "REDIS_URL": "",
                  "S3_BUCKET": "", "PASSWORD_HASH_PROFILE": "CHEAPEST"})
with app.app_context():
    upgrade_database()
"""


def prepare(module: str, *, fresh: bool = True) -> Path:
    """A copy of the code and tests configured for this module (a fresh one unless resuming),
    with the migrated database its tests' sessions start from (bench/mutants_template_db.py)."""
    files, _, tests = MODULES[module]
    work = WORK / module
    if fresh or not (work / "mutants").exists():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for part in ("procure", "tests"):
            shutil.copytree(ROOT / part, work / part, ignore=ignore)
    shutil.copy2(ROOT / "bench" / "mutants_template_db.py", work / "mutants_template_db.py")
    template = work / "template.sqlite3"
    if not template.exists():
        subprocess.run([*NICE, sys.executable, "-c", TEMPLATE_DB, str(template), str(work / "uploads")],
                       cwd=work, check=True, capture_output=True)
    config = "\n".join([
        "[tool.mutmut]",
        'source_paths = ["procure"]',
        f"only_mutate = {json.dumps(files)}",
        "pytest_add_cli_args = " + json.dumps(
            ["-p", "no:randomly", "-p", "no:cacheprovider", "-q"]
            + [arg for test in DESELECT.get(module, []) for arg in ("--deselect", test)]),
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'also_copy = ["mutants_template_db.py"]',
        'process_isolation = "forkserver"',
        # mutmut's limit is (the tests' time + this) x 15: on a loaded machine a fixture's set-up
        # (the app, the migrations) alone passes the default of 1 s and every mutant "times out"
        "timeout_constant = 20.0",
        "use_git_change_detection = false",
    ])
    pyproject = (ROOT / "pyproject.toml").read_text()
    pyproject = re.sub(r"\n\[tool\.mutmut\].*?(?=\n\[|\Z)", "", pyproject, flags=re.S)
    (work / "pyproject.toml").write_text(pyproject + "\n" + config + "\n")
    return work


def _mutmut(module: str, work: Path, names: list[str], max_children: str, title: str) -> None:
    """One `mutmut run` under nice, its output in mutmut.log, its wall time added up."""
    env = {**os.environ, "HYPOTHESIS_PROFILE": "quick", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTEST_PLUGINS": "mutants_template_db",
           "PROCURE_MUTANTS_TEMPLATE_DB": str(work / "template.sqlite3"),
           # the copy's ../shared is build/mutants/shared, which does not exist: without this
           # the tests that read the shared files (the OCDS schema) skip, and every mutant
           # they alone would kill "survives" (the first OCDS run: 1 of 540 killed)
           "PROCURE_SHARED_DIR": os.environ.get("PROCURE_SHARED_DIR") or str(SHARED)}
    print(f"== {module}: {title} in {work.relative_to(ROOT)}", flush=True)
    started = time.monotonic()
    with (work / "mutmut.log").open("a") as log:
        subprocess.call([*NICE, str(ROOT / ".venv/bin/mutmut"), "run", "--max-children",
                         max_children, *names], cwd=work, env=env, stdout=log,
                        stderr=subprocess.STDOUT)
    timing = work / "elapsed.json"
    spent = json.loads(timing.read_text()) if timing.exists() else []
    spent.append({"run": title, "seconds": round(time.monotonic() - started)})
    timing.write_text(json.dumps(spent, indent=1))


def run(module: str, max_children: str, *, resume: bool = False,
        only: list[str] | None = None) -> None:
    """Every mutant of the module (with `only`, those matching one of its patterns); with
    resume, those an interrupted run left unchecked (and match `only`). A resumed run keeps the
    copy's tests: a selection naming a test file added since fails its clean run."""
    work = prepare(module, fresh=not resume)
    names = only or MODULES[module][1]
    if resume:
        names = [n for n, status in results(module).items() if status == "not checked"
                 and (not only or any(fnmatch.fnmatch(n, p) for p in only))]
        if not names:
            return
    _mutmut(module, work, names, max_children,
            f"{len(names)} unchecked mutants" if resume else "every mutant")


def rerun_survivors(module: str, max_children: str, only: list[str] | None = None) -> None:
    work = WORK / module
    survivors = [n for n, status in results(module).items()
                 if status in ("survived", "timeout", "no tests")
                 and (not only or any(fnmatch.fnmatch(n, p) for p in only))]
    if not survivors:
        return
    prepare(module, fresh=False)
    # new tests change which tests call what: stats again (mutmut copies tests/ into mutants/)
    shutil.copytree(ROOT / "tests", work / "tests", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (work / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    before = _verdicts(work)
    _mutmut(module, work, survivors, max_children, f"{len(survivors)} survivors again")
    _restore_verdicts(work, before, rerun=set(survivors))


def _verdicts(work: Path) -> dict[Path, dict]:
    return {meta: json.loads(meta.read_text()) for meta in (work / "mutants").rglob("*.py.meta")}


def _restore_verdicts(work: Path, before: dict[Path, dict], rerun: set[str]) -> None:
    """A changed test selection makes mutmut forget every verdict; the mutants not rerun keep
    theirs (more tests can only kill more: a killed mutant stays killed)."""
    for meta, old in before.items():
        new = json.loads(meta.read_text())
        codes = new.get("exit_code_by_key", {})
        for name, code in old.get("exit_code_by_key", {}).items():
            if name.replace("__init__.", "") not in rerun and codes.get(name) is None:
                codes[name] = code
                new.setdefault("durations_by_key", {})[name] = \
                    old.get("durations_by_key", {}).get(name)
        meta.write_text(json.dumps(new, indent=4))


def results(module: str) -> dict[str, str]:
    found: dict[str, int | None] = {}
    for meta in (WORK / module / "mutants").rglob("*.py.meta"):
        for name, code in json.loads(meta.read_text()).get("exit_code_by_key", {}).items():
            found[name.replace("__init__.", "")] = code
    return {n: status_of(code) for n, code in sorted(found.items())
            if any(fnmatch.fnmatch(n, p) for p in MODULES[module][1])}


def status_of(code: int | None) -> str:
    from mutmut.stats import status_by_exit_code   # mutmut's own names for its exit codes
    return status_by_exit_code[code]


def report(module: str) -> None:
    status = results(module)
    done = [n for n in status if status[n] != "not checked"]
    if not done:
        print(f"{module}: not run yet")
        return
    killed = [n for n in done if status[n] in ("killed", "caught by type check")]
    timeouts = [n for n in done if status[n] == "timeout"]
    unfinished = f"; {len(status) - len(done)} of {len(status)} not run" if len(done) < len(status) else ""
    timing = WORK / module / "elapsed.json"
    runs = json.loads(timing.read_text()) if timing.exists() else []
    spent = " + ".join(f"{r['seconds'] // 60} min {r['seconds'] % 60} s ({r['run']})" for r in runs)
    print(f"{module}: {len(killed)}/{len(done)} killed by a failing test, score "
          f"{len(killed) / len(done):.1%} ({len(timeouts)} timed out{unfinished}); "
          f"wall time {spent or 'not recorded'}")
    for name in done:
        if name not in killed:
            print(f"    {status[name]}: {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"{', '.join(MODULES)} (default: all)")
    parser.add_argument("--report", action="store_true", help="only print the last results")
    parser.add_argument("--survivors", action="store_true",
                        help="rerun only the last run's survivors with the current tests")
    parser.add_argument("--only", nargs="*", metavar="PATTERN",
                        help="only the mutants these patterns name (with --survivors: of them)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the last run's results and check only the mutants it left")
    parser.add_argument("--parallel", action="store_true",
                        help="run the modules at the same time (each its own mutmut)")
    parser.add_argument("--max-children", default="2", help="mutants run at once per module")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module {unknown}: choose from {', '.join(MODULES)}")
    modules = args.modules or list(MODULES)
    if args.survivors:
        each = lambda module: rerun_survivors(module, args.max_children, args.only)   # noqa: E731
    else:
        each = lambda module: run(module, args.max_children, resume=args.resume,   # noqa: E731
                                  only=args.only)
    if args.report:
        pass
    elif args.parallel:
        threads = [threading.Thread(target=each, args=(module,)) for module in modules]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for module in modules:
            each(module)
    print()
    for module in modules:
        report(module)
    return 0


if __name__ == "__main__":
    sys.exit(main())
