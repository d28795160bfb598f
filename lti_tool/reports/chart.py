"""The journey chart: the stage of each domain at each self-assessment, as inline SVG.

One line per domain over the self-assessments in date order, the phase's expected stage as a
short dashed mark at each point; the page gives the same figures in a table beside it.
"""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT = 320, 200
LEFT, RIGHT, TOP, BOTTOM = 22, 10, 10, 28
MAX_STAGE = 4


def _y(stage: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - stage / MAX_STAGE)


def journey_svg(points: list[dict], domains: list[tuple[str, str]]) -> Markup:
    """Return the chart of `points` (date, domains, expected), one line per (domain, title)."""
    span = max(len(points) - 1, 1)
    xs = [LEFT + (WIDTH - LEFT - RIGHT) * n / span for n in range(len(points))]
    parts = [
        f'<svg class="lp-chart lp-journey" id="journey-chart" role="img" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" aria-labelledby="journey-chart-title journey-chart-desc" '
        'xmlns="http://www.w3.org/2000/svg">',
        '<title id="journey-chart-title">Stage per domain at each self-assessment</title>',
        '<desc id="journey-chart-desc">One line per domain; dashed marks show the stage '
        "expected in the career phase of each self-assessment. The table below gives the same "
        "figures.</desc>",
    ]
    for stage in range(MAX_STAGE + 1):
        y = _y(stage)
        parts.append(
            f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" />'
        )
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{y + 5:.1f}" text-anchor="end">{stage}</text>'
        )
    for n, point in enumerate(points):
        parts.append(
            f'<text class="tick" x="{xs[n]:.1f}" y="{HEIGHT - 8}" text-anchor="middle">'
            f"{escape(point['date'][:7])}</text>"
        )
    for index, (domain_id, _title) in enumerate(domains):
        line = [
            (xs[n], _y(p["domains"][domain_id]))
            for n, p in enumerate(points)
            if domain_id in p["domains"]
        ]
        if len(line) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in line)
            parts.append(f'<polyline class="series series-{index}" points="{path}" fill="none" />')
        for x, y in line:
            parts.append(
                f'<circle class="series series-{index}" cx="{x:.1f}" cy="{y:.1f}" r="3" />'
            )
        for n, p in enumerate(points):
            if domain_id in p.get("expected", {}):
                y = _y(p["expected"][domain_id])
                parts.append(
                    f'<line class="expected" x1="{xs[n] - 6:.1f}" y1="{y:.1f}" '
                    f'x2="{xs[n] + 6:.1f}" y2="{y:.1f}" stroke-dasharray="3 2" />'
                )
    parts.append("</svg>")
    return Markup("".join(parts))
