"""Plant each bug of the suite's audits (issue 10's eight, and issue 22's: the OCDS export
between the deadline and the opening, a draw-down read-compare-write, a conflicted member
assigned automatically), one at a time, run the tests named to catch it, and put the code back.
Prints one line per bug: caught or NOT CAUGHT.

Run from the repository root: `.venv/bin/python bench/planted_bugs.py` (a few minutes on
SQLite; with PROCURE_TEST_DATABASE_URL set it runs on PostgreSQL). `--only WORDS` plants only the
bugs whose name holds those words. Exit 1 if any bug survives. Each plant is an exact text
replacement; if the code it expects has moved, it says so (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORAGE = next(p for p in ("procure/storage.py", "procure/intake/storage.py")
               if (ROOT / p).exists())

STRAIGHT_TO_FINAL = '''    def put(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:
        import io
        spool = io.BytesIO()
        stored = _spool(stream, spool, max_bytes)
        final = self.path(stored.sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        with open(final, "wb") as out:
            out.write(spool.getvalue())
            out.flush()
            os.fsync(out.fileno())
        _fsync_dir(final.parent)
        return stored

    def _unused_put(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:'''

# The export counts and names bidders once the RFR is closed (not opened): sealed responses count.
OCDS_GUARD = """    if solicitation.opened_at is not None:     # never before the opening: not who, not how many
        responded = list(session.scalars(select(Response).where(
            Response.solicitation_id == solicitation.id, Response.status.in_(OPENED))"""
OCDS_LOOSENED = """    if solicitation.status is not S.published:
        responded = list(session.scalars(select(Response).where(
            Response.solicitation_id == solicitation.id,
            Response.status.in_((*OPENED, ResponseStatus.sealed)))"""

DRAW_DOWN_UPDATE = """    drawn = session.execute(
        update(Encumbrance)
        .where(Encumbrance.id == encumbrance.id, Encumbrance.drawn + amount <= Encumbrance.amount)
        .values(drawn=Encumbrance.drawn + amount)
        .execution_options(synchronize_session=False))
    session.refresh(encumbrance)
    if drawn.rowcount != 1:  # type: ignore[attr-defined]"""
# the balance as this session read it, compared in Python, written back: no lock, no condition
DRAW_DOWN_READ_COMPARE_WRITE = """    fits = encumbrance.drawn + amount <= encumbrance.amount
    if fits:
        encumbrance.drawn = encumbrance.drawn + amount
        session.flush()
    if not fits:"""


@dataclass
class Plant:
    bug: str
    path: str
    old: str
    new: str
    tests: list[str]


PLANTS = [
    Plant("sealing skipped for the agency", "procure/policy.py",
          "    return (user.role in AGENCY and response.solicitation.opened_at is not None\n"
          "            and response.status",
          "    return (user.role in AGENCY\n            and response.status",
          ["tests/integration/test_access_matrix.py::test_nothing_of_a_sealed_response_leaks_before_the_opening"]),
    Plant("deadline check `<` changed to `<=`", "procure/workflows/solicitation.py",
          "and at < row.deadline", "and at <= row.deadline",
          ["tests/unit/test_boundaries.py::test_submission_received_at_the_deadline_instant"]),
    Plant("closing grace removed", "procure/workflows/solicitation.py",
          "CLOSING_GRACE = timedelta(seconds=30)", "CLOSING_GRACE = timedelta(seconds=0)",
          ["tests/unit/test_boundaries.py::test_the_clock_closes_exactly_when_the_grace_ends"]),
    Plant("audit verify skips the previous-hash link", "procure/audit.py",
          "if event.prev_hash != expected_prev:", "if False:",
          ["tests/integration/test_audit_forgery.py::test_edited_middle_event_with_its_hash_recomputed_is_named"]),
    Plant("panelists treated as agency staff", "procure/policy.py",
          "AGENCY = {Role.officer, Role.admin}", "AGENCY = {Role.officer, Role.admin, Role.panelist}",
          ["tests/integration/test_access_matrix.py::test_access_matrix"]),
    Plant("negative amounts lose their sign", "procure/intake/structure.py",
          "        value = -value\n", "        value = value\n",
          ["tests/unit/test_intake_structure.py::test_parse_amount"]),
    Plant("stored file not fsynced", STORAGE,
          "                os.fsync(out.fileno())\n", "",
          ["tests/integration/test_storage_durability.py::test_put_writes_a_temporary_file_fsyncs_renames_and_fsyncs_the_folder"]),
    Plant("file written straight to its final path", STORAGE,
          "    def put(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredFile:\n"
          "        self.root.mkdir(parents=True, exist_ok=True)\n"
          "        handle, temp_name",
          STRAIGHT_TO_FINAL + "\n        self.root.mkdir(parents=True, exist_ok=True)\n"
          "        handle, temp_name",
          ["tests/integration/test_storage_durability.py::test_put_writes_a_temporary_file_fsyncs_renames_and_fsyncs_the_folder"]),
    # issue 22: the two survivors of the planted-bug run and the SQLite gap
    Plant("OCDS counts the bidders once closed (close, then export)", "procure/ocds.py",
          OCDS_GUARD, OCDS_LOOSENED,
          ["tests/integration/test_ocds.py::test_closed_at_the_deadline_but_not_yet_opened_the_export_names_and_counts_no_bidder"]),
    Plant("OCDS names the bidders once closed (cancel before the opening, then export)",
          "procure/ocds.py", OCDS_GUARD, OCDS_LOOSENED,
          ["tests/integration/test_ocds.py::test_cancelled_before_the_opening_the_export_names_and_counts_no_bidder"]),
    Plant("draw-down read-compare-write without a lock", "procure/workflows/contract.py",
          DRAW_DOWN_UPDATE, DRAW_DOWN_READ_COMPARE_WRITE,
          ["tests/integration/test_draw_down_serialised.py",
           "tests/integration/test_draw_down_race.py"]),
    Plant("a conflicted member assigned automatically", "procure/workflows/evaluation.py",
          "            if not is_conflicted(member, response.organization_id) \\\n"
          "                    and (member.id, response.id) not in had:",
          "            if (member.id, response.id) not in had:",
          ["tests/unit/test_evaluation_guards.py::test_a_conflicted_member_is_never_assigned_the_bidders_response"]),
]


def run(tests: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:randomly",
                           "--no-header", *tests],
                          cwd=ROOT, capture_output=True, text=True)


def main() -> int:
    words = sys.argv[sys.argv.index("--only") + 1:] if "--only" in sys.argv else []
    plants = [p for p in PLANTS if all(w.lower() in p.bug.lower() for w in words)]
    survived, moved = [], []
    for plant in plants:
        path = ROOT / plant.path
        original = path.read_text()
        if original.count(plant.old) != 1:
            moved.append(plant.bug)
            print(f"{plant.bug}: the code to plant into has changed ({plant.path}); update the plant")
            continue
        try:
            path.write_text(original.replace(plant.old, plant.new))
            result = run(plant.tests)
        finally:
            path.write_text(original)
        caught = result.returncode == 1
        failed = [line.split(" - ")[0].removeprefix("FAILED ")
                  for line in result.stdout.splitlines() if line.startswith("FAILED")]
        print(f"{plant.bug}: {'caught by ' + ', '.join(failed) if caught else 'NOT CAUGHT'}")
        if not caught:
            survived.append(plant.bug)
            print(result.stdout[-2000:])
    sanity = run(sorted({t for p in plants for t in p.tests}))
    print("unplanted code: the same tests " + ("pass" if sanity.returncode == 0 else "FAIL"))
    if moved:
        return 2
    return 1 if survived or sanity.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
