"""The evaluation's exports, cell by cell (issue 22: mutation showed ties and the spreadsheet's
cell types untested, as no exported test world had a tie): a tie says "tied" in its own column
of the scores and of the ranking, in the CSV and the spreadsheet; numbers are numbers; a text
cell a spreadsheet would run is kept as text, shown as typed."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from types import SimpleNamespace

from openpyxl import load_workbook

from procure import reports
from procure.workflows.evaluation import ReportLine
from tests.support.award import finalized


def _line(bidder: str, rank: int, tied: bool, comment: str = "Clear plan.") -> ReportLine:
    return ReportLine(lot="Lot 1", bidder=bidder, criterion="Program design", member="Panel",
                      kind="consensus", points=Decimal("7.5"), comment=comment, weight=60,
                      max_points=10, weighted=Decimal("45.00"), total=Decimal("70.00"),
                      rank=rank, tied=tied)


LINES = [_line("Alpha", 1, True), _line("Beta", 1, True, "=HYPERLINK(\"x\")"),
         _line("Gamma", 3, False)]
LOT = SimpleNamespace(label="Lot 1: Lead agency: Holyoke")
RANKED = [SimpleNamespace(rank=1, total=Decimal("70.00"), response=SimpleNamespace(id=1)),
          SimpleNamespace(rank=1, total=Decimal("70.00"), response=SimpleNamespace(id=2)),
          SimpleNamespace(rank=3, total=Decimal("61.25"), response=SimpleNamespace(id=3))]
DATA = {"ranking": [(LOT, RANKED)], "labels": {1: "Alpha", 2: "Beta", 3: "Gamma"}}


def test_a_tie_says_tied_in_the_ranking_rows_and_only_a_tie_does():
    assert reports.ranking_rows(DATA) == [
        [LOT.label, 1, "tied", "Alpha", Decimal("70.00")],
        [LOT.label, 1, "tied", "Beta", Decimal("70.00")],
        [LOT.label, 3, None, "Gamma", Decimal("61.25")]]


def test_the_csv_writes_each_line_with_its_tie_and_no_formula():
    rows = list(csv.reader(io.StringIO(reports.scores_csv(LINES))))
    assert rows[0] == reports.HEADERS
    assert rows[1] == ["Lot 1", "Alpha", "Program design", "60", "10", "Panel", "consensus",
                       "7.5", "45.00", "Clear plan.", "70.00", "1", "tied"]
    assert rows[2][9] == "'=HYPERLINK(\"x\")" and rows[2][12] == "tied"
    assert rows[3][11:] == ["3", ""]


def test_the_spreadsheet_keeps_numbers_as_numbers_ties_in_words_and_text_as_text():
    book = load_workbook(reports.scores_xlsx(LINES, reports.ranking_rows(DATA)))
    scores, ranking = book["Scores"], book["Ranking"]
    assert [c.value for c in scores[1]] == reports.HEADERS
    assert all(c.font.bold for c in scores[1]) and all(c.font.bold for c in ranking[1])
    assert not any(c.font.bold for c in scores[2])
    first = [c.value for c in scores[2]]
    assert first[7:9] == [7.5, 45.0] and first[10:] == [70.0, 1, "tied"]
    formula = scores.cell(row=3, column=10)
    assert (formula.value, formula.data_type, formula.quotePrefix) == (
        "=HYPERLINK(\"x\")", "s", True)
    assert scores.cell(row=2, column=10).quotePrefix is False
    assert [[c.value for c in row] for row in ranking.iter_rows(min_row=2)] == [
        [LOT.label, 1, "tied", "Alpha", 70.0], [LOT.label, 1, "tied", "Beta", 70.0],
        [LOT.label, 3, None, "Gamma", 61.25]]
    assert [ranking.column_dimensions[c].width for c in "ABCDE"] == [28, 10, 8, 24, 22]
    # each column as wide as its content reads (the comment widest)
    assert [scores.column_dimensions[c].width for c in "ABCDEFGHIJKLM"] == [
        28, 18, 24, 8, 10, 22, 22, 8, 10, 60, 14, 10, 8]


def test_a_sentence_ends_with_one_full_stop():
    assert reports.sentence("Harbor Light") == "Harbor Light."
    assert reports.sentence("Bridgeways Family Services, Inc.") == (
        "Bridgeways Family Services, Inc.")


def test_the_spreadsheet_is_sent_from_its_first_byte_with_its_header_row_frozen():
    out = reports.scores_xlsx(LINES, reports.ranking_rows(DATA))
    assert out.read(4) == b"PK\x03\x04", "a download starts at the workbook's first byte"
    out.seek(0)
    book = load_workbook(out)
    assert book["Scores"].freeze_panes == "A2" and book["Ranking"].freeze_panes == "A2"


def test_the_report_names_each_declarations_bidder_and_their_certifications(ctx, people):
    """After finalization the chair reads names: every declaration says which bidder it was
    made about, and each named bidder has its supplier-diversity certification."""
    world, panel = finalized(ctx)
    data = reports.report_data(ctx, panel, world.chair)
    names = {r.organization.legal_name for r in world.responses.values()}
    declared = {(d["member"], d["bidder"]) for d in data["declarations"]}
    assert {bidder for _, bidder in declared} == names
    assert len(declared) == 3 * len(names), "each member about each bidder"
    assert data["diversity"] == {r.id: r.organization.diversity.value
                                 for r in world.responses.values()}
