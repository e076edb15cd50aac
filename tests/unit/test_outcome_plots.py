"""The Outcomes page's SVG plots (outcomes/plots.py): accessible (title and desc), every value
escaped, a curve drawn only as far as its follow-up goes."""

from __future__ import annotations

import re

from naltrack.outcomes.plots import BandPoint, band_line, km_plot, share_bars
from naltrack.outcomes.survival import kaplan_meier


def test_a_km_plot_names_itself_and_escapes_group_names() -> None:
    curves = {
        "<b>tablets</b>": kaplan_meier([10, 40, 90], [1, 0, 1]),
        "implant": kaplan_meier([200], [0]),
    }
    svg = str(km_plot("km", "Retention & more", curves))
    assert '<title id="km-title">Retention &amp; more</title>' in svg
    assert 'aria-labelledby="km-title km-desc"' in svg and '<desc id="km-desc">' in svg
    assert "<b>" not in svg and "&lt;b&gt;tablets&lt;/b&gt;" in svg
    assert svg.count("<polyline") == 2 and svg.count("<polygon") == 2  # a curve and a band each
    assert "median retention 90 days" in svg and "median retention not reached" in svg


def test_a_curve_stops_at_its_last_follow_up() -> None:
    svg = str(km_plot("km", "t", {"a": kaplan_meier([30, 60], [1, 0])}))
    points = re.search(r'<polyline [^>]*points="([^"]+)"', svg)
    assert points is not None
    xs = [float(p.split(",")[0]) for p in points.group(1).split()]
    axis_end = 800 - 16  # the x axis runs to day 90, the first milestone past day 60
    assert max(xs) < axis_end - 100


def test_share_bars_show_the_denominator_and_a_cohort_without_a_share() -> None:
    svg = str(
        share_bars("c", "Continuity", [("2025-Q1", 0.43, 21), ("2026-Q2", None, 19)], what="x")
    )
    assert "43% of 21" in svg and "n=19, not yet" in svg
    assert svg.count("<rect") == 1


def test_band_line_marks_the_due_day_and_says_when_empty() -> None:
    svg = str(band_line("cr", "Craving", [BandPoint(0, 2, 1.5, 2.5, 40), BandPoint(28, 3, 2, 4, 30)],
                        x_max=35, y_max=10, x_label="Days", y_label="craving",
                        marker=(28, "due (day 28)")))  # fmt: skip
    assert "due (day 28)" in svg and "stroke-dasharray" in svg
    assert "No values to show" in str(
        band_line("e", "Craving", [], x_max=35, y_max=10, x_label="Days", y_label="craving")
    )
