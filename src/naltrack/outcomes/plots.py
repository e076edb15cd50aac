"""The Outcomes page's plots, drawn by the server as SVG in the style of `web/plots.py` (no
JavaScript, every value escaped, sized by a viewBox). Each has a <title> and a <desc>, and the
page prints its values as a table right under it: the table is the plot's text alternative.

Three kinds: Kaplan-Meier retention curves with their confidence bands (one colour per group),
horizontal bars of a share with its denominator (continuity by start cohort), and a mean line
with its confidence band over days (craving since the last injection) with a marked day."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from naltrack.clinical.outcomes import RETENTION_MILESTONES

from .survival import KaplanMeier

# Okabe-Ito: told apart with the common colour-vision deficiencies; each curve is also named in
# the legend and in the table under the plot.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
GRID, AXIS = "#eef0f3", "#9aa4af"


@dataclass(frozen=True)
class Frame:
    """A plot area in viewBox units with linear x and y scales."""

    w: float
    h: float
    left: float
    right: float
    top: float
    bottom: float
    x_max: float
    y_max: float

    def x(self, v: float) -> float:
        return (
            self.left + (self.w - self.left - self.right) * min(max(v, 0), self.x_max) / self.x_max
        )

    def y(self, v: float) -> float:
        return self.top + (self.h - self.top - self.bottom) * (
            1 - min(max(v, 0), self.y_max) / self.y_max
        )


def colour(i: int) -> str:
    return COLOURS[i % len(COLOURS)]


def _open(f: Frame, ident: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg class="plot" viewBox="0 0 {f.w:g} {f.h:g}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" id="{ident}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]


def _y_axis(f: Frame, ticks: Sequence[float], fmt: str = "{:g}") -> list[str]:
    parts = []
    for t in ticks:
        y = f.y(t)
        parts.append(
            f'<line x1="{f.left}" y1="{y:.1f}" x2="{f.w - f.right}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{f.left - 6}" y="{y:.1f}" dominant-baseline="middle" text-anchor="end">'
            f"{escape(fmt.format(t))}</text>"
        )
    return parts


def _x_axis(f: Frame, ticks: Sequence[float], label: str) -> list[str]:
    base = f.h - f.bottom
    parts = [f'<line x1="{f.left}" y1="{base}" x2="{f.w - f.right}" y2="{base}" stroke="{AXIS}"/>']
    for t in ticks:
        x = f.x(t)
        parts.append(f'<line x1="{x:.1f}" y1="{f.top}" x2="{x:.1f}" y2="{base}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x:.1f}" y="{base + 20}" text-anchor="middle">{t:g}</text>')
    parts.append(
        f'<text x="{(f.left + f.w - f.right) / 2:.1f}" y="{f.h - 4}" text-anchor="middle">'
        f"{escape(label)}</text>"
    )
    return parts


def _legend(f: Frame, names: Sequence[str], y: float) -> list[str]:
    """Names with their colour swatch in a row above the plot area, wrapping when long."""
    parts, x, row = [], f.left, 0
    for i, name in enumerate(names):
        width = 30 + 15 * len(name)  # room for the phone's larger text (app.css)
        if x + width > f.w - f.right and x > f.left:
            x, row = f.left, row + 1
        yy = y + 30 * row
        parts.append(f'<rect x="{x:.1f}" y="{yy - 6}" width="18" height="6" fill="{colour(i)}"/>')
        parts.append(f'<text x="{x + 24:.1f}" y="{yy}">{escape(name)}</text>')
        x += width + 12
    return parts


def legend_rows(names: Sequence[str], width: float, left: float, right: float) -> int:
    x, rows = left, 1
    for name in names:
        w = 30 + 15 * len(name)
        if x + w > width - right and x > left:
            x, rows = left, rows + 1
        x += w + 12
    return rows


def _step_points(
    f: Frame, times: Sequence[float], values: Sequence[float], end: float
) -> list[str]:
    """A right-continuous step function as polyline points, held to `end`."""
    pts: list[str] = []
    for i, (t, v) in enumerate(zip(times, values, strict=True)):
        if i:
            pts.append(f"{f.x(t):.1f},{f.y(values[i - 1]):.1f}")
        pts.append(f"{f.x(t):.1f},{f.y(v):.1f}")
    pts.append(f"{f.x(end):.1f},{f.y(values[-1]):.1f}")
    return pts


def _nice_days(last: float) -> float:
    """The x axis's end: the first milestone at or past the data's last day, else a multiple of
    90 days past it."""
    for m in RETENTION_MILESTONES:
        if last <= m:
            return float(m)
    return float(math.ceil(last / 90) * 90)


def km_plot(ident: str, title: str, curves: Mapping[str, KaplanMeier]) -> SafeString:
    """Retention curves (share still retained against days from the first dose) with their 95%
    bands shaded, one colour per group, the 50% line dashed (where a curve crosses it is its
    median) and the milestone days as the x ticks."""
    names = list(curves)
    last = max((km.timeline[-1] for km in curves.values()), default=0.0)
    x_max = _nice_days(max(last, 1.0))
    rows = legend_rows(names, 800, 80, 16)
    f = Frame(800, 360 + 30 * rows, 80, 16, 34 + 30 * rows, 56, x_max, 1.0)
    desc = (
        f"{len(names)} curve{'s' if len(names) != 1 else ''} ({', '.join(names)}), "
        "each starting at 100% on day 0 and stepping down when patients stop treatment; the "
        "shaded band is the 95% confidence interval. The numbers are in the table below."
    )
    parts = _open(f, ident, title, desc)
    parts += _y_axis(f, (0, 0.25, 0.5, 0.75, 1.0), "{:.0%}")
    ticks = [0.0] + [float(m) for m in RETENTION_MILESTONES if m <= x_max]
    parts += _x_axis(f, ticks, "Days from the first dose")
    half = f.y(0.5)
    parts.append(
        f'<line x1="{f.left}" y1="{half:.1f}" x2="{f.w - f.right}" y2="{half:.1f}" '
        'stroke="#5b6470" stroke-dasharray="5 4"/>'
    )
    shade = 0.12 if len(curves) <= 3 else 0.07  # overlapping bands stay readable
    for i, km in enumerate(curves.values()):
        # each curve ends at its last follow-up: nothing is known past it
        upper = _step_points(f, km.timeline, km.upper, km.timeline[-1])
        lower = _step_points(f, km.timeline, km.lower, km.timeline[-1])
        band = " ".join(upper + lower[::-1])
        parts.append(
            f'<polygon points="{band}" fill="{colour(i)}" fill-opacity="{shade}" stroke="none"/>'
        )
    for i, (name, km) in enumerate(curves.items()):
        line = " ".join(_step_points(f, km.timeline, km.survival, km.timeline[-1]))
        median = "not reached" if km.median is None else f"{km.median:g} days"
        parts.append(
            f'<polyline fill="none" stroke="{colour(i)}" stroke-width="2.5" points="{line}">'
            f"<title>{escape(name)}: median retention {median}</title></polyline>"
        )
    parts += _legend(f, names, 26)
    parts.append("</svg>")
    return mark_safe("".join(parts))


def share_bars(
    ident: str, title: str, bars: Sequence[tuple[str, float | None, int]], *, what: str
) -> SafeString:
    """One horizontal bar per row: (label, share 0-1 or None when nothing to count, denominator),
    the share and its denominator written at the bar's end."""
    bar_h, gap, left, right = 26, 12, 110, 170
    h = 26 + (bar_h + gap) * max(len(bars), 1) + 30
    f = Frame(700, h, left, right, 20, 30, 1, 1)
    desc = f"{what} for {len(bars)} groups, as bars from 0 to 100%. The numbers are in the table below."
    parts = _open(f, ident, title, desc)
    base = h - f.bottom
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        x = f.x(t)
        parts.append(
            f'<line x1="{x:.1f}" y1="{f.top - 4}" x2="{x:.1f}" y2="{base}" stroke="{GRID}"/>'
        )
        parts.append(f'<text x="{x:.1f}" y="{base + 18}" text-anchor="middle">{t:.0%}</text>')
    for i, (label, share, n) in enumerate(bars):
        y = f.top + i * (bar_h + gap)
        parts.append(
            f'<text x="{left - 8}" y="{y + bar_h / 2:.1f}" dominant-baseline="middle" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        if share is None:
            words = f"n={n}, not yet"
        else:
            width = max(f.x(share) - left, 1)
            parts.append(
                f'<rect x="{left}" y="{y}" width="{width:.1f}" height="{bar_h}" fill="{COLOURS[0]}">'
                f"<title>{escape(label)}: {share:.0%} of {n}</title></rect>"
            )
            words = f"{share:.0%} of {n}"
        parts.append(
            f'<text x="{f.w - right + 8}" y="{y + bar_h / 2:.1f}" dominant-baseline="middle">'
            f"{escape(words)}</text>"
        )
    if not bars:
        parts.append(
            f'<text x="{f.w / 2}" y="{f.top + 12}" text-anchor="middle">Nothing to count</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


@dataclass(frozen=True)
class BandPoint:
    day: float
    mean: float
    lower: float
    upper: float
    n: int


def band_line(
    ident: str,
    title: str,
    points: Sequence[BandPoint],
    *,
    x_max: float,
    y_max: float,
    x_label: str,
    y_label: str,
    marker: tuple[float, str] | None = None,
) -> SafeString:
    """A mean by day with its confidence band shaded, and a dashed vertical marker (the day an
    injection is due)."""
    f = Frame(700, 336, 56, 16, 40, 46, x_max, y_max)
    desc = (
        f"The mean {y_label} by {x_label.lower()}, day 0 to {x_max:g}, with its 95% confidence "
        "band shaded"
        + (f"; the dashed line marks {marker[1]}" if marker else "")
        + ". The numbers are in the table below."
    )
    parts = _open(f, ident, title, desc)
    step = 1 if y_max <= 5 else 2 if y_max <= 10 else 5 if y_max <= 30 else 10
    parts += _y_axis(f, [float(v) for v in range(0, int(y_max) + 1, step)])
    week = 7  # x ticks by the week
    parts += _x_axis(f, [float(d) for d in range(0, int(x_max) + 1, week)], x_label)
    parts.append(
        f'<text x="{f.left - 40}" y="{f.top - 20}">{escape(y_label[:1].upper() + y_label[1:])}</text>'
    )
    inside = sorted((p for p in points if 0 <= p.day <= x_max), key=lambda p: p.day)
    if marker is not None:
        x = f.x(marker[0])
        parts.append(
            f'<line x1="{x:.1f}" y1="{f.top}" x2="{x:.1f}" y2="{f.h - f.bottom}" '
            'stroke="#b35c00" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{x - 6:.1f}" y="{f.top + 14}" text-anchor="end" class="marker">{escape(marker[1])}</text>'
        )
    if not inside:
        parts.append(
            f'<text x="{f.w / 2}" y="{f.h / 2}" text-anchor="middle">No values to show</text>'
        )
    else:
        band = [f"{f.x(p.day):.1f},{f.y(p.upper):.1f}" for p in inside] + [
            f"{f.x(p.day):.1f},{f.y(p.lower):.1f}" for p in reversed(inside)
        ]
        parts.append(
            f'<polygon points="{" ".join(band)}" fill="{COLOURS[0]}" fill-opacity="0.18" stroke="none"/>'
        )
        line = " ".join(f"{f.x(p.day):.1f},{f.y(p.mean):.1f}" for p in inside)
        parts.append(
            f'<polyline fill="none" stroke="{COLOURS[0]}" stroke-width="2.5" points="{line}"/>'
        )
        for p in inside:
            parts.append(
                f'<circle cx="{f.x(p.day):.1f}" cy="{f.y(p.mean):.1f}" r="3" fill="{COLOURS[0]}">'
                f"<title>day {p.day:g}: mean {p.mean:.1f} ({p.lower:.1f} to {p.upper:.1f}), "
                f"n={p.n}</title></circle>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))
