"""Mutation testing of the code that decides: policy, the workflows' guards, the audit chain and
document storage (mutmut 3, configured in pyproject.toml [tool.mutmut]). Run by `make mutants`,
not part of `make test` nor CI. mutmut records which tests run each function and gives each mutant
only those (the selection is the [tool.mutmut] list: the tests of these modules, not the suite).

    .venv/bin/python bench/mutants.py                 # every module below
    .venv/bin/python bench/mutants.py policy audit    # some of them
    .venv/bin/python bench/mutants.py --report        # scores and survivors of the last run

Prints the mutation score per module and each surviving mutant (`mutmut show NAME` shows its
diff). bench/RESULTS.md keeps the figures of the last full run with every survivor explained."""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORAGE = "procure.storage" if (ROOT / "procure/storage.py").exists() else "procure.intake.storage"

SOLICITATION_GUARDS = ["_publishable", "_deadline_passed", "_cancel_reason_given",
                       "_has_accepted_response", "_require_draft", "closes_at", "allowed_events",
                       "is_accepting", "close_due"]
RESPONSE_GUARDS = ["_before_deadline", "_complete_enough", "require_editable", "is_unsealed_for",
                   "allowed_events"]

MODULES: dict[str, list[str]] = {
    "policy": ["procure.policy.*"],
    "workflow guards": [f"procure.workflows.solicitation.x_{name}__mutmut_*"
                        for name in SOLICITATION_GUARDS]
                       + [f"procure.workflows.response.x_{name}__mutmut_*"
                          for name in RESPONSE_GUARDS]
                       + ["procure.workflows.base.xǁWorkflowǁfire__mutmut_*"],
    "audit": ["procure.audit.*"],
    "storage": [f"{STORAGE}.*"],
}
KEYS = {"policy": "policy", "guards": "workflow guards", "audit": "audit", "storage": "storage"}



def status_of(code: int) -> str:
    from mutmut.stats import status_by_exit_code   # mutmut's own names for its exit codes
    return status_by_exit_code[code]


def mutmut(*args: str) -> int:
    env = {**os.environ, "HYPOTHESIS_PROFILE": "quick", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.call([str(ROOT / ".venv/bin/mutmut"), *args], cwd=ROOT, env=env)


def results() -> dict[str, int]:
    """Every mutant's exit code, from mutmut's own records (mutants/**/*.meta)."""
    found: dict[str, int] = {}
    for meta in (ROOT / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        for name, code in data.get("exit_code_by_key", {}).items():
            if code is not None:
                found[name.replace("__init__.", "")] = code
    return found


def report(modules: list[str]) -> int:
    found = results()
    unexplained = 0
    for module in modules:
        names = sorted(n for n in found if any(fnmatch.fnmatch(n, p) for p in MODULES[module]))
        if not names:
            print(f"{module}: not run yet")
            continue
        status = {n: status_of(found[n]) for n in names}
        killed = sum(s in ("killed", "timeout", "caught by type check") for s in status.values())
        print(f"{module}: {killed}/{len(names)} killed, score {killed / len(names):.1%}")
        for name in names:
            if status[name] not in ("killed", "timeout", "caught by type check"):
                print(f"    {status[name]}: {name}")
                unexplained += 1
    return unexplained


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help="policy, guards, audit, storage (default: all)")
    parser.add_argument("--report", action="store_true", help="only print the last results")
    parser.add_argument("--max-children", default="2")
    args = parser.parse_args()
    unknown = [m for m in args.modules if m not in KEYS]
    if unknown:
        parser.error(f"unknown module {unknown}: choose from {', '.join(KEYS)}")
    modules = [KEYS[m] for m in args.modules] or list(MODULES)
    if not args.report:
        patterns = [p for m in modules for p in MODULES[m]]
        mutmut("run", "--max-children", args.max_children, *patterns)
    print()
    report(modules)
    return 0


if __name__ == "__main__":
    sys.exit(main())
