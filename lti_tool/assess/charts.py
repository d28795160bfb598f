"""The domain profile drawn as inline SVG: one bar per domain, the expected stage marked."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 640
LABEL_HEIGHT = 22
BAR_HEIGHT = 22
ROW_GAP = 14
LEFT, RIGHT, TOP = 8, 24, 8
AXIS_HEIGHT = 28


def _x(value: float, max_stage: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * value / max_stage


def _describe(rows: list[dict], max_stage: int) -> str:
    parts = []
    for row in rows:
        text = f"{row['title']}: mean stage {row['mean']} of {max_stage}, lowest {row['minimum']}"
        if row.get("expected") is not None:
            text += f", expected {row['expected']} ({row['status_text'].lower()})"
        parts.append(text)
    return "; ".join(parts) + "."


def domain_profile_svg(rows: list[dict], max_stage: int, chart_id: str = "profile") -> Markup:
    """Return an accessible SVG bar chart of mean stage per domain (the table is its twin)."""
    row_height = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    height = TOP + row_height * len(rows) + AXIS_HEIGHT
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        f'<svg class="profile-chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{title_id} {desc_id}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">Domain profile: mean stage attained per domain</title>',
        f'<desc id="{desc_id}">{escape(_describe(rows, max_stage))}</desc>',
    ]
    axis_y = TOP + row_height * len(rows)
    for stage in range(max_stage + 1):
        x = _x(stage, max_stage)
        out.append(
            f'<line class="grid" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{axis_y}" />'
            f'<text class="tick" x="{x:.1f}" y="{axis_y + 18}" text-anchor="middle">{stage}</text>'
        )
    for index, row in enumerate(rows):
        y = TOP + index * row_height
        bar_y = y + LABEL_HEIGHT
        width = _x(row["mean"], max_stage) - LEFT
        status = row.get("status") or "none"
        label = f"{escape(row['title'])} · {row['mean']}"
        out.append(f'<text class="label" x="{LEFT}" y="{y + 16}">{label}</text>')
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
    out.append("</svg>")
    return Markup("".join(out))
