"""The weighted total rounds once, half up, from exact decimals, and the consensus rows show
their weighted points so that they add up to it: on the page, in the report, the CSV and the
Excel file (whose ranks are numbers)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pypdfium2
from openpyxl import load_workbook

from procure.extensions import db
from procure.workflows import evaluation as flow
from tests.support.award import finalized
from tests.support.evaluation import (
    ORG_C,
    declare_none,
    formed_panel,
    opened_rfr,
    scoring_panel,
    submit_all,
)
from tests.support.factories import ORG_A, ORG_B

# weight x points / max points: 50 x 1 / 80 = 0.625 and 50 x 2 / 30 = 3.333...
CRITERIA = [("Program design", 50, 80), ("Staffing", 50, 30)]
POINTS = {ORG_A: (1, 2), ORG_B: (1, 0), ORG_C: (0, 0)}


def _finalized(app) -> str:
    with app.app_context():
        made = opened_rfr(db.session, criteria=CRITERIA)
        panel = scoring_panel(db.session, made)
        first, second = flow.technical_criteria(panel)
        for sheet in flow.live_scoresheets(panel):
            a, b = POINTS[sheet.response.organization.legal_name]
            flow.save_scores(db.session, sheet, sheet.member.user,
                             {first.id: (Decimal(a), "Seen."), second.id: (Decimal(b), "Seen.")})
            flow.submit(db.session, sheet, sheet.member.user)
        flow.fire(db.session, panel, "begin_consensus", made.chair)
        for response in flow.responses_of(panel):
            a, b = POINTS[response.organization.legal_name]
            for criterion, points in ((first, a), (second, b)):
                flow.record_consensus(db.session, panel, made.chair, response=response,
                                      criterion=criterion, points=Decimal(points),
                                      rationale="Agreed.")
        flow.fire(db.session, panel, "finalize", made.chair)
        db.session.commit()
        return panel.public_id


def test_the_weighted_total_rounds_once_half_up_and_its_rows_add_up_to_it(app, people, login):
    panel_id = _finalized(app)
    chair = login("officer2")
    rows = list(csv.DictReader(io.StringIO(chair.get(
        f"/evaluation/panels/{panel_id}/scores.csv").get_data(as_text=True))))
    consensus = [r for r in rows if r["Evaluator"] == "Panel consensus"]
    totals = {r["Bidder"]: r["Bidder's weighted total"] for r in consensus}
    # 0.625 + 3.333... = 3.958...: 3.96, shown as 0.63 + 3.33 (not 0.62 + 3.33 = 3.95)
    assert totals[ORG_A] == "3.96"
    assert sorted(r["Weighted points"] for r in consensus if r["Bidder"] == ORG_A) == [
        "0.63", "3.33"]
    assert totals[ORG_B] == "0.63"                       # 0.625, half up (not 0.62)
    for bidder, total in totals.items():
        shown = sum(Decimal(r["Weighted points"]) for r in consensus if r["Bidder"] == bidder)
        assert shown == Decimal(total), bidder
    ranks = {r["Bidder"]: (r["Rank in lot"], r["Tied"]) for r in consensus}
    assert ranks == {ORG_A: ("1", ""), ORG_B: ("2", ""), ORG_C: ("3", "")}

    page = chair.get(f"/evaluation/panels/{panel_id}").get_data(as_text=True)
    assert f"{ORG_A}: 3.96 of 100" in page and f"{ORG_B}: 0.63 of 100" in page
    report = chair.get(f"/evaluation/panels/{panel_id}/report").get_data(as_text=True)
    assert "3.96" in report and "0.63" in report

    book = load_workbook(io.BytesIO(chair.get(
        f"/evaluation/panels/{panel_id}/scores.xlsx").data))
    ranking = list(book["Ranking"].iter_rows(values_only=True))[1:]
    assert [(rank, bidder, total) for _lot, rank, _tied, bidder, total in ranking] == [
        (1, ORG_A, 3.96), (2, ORG_B, 0.63), (3, ORG_C, 0.0)]
    header, *lines = list(book["Scores"].iter_rows(values_only=True))
    rank_at = header.index("Rank in lot")
    assert {type(line[rank_at]) for line in lines} == {int}


def test_the_parts_shown_add_up_to_the_total_rounded_once():
    assert flow.shown_parts([Decimal("0.625"), Decimal(10) / 3]) == [
        Decimal("0.63"), Decimal("3.33")]
    assert flow.shown_parts([Decimal(5) / 3, Decimal(5) / 3]) == [
        Decimal("1.67"), Decimal("1.66")]               # 3.33, not 1.67 + 1.67 = 3.34


def test_the_heat_map_names_a_conflicted_members_cell_and_ends_each_list_cleanly(
        app, people, login):
    with app.app_context():
        made = opened_rfr(db.session)
        panel = formed_panel(db.session, made)
        flow.fire(db.session, panel, "begin_declarations", made.officer)
        declare_none(db.session, panel, made.chair, made.evaluator)
        for org in flow.bidders_of(panel):
            flow.declare(db.session, panel, made.family, organization_id=org.id,
                         has_conflict=org.legal_name == ORG_C,
                         nature="I sit on its board." if org.legal_name == ORG_C else "")
        flow.fire(db.session, panel, "begin_scoring", made.chair)
        submit_all(db.session, panel)
        db.session.commit()
        panel_id = panel.public_id
    page = login("officer2").get(f"/evaluation/panels/{panel_id}/matrix").get_data(as_text=True)
    assert "M1 6 · M2 6 · M3 conflict</span>" in page          # the family member, on ORG_C
    assert "M1 6 · M2 6 · M3 6</span>" in page
    assert "· </span>" not in page                              # no trailing dot
    assert "“conflict”: the member declared a conflict with that bidder" in page


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _table(page: str, caption: str) -> tuple[list[str], list[list[str]]]:
    """The table with this caption as a person reads it: its headings and its rows' cells."""
    table = re.search(r"<table[^>]*>\s*<caption[^>]*>" + re.escape(caption)
                      + r".*?</table>", page, re.S).group(0)
    head = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", re.search(r"<tbody>(.*?)</tbody>", table,
                                                        re.S).group(1), re.S)
    return ([_plain(th) for th in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)],
            [[_plain(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
             for row in rows])


def test_the_matrix_names_a_price_score_the_formulas(app, people, login):
    """A walker read "Consensus 6.67" in the price column: the panel agreed nothing there, the
    formula scored it."""
    with app.app_context():
        _, panel = finalized(db.session)
        panel_id = panel.public_id
    page = login("officer2").get(f"/evaluation/panels/{panel_id}/matrix").get_data(as_text=True)
    headings, rows = _table(page, "Members' points by response and criterion")
    technical = next(i for i, h in enumerate(headings) if h.startswith("Program design"))
    price = next(i for i, h in enumerate(headings) if h.startswith("Cost"))
    cells = {row[0].split(" lot ")[0]: row for row in rows}
    assert cells[ORG_C][price] == "Price, by formula Formula 6.67"      # $100k / $120k x 10
    assert cells[ORG_B][price] == "Price, by formula Formula 10"        # the lowest price
    assert cells[ORG_C][technical].endswith("Consensus 9")             # agreed by the panel
    assert all("Consensus" not in row[price] for row in rows)

    report = login("officer2").get(f"/evaluation/panels/{panel_id}/report").get_data(as_text=True)
    _, lines = _table(report, "Scores")
    by_whom = {(line[1], line[2]): line[3] for line in lines
               if line[3] in ("Price formula", "Panel consensus")}
    assert by_whom[(ORG_C, "Cost")] == "Price formula"
    assert by_whom[(ORG_C, "Program design")] == "Panel consensus"
    csv_text = login("officer2").get(f"/evaluation/panels/{panel_id}/scores.csv").get_data(
        as_text=True)
    assert "Price formula,Formula" in csv_text and "Panel consensus,Consensus" in csv_text


def test_the_report_shows_each_consensus_rows_weighted_points_as_the_csv_does(
        app, people, login):
    """A walker found the weighted part of each consensus row in the CSV and not in the
    report: the rows add up to the total beside them, to the cent, in both."""
    panel_id = _finalized(app)
    page = login("officer2").get(f"/evaluation/panels/{panel_id}/report").get_data(as_text=True)
    headings, rows = _table(page, "Scores")
    assert headings == ["Lot", "Bidder", "Criterion", "Evaluator", "Points", "Weighted points",
                        "Comment or rationale"]
    assert {row[0] for row in rows} == {"Lot 1: Lead agency: Holyoke"}   # bidders of two lots apart
    rows = [row[1:] for row in rows]
    at = headings.index("Weighted points") - 1
    consensus = [row for row in rows if row[2] == "Panel consensus"]
    assert {(row[0], row[1]): row[at] for row in consensus if row[0] == ORG_A} == {
        (ORG_A, "Program design"): "0.63", (ORG_A, "Staffing"): "3.33"}    # 3.96 in all
    assert {(row[0], row[1]): row[at] for row in consensus if row[0] == ORG_C} == {
        (ORG_C, "Program design"): "0.00", (ORG_C, "Staffing"): "0.00"}
    assert all(row[at] == "" for row in rows if row not in consensus)  # a member's: no part


def test_the_reports_pdf_shows_the_weighted_points_too(app, people, login):
    panel_id = _finalized(app)
    pdf = login("officer2").get(f"/evaluation/panels/{panel_id}/report.pdf").data
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        text = " ".join(" ".join(page.get_textpage().get_text_range().split())
                        for page in document)
    finally:
        document.close()
    assert "Weighted points" in text      # the heading, over two lines of its narrow column
    assert "Program design (50)" in text  # no word broken inside its column
    assert "3.33" in text          # ORG_A's Staffing: 50 x 2 / 30, in no other cell
