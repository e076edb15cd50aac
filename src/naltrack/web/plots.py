"""Plots drawn by the server as SVG (no JavaScript, no CDN). Each function returns markup with
every value escaped, sized by a viewBox so that it scales from a phone to a desktop, followed by
the same values as a table (a <details> under the plot) for a screen reader, a keyboard user or
anyone who wants the numbers: the table is built from the very points the plot draws.

Text size: the SVG's text is sized in viewBox units, so it shrinks with the plot. The stylesheet
(app.css, `svg.plot text`) sets 17 units on a wide screen and PHONE_FONT units on a phone, where a
plot 600 units wide is drawn about 320 CSS px wide: 23 units there are about 12 CSS px. The margins
below leave room for labels at the phone's size."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from django.utils.safestring import SafeString, mark_safe

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 600, 180, 50, 10, 14, 34
PHONE_FONT = 23  # viewBox units; app.css uses the same number under its phone media query
COVERAGE_H = 86  # the coverage strip: "today" above the bar, the period's dates below it
BAR_TOP, BAR_H = 32, 24


def _x(day: date, first: date, last: date) -> float:
    span = max((last - first).days, 1)
    return PAD_L + (W - PAD_L - PAD_R) * (day - first).days / span


def _y(value: float, top: float) -> float:
    return PAD_T + (H - PAD_T - PAD_B) * (1 - value / top)


def _frame(
    title: str, first: date, last: date, top: float, ticks: Sequence[float], bands: str = ""
) -> list[str]:
    parts = [
        f'<svg class="plot" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        bands,
        f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" stroke="#9aa4af"/>',
    ]
    for t in ticks:
        y = _y(t, top)
        parts.append(
            f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" stroke="#eef0f3"/>'
        )
        parts.append(
            f'<text x="{PAD_L - 6}" y="{y:.1f}" dominant-baseline="middle" text-anchor="end">'
            f"{t:g}</text>"
        )
    parts.append(f'<text x="{PAD_L}" y="{H - 6}">{first.isoformat()}</text>')
    parts.append(f'<text x="{W - PAD_R}" y="{H - 6}" text-anchor="end">{last.isoformat()}</text>')
    return parts


def _table(title: str, head: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    """The plot's values as a table, folded under the plot."""
    th = "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
    body = (
        "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
        )
        or f'<tr><td colspan="{len(head)}" class="empty">{escape(empty)}</td></tr>'
    )
    return (
        '<details class="plot-data"><summary>Values as a table</summary>'
        f'<table><caption class="sr-only">{escape(title)}</caption>'
        f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def line_plot(title: str, points: Sequence[tuple[date, float]], *, first: date, last: date, top: float,
              ticks: Sequence[float], threshold: float | None = None, colour: str = "#1f5fa8") -> SafeString:  # fmt: skip
    """A line of dated values, with an optional dashed threshold (e.g. PHQ-9 of 10)."""
    parts = _frame(title, first, last, top, ticks)
    if threshold is not None:
        y = _y(threshold, top)
        parts.append(
            f'<line x1="{PAD_L}" y1="{y:.1f}" x2="{W - PAD_R}" y2="{y:.1f}" stroke="#b35c00" stroke-dasharray="4 3"/>'
        )
    inside = [(d, v) for d, v in points if first <= d <= last]
    if not inside:
        parts.append(
            f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">No values in this period</text>'
        )
    else:
        path = " ".join(f"{_x(d, first, last):.1f},{_y(min(v, top), top):.1f}" for d, v in inside)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for d, v in inside:
            parts.append(
                f'<circle cx="{_x(d, first, last):.1f}" cy="{_y(min(v, top), top):.1f}" r="3.5" fill="{colour}">'
                f"<title>{d.isoformat()}: {v:g}</title></circle>"
            )
    parts.append("</svg>")
    head = ["Day", "Value"] + ([] if threshold is None else ["At or above the dashed line"])
    rows = [
        [d.isoformat(), f"{v:g}"] + ([] if threshold is None else ["yes" if v >= threshold else "no"])
        for d, v in inside
    ]  # fmt: skip
    parts.append(_table(title, head, rows, "No values in this period"))
    return mark_safe("".join(parts))


def urine_plot(
    title: str, results: Sequence[tuple[date, bool]], *, first: date, last: date
) -> SafeString:
    """Urine screens as dots: red above the line for an opioid-positive screen, green below."""
    parts = _frame(title, first, last, 2, [])
    for label, level in (("pos", 1.5), ("neg", 0.5)):
        parts.append(
            f'<text x="{PAD_L - 6}" y="{_y(level, 2):.1f}" dominant-baseline="middle" '
            f'text-anchor="end">{label}</text>'
        )
    inside = [(d, positive) for d, positive in results if first <= d <= last]
    for d, positive in inside:
        y = _y(1.5 if positive else 0.5, 2)
        colour = "#b3261e" if positive else "#1e7a3a"
        word = "positive" if positive else "negative"
        parts.append(
            f'<circle cx="{_x(d, first, last):.1f}" cy="{y:.1f}" r="5" fill="{colour}"><title>{d.isoformat()}: {word}</title></circle>'
        )
    if not inside:
        parts.append(
            f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">No urine screens in this period</text>'
        )
    parts.append("</svg>")
    rows = [[d.isoformat(), "positive" if positive else "negative"] for d, positive in inside]
    parts.append(_table(title, ["Day", "Opioids"], rows, "No urine screens in this period"))
    return mark_safe("".join(parts))


def _today_anchor(x: float) -> str:
    """Where the "today" label hangs from its line: not past either end of the strip."""
    if x > W - PAD_R - 40:
        return "end"
    if x < PAD_L + 40:
        return "start"
    return "middle"


def coverage_strip(title: str, segments: Sequence[tuple[date, date]], *, first: date, last: date,
                   today: date, reported: Sequence[tuple[date, date]] = ()) -> SafeString:  # fmt: skip
    """Days covered by naltrexone (green) and uncovered (grey), with today marked. `reported`:
    the cover with self-reported doses counted, drawn striped under the observed cover, so
    that days only the patient's word covers show apart.

    "today" is written above the bar and the period's first and last days below it, so that the
    label of a today at the end of the period (the chart's case) never sits on the end date."""
    h = COVERAGE_H
    parts = [
        f'<svg class="plot" viewBox="0 0 {W} {h}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        '<defs><pattern id="self-reported" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#cfe8d6"/>'
        '<rect width="3" height="6" fill="#6fb283"/></pattern></defs>',
        f'<rect x="{PAD_L}" y="{BAR_TOP}" width="{W - PAD_L - PAD_R}" height="{BAR_H}" fill="#e3e6ea"/>',
    ]
    rows: list[list[str]] = []
    for runs, fill, word in (
        (reported, "url(#self-reported)", "covered with self-reported doses"),
        (segments, "#1e7a3a", "covered"),
    ):
        for start, end in runs:  # end: the first day not covered
            s, e = max(start, first), min(end - timedelta(days=1), last)
            if s > e:
                continue
            x1, x2 = _x(s, first, last), _x(e + timedelta(days=1), first, last + timedelta(days=1))
            parts.append(
                f'<rect x="{x1:.1f}" y="{BAR_TOP}" width="{max(x2 - x1, 1):.1f}" height="{BAR_H}" fill="{fill}">'
                f"<title>{word} {s.isoformat()} to {e.isoformat()}</title></rect>"
            )
            rows.append([s.isoformat(), e.isoformat(), str((e - s).days + 1), word])
    rows.sort()
    if first <= today <= last:
        x = _x(today, first, last)
        parts.append(
            f'<line x1="{x:.1f}" y1="{BAR_TOP - 6}" x2="{x:.1f}" y2="{BAR_TOP + BAR_H + 4}" '
            'stroke="#17324d" stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{BAR_TOP - 10}" text-anchor="{_today_anchor(x)}">today</text>'
        )
    parts.append(f'<text x="{PAD_L}" y="{h - 6}">{first.isoformat()}</text>')
    parts.append(
        f'<text x="{W - PAD_R}" y="{h - 6}" text-anchor="end">{last.isoformat()}</text></svg>'
    )
    parts.append(
        _table(title, ["From", "To", "Days", "Cover"], rows, "No day covered in this period")
    )
    return mark_safe("".join(parts))
