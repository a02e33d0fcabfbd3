"""A finalized panel's report (HTML through a template, PDF with reportlab) and its scores as
CSV and XLSX (openpyxl). Everything here reads through procure.workflows.evaluation, so bidder
codes replace names wherever the reader is an evaluator on a blind RFR."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.orm import Session

from procure import clock
from procure.models import Panel
from procure.workflows import evaluation as flow

HEADERS = ["Lot", "Bidder", "Criterion", "Evaluator", "Sits as", "Points", "Comment or rationale"]


def report_data(session: Session, panel: Panel, viewer: Any) -> dict[str, Any]:
    """What the report shows: every score, comment, declaration, rationale and the ranking."""
    responses = flow.responses_of(panel)
    labels = {r.id: flow.bidder_label(panel, r, viewer) for r in responses}
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
            "criteria": panel.solicitation.criteria, "written_at": clock.now()}


def scores_csv(lines: list[flow.ReportLine]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for line in lines:
        writer.writerow([line.lot, line.bidder, line.criterion, line.member, line.kind,
                         "" if line.points is None else str(line.points), line.comment])
    return out.getvalue()


def scores_xlsx(lines: list[flow.ReportLine]) -> io.BytesIO:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Scores"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for line in lines:
        sheet.append([line.lot, line.bidder, line.criterion, line.member, line.kind,
                      None if line.points is None else float(line.points), line.comment])
    for column, width in zip("ABCDEFG", (28, 18, 24, 22, 22, 8, 60), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def report_pdf(data: dict[str, Any]) -> io.BytesIO:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
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
            story.append(para("Recommended: " + " and ".join(top)
                              + (" (tied: the agency decides between them)." if len(top) > 1
                                 else "."), styles["BodyText"]))
    story += [Spacer(1, 10), para("Conflict of interest declarations", styles["Heading2"]),
              table([["Member", "Sits as", "Bidder", "Declared", "Nature"]] + [
                  [d["member"] + (" (chair)" if d["chair"] else ""), d["kind"], d["bidder"],
                   ("Conflict" if d["conflict"] else "No conflict")
                   + (" (superseded)" if d["superseded"] else ""), d["nature"]]
                  for d in data["declarations"]], [100, 90, 90, 90, 160]),
              Spacer(1, 10), para("Every score, comment and rationale", styles["Heading2"]),
              table([HEADERS[1:]] + [[line.bidder, line.criterion, line.member, line.kind,
                                      "" if line.points is None else str(line.points),
                                      line.comment] for line in data["lines"]],
                    [60, 70, 80, 70, 40, 210])]
    doc.build(story)
    out.seek(0)
    return out
