"""A lifecycle drawn as SVG from its machine's own states and transitions (no JavaScript, no
diagram library): states in rows, each one row below the furthest state that leads to it
(forward in the states' order); a step back (a scoresheet returned, a response withdrawn and
submitted again) curves up the side. The current state is filled and says "now"."""

from __future__ import annotations

import enum
import textwrap
from html import escape

from procure.workflows.base import Workflow

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN, SIDE, LEFT = 168, 40, 28, 62, 16, 120, 56


def _states(workflow: Workflow) -> list[enum.Enum]:
    """The states the machine's transitions name, in the enum's order."""
    named = set()
    for t in workflow.transitions:
        sources = [t["source"]] if isinstance(t["source"], str) else list(t["source"])
        named.update(sources + [t["dest"]])
    return [s for s in workflow.states if s.name in named]


def _edges(workflow: Workflow) -> list[tuple[str, str, str]]:
    """(source, dest, label) once each."""
    edges: dict[tuple[str, str], list[str]] = {}
    for t in workflow.transitions:
        sources = [t["source"]] if isinstance(t["source"], str) else list(t["source"])
        label = workflow.labels[t["trigger"]]
        for source in sources:
            names = edges.setdefault((source, t["dest"]), [])
            if label not in names:
                names.append(label)
    return [(s, d, " / ".join(names)) for (s, d), names in edges.items()]


def _rows(states: list[enum.Enum], edges: list[tuple[str, str, str]]) -> dict[str, int]:
    order = {s.name: i for i, s in enumerate(states)}
    row = {s.name: 0 for s in states}
    for state in states:                      # forward edges, in the states' order
        for source, dest, _ in edges:
            if dest == state.name and order[source] < order[dest]:
                row[dest] = max(row[dest], row[source] + 1)
    return row


def _lines(text: str) -> list[str]:
    return textwrap.wrap(text, 22)[:2] or [text]


def svg(workflow: Workflow, current: enum.Enum | None = None, *, key: str = "lc") -> str:
    """The lifecycle as an inline SVG document fragment (escaped: safe to insert)."""
    states = _states(workflow)
    edges = _edges(workflow)
    row = _rows(states, edges)
    layers: dict[int, list[enum.Enum]] = {}
    for state in states:
        layers.setdefault(row[state.name], []).append(state)
    widest = max(len(v) for v in layers.values())
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X + SIDE + LEFT
    height = MARGIN * 2 + len(layers) * BOX_H + (len(layers) - 1) * GAP_Y
    place: dict[str, tuple[float, float]] = {}
    for depth, members in sorted(layers.items()):
        span = len(members) * BOX_W + (len(members) - 1) * GAP_X
        left = LEFT + MARGIN + ((width - SIDE - LEFT - 2 * MARGIN) - span) / 2
        for i, state in enumerate(members):
            place[state.name] = (left + i * (BOX_W + GAP_X), MARGIN + depth * (BOX_H + GAP_Y))
    now = current.value if current is not None else ""
    title = f"Lifecycle of {workflow.name}" + (f": now {now}" if now else "")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="lifecycle-graph" role="img" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
           f'aria-labelledby="{key}-title">',
           f'<title id="{key}-title">{escape(title)}</title>',
           f'<defs><marker id="{key}-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
           'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
           '<path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>']
    back, lanes, labelled = 0, {}, set()
    for source, dest, label in edges:
        (sx, sy), (dx, dy) = place[source], place[dest]
        span = row[dest] - row[source]
        anchor = "middle"
        if span == 1:                         # to the next row: straight down
            x1, y1, x2, y2 = sx + BOX_W / 2, sy + BOX_H, dx + BOX_W / 2, dy
            path = f"M{x1:.0f},{y1:.0f} L{x2:.0f},{y2:.0f}"
            lx, ly = x1 + (x2 - x1) * 0.5, y1 + (y2 - y1) * 0.5 + 4
            anchor = "end" if x2 < x1 - 1 else "start" if x2 > x1 + 1 else "middle"
            lx += -4 if anchor == "end" else 4 if anchor == "start" else 0
        elif span > 1:                        # past other rows: down the left side, one lane
            lane = lanes.setdefault(dest, 8 + 7 * len(lanes))
            x1, y1, x2, y2 = sx, sy + BOX_H / 2, dx + 10, dy
            path = (f"M{x1:.0f},{y1:.0f} C{lane:.0f},{y1:.0f} {lane:.0f},{y1:.0f} "
                    f"{lane:.0f},{(y1 + y2) / 2:.0f} S{x2:.0f},{y2 - 30:.0f} {x2:.0f},{y2:.0f}")
            stacked = sum(1 for (text, _d, src) in labelled if src == source and text)
            lx, ly = x1 - 3, y1 - 4 - 11 * stacked
            anchor = "end"
            if any(text == label and d == dest for text, d, _s in labelled):
                label = ""
            labelled.add((label, dest, source))
        else:                                 # back, or along a row: round the right side
            back += 1
            x1, y1, x2, y2 = sx + BOX_W, sy + BOX_H / 2, dx + BOX_W, dy + BOX_H / 2
            if source == dest:
                y1, y2 = y1 - 8, y2 + 8
            bend = max(x1, x2) + 24 + 14 * (back % 4)
            path = f"M{x1:.0f},{y1:.0f} C{bend:.0f},{y1:.0f} {bend:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
            lx, ly = bend - 6, (y1 + y2) / 2 + 4
            anchor = "start"
        out.append(f'<path d="{path}" fill="none" stroke="#333" stroke-width="1.3" '
                   f'marker-end="url(#{key}-arrow)"/>')
        if label:
            out.append(f'<text x="{lx:.0f}" y="{ly:.0f}" font-size="10.5" fill="#222" '
                       f'paint-order="stroke" stroke="#fff" stroke-width="3" '
                       f'text-anchor="{anchor}">{escape(label)}</text>')
    for state in states:
        x, y = place[state.name]
        here = current is not None and state is current
        fill, ink = ("#0b3d91", "#fff") if here else ("#f4f6f9", "#111")
        out.append(f'<g class="state{" current" if here else ""}">'
                   f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="8" '
                   f'fill="{fill}" stroke="#0b3d91" stroke-width="{3 if here else 1.2}"/>')
        lines = _lines(state.value + (" (now)" if here else ""))
        top = y + BOX_H / 2 - (len(lines) - 1) * 7 + 4
        weight = ' font-weight="bold"' if here else ""
        for i, line in enumerate(lines):
            out.append(f'<text x="{x + BOX_W / 2:.0f}" y="{top + i * 14:.0f}" font-size="12" '
                       f'text-anchor="middle" fill="{ink}"{weight}>{escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
