"""The statement browser's charts: statements over time and per verb, as inline SVG.

Drawn like the assessment charts (320 units wide, 15-unit text, labels on their own lines) so
text stays readable on a 320-pixel screen; each sits beside a table of the same figures.
"""

from __future__ import annotations

from datetime import date, timedelta

from markupsafe import Markup, escape

WIDTH, TEXT, LINE = 320, 15, 19
LEFT, RIGHT, TOP = 4, 8, 8
PLOT_HEIGHT = 120
MAX_BARS = 60


def buckets(per_day: list[tuple[date, int]]) -> tuple[str, list[tuple[date, date, int]]]:
    """Group daily counts into days, weeks or months so that at most MAX_BARS remain.

    Returns the unit ("day", "week" or "month") and (first day, last day, count) per bucket,
    without gaps between the first and the last bucket.
    """
    if not per_day:
        return "day", []
    first, last = per_day[0][0], per_day[-1][0]
    counts = dict(per_day)
    span = (last - first).days + 1
    if span <= MAX_BARS:
        days = [first + timedelta(days=n) for n in range(span)]
        return "day", [(d, d, counts.get(d, 0)) for d in days]
    if span <= MAX_BARS * 7:
        start = first - timedelta(days=first.weekday())
        out = []
        while start <= last:
            end = start + timedelta(days=6)
            out.append((start, end, sum(n for d, n in per_day if start <= d <= end)))
            start = end + timedelta(days=1)
        return "week", out
    out, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        start = date(year, month, 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        end = date(year, month, 1) - timedelta(days=1)
        out.append((start, end, sum(n for d, n in per_day if start <= d <= end)))
    return "month", out


def bucket_label(unit: str, first: date, last: date) -> str:
    """Return how a bucket is named in the table: a day, a week's first day, or a month."""
    if unit == "month":
        return first.strftime("%b %Y")
    if unit == "week":
        return "week of " + first.strftime("%d %b %Y")
    return first.strftime("%d %b %Y")


def over_time_svg(unit: str, rows: list[tuple[date, date, int]]) -> Markup:
    """Return a column chart of statements per day, week or month."""
    top = max((n for _, _, n in rows), default=0) or 1
    height = TOP + LINE + PLOT_HEIGHT + 2 * LINE + 6
    base = TOP + LINE + PLOT_HEIGHT
    step = (WIDTH - LEFT - RIGHT) / max(len(rows), 1)
    total = sum(n for _, _, n in rows)
    title = f"Statements per {unit}"
    if rows:
        desc = (
            f"{total} statements from {bucket_label(unit, rows[0][0], rows[0][1])} to "
            f"{bucket_label(unit, rows[-1][0], rows[-1][1])}; the most in one {unit}: {top}."
        )
    else:
        desc = "No statements."
    out = [
        f'<svg class="lp-chart over-time-chart" id="over-time" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="over-time-title over-time-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="over-time-title">{escape(title)}</title>',
        f'<desc id="over-time-desc">{escape(desc)}</desc>',
        f'<text class="tick" x="{LEFT}" y="{TOP + TEXT}">{top} at most</text>',
        f'<line class="grid" x1="{LEFT}" y1="{base}" x2="{WIDTH - RIGHT}" y2="{base}" />',
    ]
    for n, (_, _, count) in enumerate(rows):
        h = PLOT_HEIGHT * count / top
        if count:
            out.append(
                f'<rect class="bar" x="{LEFT + n * step + step * 0.1:.1f}" y="{base - h:.1f}" '
                f'width="{max(step * 0.8, 1):.1f}" height="{max(h, 1):.1f}" />'
            )
    if rows:
        out.append(
            f'<text class="tick" x="{LEFT}" y="{base + LINE}">'
            f"{escape(bucket_label(unit, rows[0][0], rows[0][1]))}</text>"
        )
        out.append(
            f'<text class="tick" x="{WIDTH - RIGHT}" y="{base + 2 * LINE}" text-anchor="end">'
            f"{escape(bucket_label(unit, rows[-1][0], rows[-1][1]))}</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))


def per_verb_svg(rows: list[tuple[str, str, int]]) -> Markup:
    """Return a bar chart of statements per verb, one labelled bar per verb."""
    top = max((n for _, _, n in rows), default=0) or 1
    bar, gap = 16, 10
    height = TOP + len(rows) * (LINE + 4 + bar + gap) + 4
    desc = "; ".join(f"{label}: {n}" for _, label, n in rows) or "No statements."
    out = [
        f'<svg class="lp-chart per-verb-chart" id="per-verb" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="per-verb-title per-verb-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        '<title id="per-verb-title">Statements per verb</title>',
        f'<desc id="per-verb-desc">{escape(desc)}.</desc>',
    ]
    y = TOP
    for _, label, count in rows:
        out.append(
            f'<text class="label" x="{LEFT}" y="{y + TEXT}">{escape(label)} · {count}</text>'
        )
        width = (WIDTH - LEFT - RIGHT) * count / top
        out.append(
            f'<rect class="bar" x="{LEFT}" y="{y + LINE + 4}" width="{max(width, 2):.1f}" '
            f'height="{bar}" rx="2" />'
        )
        y += LINE + 4 + bar + gap
    out.append("</svg>")
    return Markup("".join(out))
