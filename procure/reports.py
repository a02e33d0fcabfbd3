"""A finalized panel's report (HTML through a template, PDF with reportlab) and its scores as
CSV and XLSX (openpyxl). Everything here reads through procure.workflows.evaluation, so bidder
codes replace names wherever the reader is an evaluator on a blind RFR."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from procure import clock
from procure.models import Panel
from procure.workflows import evaluation as flow
from procure.workflows.labels import weighted_total

HEADERS = ["Lot", "Bidder", "Criterion", "Weight", "Max points", "Evaluator", "Sits as",
           "Points", "Weighted points", "Comment or rationale", "Bidder's weighted total",
           "Rank in lot", "Tied"]
RANKING_HEADERS = ["Lot", "Rank", "Tied", "Bidder", "Weighted total (of 100)"]


def sentence(text: str) -> str:
    """End a sentence with one full stop ("..., Inc." already has its own)."""
    return text if text.endswith(".") else text + "."


def _tied(tied: bool) -> str | None:
    return "tied" if tied else None


def _row(line: flow.ReportLine) -> list[Any]:
    """One line as the exports write it (numbers as numbers, the rank too; a tie says so in
    its own column)."""
    return [line.lot, line.bidder, line.criterion, line.weight, line.max_points, line.member,
            line.kind, line.points, line.weighted, line.comment, line.total,
            line.rank, _tied(line.tied)]


def ranking_rows(data: dict[str, Any]) -> list[list[Any]]:
    return [[lot.label, r.rank, _tied(sum(1 for o in rows if o.rank == r.rank) > 1),
             data["labels"][r.response.id], r.total]
            for lot, rows in data["ranking"] for r in rows]


def report_data(session: Session, panel: Panel, viewer: Any) -> dict[str, Any]:
    """What the report shows: every score, comment, declaration, rationale and the ranking."""
    responses = flow.responses_of(panel)
    labels = flow.bidder_labels_each(responses, viewer)
    org_labels = flow.bidder_labels(panel, viewer)
    declarations = [
        {"member": m.user.name, "kind": m.kind.value, "chair": m.is_chair,
         "bidder": org_labels.get(d.organization_id, "a bidder"),
         "conflict": d.has_conflict, "nature": d.nature, "at": d.declared_at,
         "superseded": d.superseded_at}
        for m in panel.members for d in m.declarations]
    ranking = flow.ranking(session, panel)
    lots = {lot.id: lot for lot in panel.lots}
    return {"p": panel, "lines": flow.score_lines(session, panel, viewer),
            "declarations": declarations, "labels": labels,
            "ranking": [(lots[lot_id], rows) for lot_id, rows in sorted(ranking.items())],
            "written_at": clock.now(),
            # each bidder's supplier-diversity certification, where the reader sees its name
            "diversity": {r.id: r.organization.diversity.value for r in responses
                          if labels[r.id] == r.organization.legal_name}}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")     # what a spreadsheet may run (OWASP)


def inert(value: Any) -> Any:
    """A text cell no spreadsheet runs: one that starts with = + - @ tab or CR gets a leading
    apostrophe (OWASP's CSV injection advice). Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def scores_csv(lines: list[flow.ReportLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for line in lines:
        writer.writerow(["" if v is None else str(inert(v)) for v in _row(line)])
    return out.getvalue()


def _append_text(sheet: Any, values: list[Any]) -> None:
    """A row in which every text cell is text (openpyxl reads a leading '=' as a formula)."""
    sheet.append([float(v) if isinstance(v, Decimal) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True      # shown as typed, kept text when edited


def scores_xlsx(lines: list[flow.ReportLine], ranking: list[list[Any]]) -> io.BytesIO:
    """Two sheets: Scores (every line, with weights, weighted points, totals and ranks) and
    Ranking (each lot's responses by weighted total)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Scores"
    sheet.append(HEADERS)
    for line in lines:
        _append_text(sheet, _row(line))
    widths = (28, 18, 24, 8, 10, 22, 22, 8, 10, 60, 14, 10, 8)
    _finish(sheet, widths)
    ranked = book.create_sheet("Ranking")
    ranked.append(RANKING_HEADERS)
    for row in ranking:
        _append_text(ranked, row)
    _finish(ranked, (28, 10, 8, 24, 22))
    for each in (sheet, ranked):
        for cell in each[1]:
            cell.font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _finish(sheet: Any, widths: tuple[int, ...]) -> None:
    from openpyxl.utils import get_column_letter
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def report_pdf(data: dict[str, Any]) -> io.BytesIO:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfgen import canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    panel = data["p"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=letter, title=f"Evaluation report: {panel.name}",
                            leftMargin=40, rightMargin=40, topMargin=40, bottomMargin=40)

    def para(text: Any, style: Any = small) -> Paragraph:
        safe = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(safe, style)

    def table(rows: list[list[Any]], widths: list[int]) -> Table:
        body = [[para(c) for c in row] for row in rows]
        t = Table(body, colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return t

    story: list[Any] = [
        para(f"Evaluation report: {panel.name}", styles["Title"]),
        para(f"{panel.solicitation.number}: {panel.solicitation.title}. Lots: "
             + "; ".join(lot.label for lot in panel.lots) + ". Finalized "
             + clock.format_moment(panel.finalized_at) + ".", styles["BodyText"]),
        Spacer(1, 10), para("Ranking and recommendation", styles["Heading2"])]
    for lot, rows in data["ranking"]:
        story.append(para(lot.label, styles["Heading3"]))
        story.append(table([["Rank", "Bidder", "Weighted total (of 100)"]] + [
            [("tied " if sum(1 for o in rows if o.rank == r.rank) > 1 else "") + str(r.rank),
             data["labels"][r.response.id], str(r.total)] for r in rows], [90, 250, 150]))
        if rows:
            top = [data["labels"][r.response.id] for r in rows if r.rank == 1]
            story.append(para(sentence("Recommended: " + " and ".join(top) + (
                " (tied: the agency decides between them)" if len(top) > 1 else "")),
                styles["BodyText"]))
    story += [Spacer(1, 10), para("Conflict of interest declarations", styles["Heading2"]),
              table([["Member", "Sits as", "Bidder", "Declared", "When", "Nature"]] + [
                  [d["member"] + (" (chair)" if d["chair"] else ""), d["kind"], d["bidder"],
                   "Conflict" if d["conflict"] else "No conflict",
                   clock.format_moment(d["at"]) + (
                       "; superseded " + clock.format_moment(d["superseded"])
                       if d["superseded"] else ""), d["nature"]]
                  for d in data["declarations"]], [85, 70, 75, 60, 110, 130]),
              Spacer(1, 10), para("Every score, comment and rationale", styles["Heading2"]),
              table([["Lot", "Bidder", "Criterion (weight)", "Evaluator", "Sits as", "Points",
                      "Weighted points", "Comment or rationale"]]
                    + [[line.lot.partition(":")[0],   # "Lot 1": the lots' titles head the report
                        line.bidder, f"{line.criterion} ({line.weight})", line.member,
                        line.kind, "" if line.points is None else str(line.points),
                        weighted_total(line.weighted), line.comment]
                       for line in data["lines"]],
                    [34, 70, 80, 58, 64, 38, 46, 140])]
    title = f"Evaluation report: {panel.name}"

    class NumberedCanvas(canvas.Canvas):
        """Writes "Page n of N" at the foot of every page once the page count is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:          # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 8)
                self.drawString(40, 24, title)
                self.drawRightString(letter[0] - 40, 24,
                                     f"Page {self._pageNumber} of {len(self._pages)}")
                super().showPage()
            super().save()

    doc.build(story, canvasmaker=NumberedCanvas)
    out.seek(0)
    return out
