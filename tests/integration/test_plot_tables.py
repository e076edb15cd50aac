"""Every plot has a table of its values under it (issue 12), built from the same points: the
numbers in the table are the numbers the plot draws. Plot text is sized for a phone, and the
coverage strip's "today" label no longer sits on the end date."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from naltrack.accounts.roles import Role
from naltrack.monitoring.services import record_observation
from naltrack.web import plots
from tests.integration.conftest import NURSE, TODAY, at, login, started_on_injection

FIRST, LAST = date(2026, 6, 1), date(2026, 11, 21)
CSS = Path(plots.__file__).parent / "static" / "naltrack" / "app.css"


class _Parsed(HTMLParser):
    """The titles of the plot's marks (circles, rects), the table's rows and the text labels."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.marks: list[str] = []
        self.rows: list[list[str]] = []
        self.texts: list[tuple[dict[str, str | None], str]] = []
        self._attrs: dict[str, str | None] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        if tag == "tr" and "tbody" in self.stack:
            self.rows.append([])
        if tag == "text":
            self._attrs = dict(attrs)

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.stack[-2:] in (["circle", "title"], ["rect", "title"]):
            self.marks.append(data)
        elif self.stack and self.stack[-1] == "td" and "tbody" in self.stack:
            self.rows[-1].append(data)
        elif self.stack and self.stack[-1] == "text":
            self.texts.append((self._attrs, data))


def _parse(markup: str) -> _Parsed:
    parsed = _Parsed()
    parsed.feed(markup)
    return parsed


def test_a_line_plots_table_holds_the_values_it_draws_and_only_those() -> None:
    points = [(date(2026, 5, 1), 9.0), (date(2026, 7, 3), 4.0), (date(2026, 9, 9), 12.5),
              (LAST, 0.0)]  # fmt: skip
    parsed = _parse(plots.line_plot("PHQ-9", points, first=FIRST, last=LAST, top=27,
                                    ticks=(0, 10), threshold=10))  # fmt: skip
    drawn = [m.split(": ") for m in parsed.marks]
    assert drawn == [["2026-07-03", "4"], ["2026-09-09", "12.5"], ["2026-11-21", "0"]]
    assert [r[:2] for r in parsed.rows] == drawn  # the point of 2026-05-01 is before the plot
    assert [r[2] for r in parsed.rows] == ["no", "yes", "no"]  # at or above the dashed line


def test_an_empty_plot_says_so_in_its_table_too() -> None:
    markup = plots.line_plot("Craving", [], first=FIRST, last=LAST, top=10, ticks=(0, 10))
    assert '<details class="plot-data">' in markup
    assert _parse(markup).rows == [["No values in this period"]]


def test_the_urine_plots_table_names_each_screen() -> None:
    results = [(date(2026, 8, 1), True), (date(2026, 8, 15), False)]
    parsed = _parse(plots.urine_plot("Urine", results, first=FIRST, last=LAST))
    assert parsed.rows == [["2026-08-01", "positive"], ["2026-08-15", "negative"]]
    assert [m.split(": ") for m in parsed.marks] == parsed.rows


def test_the_coverage_table_lists_each_covered_run_as_drawn() -> None:
    observed = [(date(2026, 9, 1), date(2026, 10, 1))]
    reported = [(date(2026, 5, 20), date(2026, 6, 11)), (date(2026, 9, 1), date(2026, 10, 5))]
    parsed = _parse(plots.coverage_strip("Cover", observed, first=FIRST, last=LAST, today=LAST,
                                         reported=reported))  # fmt: skip
    # the first run is clipped at the plot's first day
    assert parsed.rows == [
        ["2026-06-01", "2026-06-10", "10", "covered with self-reported doses"],
        ["2026-09-01", "2026-09-30", "30", "covered"],
        ["2026-09-01", "2026-10-04", "34", "covered with self-reported doses"],
    ]
    marks = sorted(m for m in parsed.marks)
    assert marks == sorted(f"{r[3]} {r[0]} to {r[1]}" for r in parsed.rows)


@pytest.mark.parametrize("today", [LAST, FIRST, FIRST + timedelta(days=90)])
def test_the_today_label_is_above_the_bar_and_the_dates_below_it(today: date) -> None:
    parsed = _parse(plots.coverage_strip("Cover", [], first=FIRST, last=LAST, today=today))
    labels = {text: attrs for attrs, text in parsed.texts}
    today_y = float(labels["today"]["y"] or 0)
    end_y = float(labels[LAST.isoformat()]["y"] or 0)
    assert today_y < plots.BAR_TOP < plots.BAR_TOP + plots.BAR_H < end_y - plots.PHONE_FONT + 4
    anchor = {LAST: "end", FIRST: "start"}.get(today, "middle")  # never past the strip's ends
    assert labels["today"]["text-anchor"] == anchor


def test_plot_text_is_at_least_12_px_on_a_390_px_phone() -> None:
    css = CSS.read_text()
    phone = css[css.index("@media (max-width: 700px) {\n") :]
    assert f"svg.plot text {{ font-size:{plots.PHONE_FONT}px; }}" in phone
    # On a 390 px phone the plot is drawn at most 390 - 2 x (page and card padding) wide:
    # 390 - 2 * 9.6 - 2 * 12.8 - 2 (borders) = 343 px; the smallest it gets is the card's inside.
    drawn_width = 390 - 2 * 9.6 - 2 * 12.8 - 2
    assert plots.PHONE_FONT * drawn_width / plots.W >= 12.5
    # and the labels fit the margins at that size: "neg" and "27" left of the axis
    assert plots.PAD_L >= 3 * 0.6 * plots.PHONE_FONT
    assert plots.PAD_B >= plots.PHONE_FONT + 6


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_today")
def test_the_charts_plots_each_carry_their_table_with_the_same_numbers() -> None:
    p = started_on_injection("MRN-0710", TODAY - timedelta(days=20))
    for back, total in ((30, "6"), (10, "4")):
        day = TODAY - timedelta(days=back)
        record_observation(p, kind="craving", observed_on=day, data={"value": int(total)},
                           actor=NURSE, at=at(day))  # fmt: skip
    page = login(Role.NURSE, "nina.nurse").get(f"/patients/{p.mrn}/").content.decode()
    # coverage, craving, PHQ-9, urine and the two check-in plots
    assert page.count('<details class="plot-data">') == 6
    craving = page[page.index('id="h-crav"') : page.index('id="h-phq"')]
    parsed = _parse(craving)
    assert [m.split(": ") for m in parsed.marks] == [r[:2] for r in parsed.rows]
    assert [r[1] for r in parsed.rows] == ["6", "4"]
    assert re.search(r"<th scope=\"col\">Day</th>", craving)
