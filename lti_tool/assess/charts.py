"""Charts drawn as inline SVG, each with a table beside it that gives the same figures.

The drawing is 320 units wide with 15-unit text, each label on its own line above its bar: on
a 320-pixel-wide screen the chart is at least 272 pixels wide, so text stays above 12.5 pixels; the
stylesheet caps the chart's width on wide screens. Colours and sizes come from classes (no
inline style), and every chart is an image named by its title and description.
"""

from __future__ import annotations

import textwrap

from markupsafe import Markup, escape

WIDTH = 320
TEXT = 15
LINE = 19
BAR_HEIGHT = 20
ROW_GAP = 14
LEFT, RIGHT, TOP = 4, 12, 6
AXIS_HEIGHT = 26
WRAP = 36


def _x(value: float, max_stage: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * value / max_stage


def _lines(text: str) -> list[str]:
    """Return a label broken into lines short enough to fit the drawing's width."""
    return textwrap.wrap(text, WRAP) or [""]


def _label(x: float, y: float, lines: list[str], css: str = "label") -> str:
    spans = "".join(
        f'<tspan x="{x}" dy="{0 if n == 0 else LINE}">{escape(line)}</tspan>'
        for n, line in enumerate(lines)
    )
    return f'<text class="{css}" x="{x}" y="{y}">{spans}</text>'


def _axis(max_stage: int, top: float, bottom: float) -> list[str]:
    out = []
    for stage in range(max_stage + 1):
        x = _x(stage, max_stage)
        anchor = "start" if stage == 0 else "end" if stage == max_stage else "middle"
        out.append(f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" />')
        out.append(
            f'<text class="tick" x="{x:.1f}" y="{bottom + 18}" text-anchor="{anchor}">'
            f"{stage}</text>"
        )
    return out


def _open(chart_id: str, height: float, title: str, description: str, css: str) -> list[str]:
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return [
        f'<svg class="lp-chart {css}" id="{chart_id}" role="img" viewBox="0 0 {WIDTH} '
        f'{height:.0f}" aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]


def _describe(rows: list[dict], max_stage: int) -> str:
    parts = []
    for row in rows:
        text = (
            f"{row['title']}: {row['median_text'].lower()} of {max_stage} (median), "
            f"range {row['range_text']}"
        )
        if row.get("expected") is not None:
            text += f", expected {row['expected']} ({row['status_text'].lower()})"
        parts.append(text)
    return "; ".join(parts) + "."


def domain_profile_svg(rows: list[dict], max_stage: int, chart_id: str = "profile") -> Markup:
    """Return the bar chart of the median stage per domain, the expected stage marked on each.

    `rows` come from `results.domain_rows` (median, median_text, range_text, expected, status).
    """
    labels = [_lines(f"{row['title']} · {row['median_text'].lower()}") for row in rows]
    heights = [LINE * len(lines) + 4 + BAR_HEIGHT + ROW_GAP for lines in labels]
    axis_y = TOP + sum(heights)
    out = _open(
        chart_id,
        axis_y + AXIS_HEIGHT,
        "Domain profile: median stage attained per domain",
        _describe(rows, max_stage),
        "profile-chart",
    )
    out += _axis(max_stage, TOP, axis_y)
    y = TOP
    for row, lines, height in zip(rows, labels, heights, strict=True):
        bar_y = y + LINE * len(lines) + 4
        width = _x(row["median"], max_stage) - LEFT
        status = row.get("status") or "none"
        out.append(_label(LEFT, y + TEXT, lines))
        out.append(
            f'<rect class="bar bar-{status}" x="{LEFT}" y="{bar_y}" width="{max(width, 2):.1f}" '
            f'height="{BAR_HEIGHT}" rx="3" />'
        )
        if row.get("expected") is not None:
            x = _x(row["expected"], max_stage)
            out.append(
                f'<line class="expected" x1="{x:.1f}" y1="{bar_y - 4}" x2="{x:.1f}" '
                f'y2="{bar_y + BAR_HEIGHT + 4}" />'
            )
        y += height
    out.append("</svg>")
    return Markup("".join(out))


def comparison_svg(
    rows: list[tuple[str, float | None, float | None]], max_stage: int, chart_id: str, title: str
) -> Markup:
    """Return a dot chart of (label, own stage, others' mean) rows: a circle and a diamond."""
    labels = [_lines(label) for label, _, _ in rows]
    heights = [LINE * len(lines) + 6 + 16 + ROW_GAP for lines in labels]
    axis_y = TOP + sum(heights)
    described = []
    for label, own, others in rows:
        you = "not rated" if own is None else f"{own:g}"
        them = "not shown" if others is None else f"{others:.2f}"
        described.append(f"{label}: you {you}, others {them}")
    out = _open(
        chart_id,
        axis_y + AXIS_HEIGHT,
        title,
        f"On a scale from 0 to {max_stage}, a circle marks your own stage and a diamond the "
        f"mean of others' ratings. {'; '.join(described)}.",
        "comparison-chart",
    )
    out += _axis(max_stage, TOP, axis_y)
    y = TOP
    for (_, own, others), lines, height in zip(rows, labels, heights, strict=True):
        out.append(_label(LEFT, y + TEXT, lines))
        mid = y + LINE * len(lines) + 6 + 8
        out.append(f'<line class="track" x1="{LEFT}" y1="{mid}" x2="{WIDTH - RIGHT}" y2="{mid}" />')
        if others is not None:
            x = _x(others, max_stage)
            out.append(
                f'<rect class="others" x="{x - 6:.1f}" y="{mid - 6}" width="12" height="12" '
                f'transform="rotate(45 {x:.1f} {mid})" />'
            )
        if own is not None:
            out.append(f'<circle class="self" cx="{_x(own, max_stage):.1f}" cy="{mid}" r="7" />')
        y += height
    out.append("</svg>")
    return Markup("".join(out))
