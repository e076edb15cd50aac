"""Plots drawn by the server as SVG (no JavaScript, no CDN). Each function returns markup with
every value escaped, sized by a viewBox so that it scales on a tablet."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

from django.utils.safestring import SafeString, mark_safe

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 600, 160, 34, 10, 12, 24


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
        parts.append(f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" text-anchor="end">{t:g}</text>')
    parts.append(f'<text x="{PAD_L}" y="{H - 6}">{first.isoformat()}</text>')
    parts.append(f'<text x="{W - PAD_R}" y="{H - 6}" text-anchor="end">{last.isoformat()}</text>')
    return parts


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
    return mark_safe("".join(parts))


def urine_plot(
    title: str, results: Sequence[tuple[date, bool]], *, first: date, last: date
) -> SafeString:
    """Urine screens as dots: red above the line for an opioid-positive screen, green below."""
    parts = _frame(title, first, last, 2, [])
    parts.append(f'<text x="{PAD_L - 4}" y="{_y(1.5, 2) + 4:.1f}" text-anchor="end">pos</text>')
    parts.append(f'<text x="{PAD_L - 4}" y="{_y(0.5, 2) + 4:.1f}" text-anchor="end">neg</text>')
    for d, positive in results:
        if first <= d <= last:
            y = _y(1.5 if positive else 0.5, 2)
            colour = "#b3261e" if positive else "#1e7a3a"
            word = "positive" if positive else "negative"
            parts.append(
                f'<circle cx="{_x(d, first, last):.1f}" cy="{y:.1f}" r="5" fill="{colour}"><title>{d.isoformat()}: {word}</title></circle>'
            )
    if not any(first <= d <= last for d, _ in results):
        parts.append(
            f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle">No urine screens in this period</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def coverage_strip(title: str, segments: Sequence[tuple[date, date]], *, first: date, last: date,
                   today: date, reported: Sequence[tuple[date, date]] = ()) -> SafeString:  # fmt: skip
    """Days covered by naltrexone (green) and uncovered (grey), with today marked. `reported`:
    the cover with self-reported doses counted, drawn striped under the observed cover, so
    that days only the patient's word covers show apart."""
    h = 60
    parts = [
        f'<svg class="plot" viewBox="0 0 {W} {h}" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        '<defs><pattern id="self-reported" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#cfe8d6"/>'
        '<rect width="3" height="6" fill="#6fb283"/></pattern></defs>',
        f'<rect x="{PAD_L}" y="10" width="{W - PAD_L - PAD_R}" height="22" fill="#e3e6ea"/>',
    ]
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
                f'<rect x="{x1:.1f}" y="10" width="{max(x2 - x1, 1):.1f}" height="22" fill="{fill}">'
                f"<title>{word} {s.isoformat()} to {e.isoformat()}</title></rect>"
            )
    if first <= today <= last:
        x = _x(today, first, last)
        parts.append(
            f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="38" stroke="#17324d" stroke-width="2"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="50" text-anchor="middle">today</text>')
    parts.append(f'<text x="{PAD_L}" y="50">{first.isoformat()}</text>')
    parts.append(f'<text x="{W - PAD_R}" y="50" text-anchor="end">{last.isoformat()}</text></svg>')
    return mark_safe("".join(parts))
