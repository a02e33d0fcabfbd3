"""Who sees the panel's score matrix once every scoresheet is in (the mutation run of issue 22
found `scores_visible_to` reached only by the chair): the chair, each member, the officers who
manage the evaluation; never a bidder, and nobody before consensus."""

from __future__ import annotations

import pytest

from procure.models import PanelStatus
from procure.workflows import evaluation as flow
from procure.workflows.base import WorkflowError
from tests.support.factories import user
from tests.unit.test_evaluation_workflow import (  # noqa: F401 (the fixtures)
    _technical,
    panel,
    score_all,
    scoring_panel,
    world,
)


def test_in_consensus_the_matrix_is_shown_to_the_panel_and_the_agency_never_to_a_bidder(
        ctx, world, panel):
    scoring_panel(ctx, world, panel)
    score_all(ctx, panel)
    for who in (world.chair, world.evaluator, world.officer):
        with pytest.raises(WorkflowError, match="once every scoresheet is submitted"):
            flow.matrix(ctx, panel, who)
    flow.fire(ctx, panel, "begin_consensus", world.chair)
    assert panel.status is PanelStatus.consensus
    criterion = _technical(panel)
    for who in (world.chair, world.evaluator, world.family, world.officer,
                user(ctx, "officer2")):
        cells = flow.matrix(ctx, panel, who)
        assert {points for (_, c), cell in cells.items() if c == criterion.id
                for points in cell.points.values()} == {7}, who.email
    for who in (user(ctx, "bidder"), user(ctx, "other_bidder"), None):
        with pytest.raises(WorkflowError) as refused:
            flow.matrix(ctx, panel, who)
        assert refused.value.message == "The scores are shown once every scoresheet is submitted."
