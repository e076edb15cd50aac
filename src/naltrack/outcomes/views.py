"""The director's Outcomes page (issue 14): the last computed measures with their plots, each
plot with its table beneath and a CSV download per measure. The page never computes in the
request; the director may ask for a new run ("Compute now") or run `naltrack outcomes compute`."""

from __future__ import annotations

from datetime import date
from importlib import import_module
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from naltrack import clock
from naltrack.accounts.roles import Action, Role
from naltrack.clinic import active_policy
from naltrack.clinical.checkin import CRAVING_MAX
from naltrack.clinical.errors import InputError
from naltrack.clinical.outcomes import (
    CRAVING_DAYS_AFTER_INJECTION,
    RETENTION_MILESTONES,
    coverage_terms,
)
from naltrack.web.bounds import day_problem
from naltrack.web.context import request_actor
from naltrack.web.pages import REPORT_DAYS, refused, requires

from .plots import BandPoint, band_line, colour, km_plot, share_bars
from .reading import ALL, Measure, OutcomesView, export_measure, read_outcomes
from .survival import KaplanMeier

DEFAULT_GROUPING = "formulation"


def _number(v: Any) -> float | None:
    try:
        return None if v is None or v == "" else float(v)
    except (TypeError, ValueError):
        return None


def _risk_table(curves: dict[str, KaplanMeier]) -> dict[str, Any]:
    """Numbers at risk and retention at day 0 and each milestone, and the median, per curve."""
    days = [0, *RETENTION_MILESTONES]
    rows = []
    for i, (name, km) in enumerate(curves.items()):
        last = km.timeline[-1]
        # past the last follow-up the curve is unknown: a dash, not its last value carried on
        retained = [f"{km.at(d):.0%}" if d <= last else None for d in days]
        rows.append({
            "name": name, "colour": colour(i), "median": km.median,
            "cells": list(zip([km.at_risk_at(d) for d in days], retained, strict=True)),
        })  # fmt: skip
    return {"days": days, "rows": rows}


def _cohort_bars(m: Measure) -> list[tuple[str, float | None, int]]:
    """(cohort, share, denominator) from the stored rows: the first column names the cohort; the
    denominator is the column `denominator` (or `episodes`), the share the column `share` (or
    numerator / denominator)."""
    den = m.column("denominator", "episodes", "eligible", "n")
    share = m.column("share", "rate", "proportion", "percent")
    num = m.column("numerator", "continuous", "retained", "met")
    start, kind = m.column("start"), m.column("cohort")
    rows = m.rows
    if start is not None and kind is not None:  # months and quarters: the plot draws quarters
        rows = [r for r in rows if r[kind] == "quarter"] or rows
    bars = []
    for row in rows:
        n = int(_number(row[den]) or 0) if den is not None else 0
        s = _number(row[share]) if share is not None else None
        if share is None and num is not None and n:  # no share stored: numerator / denominator
            s = (_number(row[num]) or 0) / n
        if s is not None and s > 1:  # a percentage
            s = s / 100
        label = row[start] if start is not None else row[0]
        bars.append((str(label), s if n else None, n))
    return bars


def _craving_points(m: Measure) -> list[BandPoint]:
    day = m.column("day", "days_since_injection", "days")
    mean = m.column("mean", "mean_craving")
    lo = m.column("lower", "ci_lower", "low")
    hi = m.column("upper", "ci_upper", "high")
    n = m.column("n", "observations", "count")
    if day is None or mean is None:
        return []
    points = []
    for row in m.rows:
        d, v = _number(row[day]), _number(row[mean])
        if d is None or v is None:
            continue
        low = _number(row[lo]) if lo is not None else None
        high = _number(row[hi]) if hi is not None else None
        count = int(_number(row[n]) or 0) if n is not None else 0
        points.append(
            BandPoint(d, v, v if low is None else low, v if high is None else high, count)
        )
    return points


def _context(view: OutcomesView, grouping: str) -> dict[str, Any]:
    groupings = view.groupings()
    keys = [k for k, _ in groupings]
    if grouping not in keys:
        grouping = DEFAULT_GROUPING if DEFAULT_GROUPING in keys else (keys[0] if keys else ALL)
    curves = view.curves_of(grouping)
    ctx: dict[str, Any] = {"groupings": groupings, "grouping": grouping, "curves": curves}
    words = dict(groupings).get(grouping, "")
    ctx["km_heading"] = f"Retention by {words.lower()}" if words else "Retention, all patients"
    if curves:
        title = f"{ctx['km_heading']}: share still on medication by days from the first dose"
        ctx["km_svg"] = km_plot("km-plot", title, curves)
        ctx["risk"] = _risk_table(curves)
    measures = dict(view.measures)
    if (m := measures.get("continuity_by_cohort")) is not None:
        ctx["cohort_svg"] = share_bars("cohort-plot", m.title, _cohort_bars(m),
                                       what="The share with continuous treatment")  # fmt: skip
    # the injection interval of the policy the run was computed under (older runs: today's)
    terms = view.run.results.get("terms") or {}
    interval = terms.get("injection_due_day") or coverage_terms(active_policy()).injection_due_day
    if (m := measures.get("craving_by_day")) is not None:
        ctx["craving_svg"] = band_line(
            "craving-plot", m.title, _craving_points(m),
            x_max=CRAVING_DAYS_AFTER_INJECTION, y_max=CRAVING_MAX,
            x_label="Days since the last injection", y_label=f"craving (0-{CRAVING_MAX})",
            marker=(interval, f"next injection due (day {interval})"),
        )  # fmt: skip
    plotted = ("continuity_by_cohort", "craving_by_day")
    ctx["plotted"] = {k: measures[k] for k in plotted if k in measures}
    ctx["tables"] = [m for k, m in measures.items() if k not in plotted]
    return ctx


@requires(Action.VIEW_REPORTS)
def outcomes(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    view = read_outcomes(actor=actor, at=clock.now())
    today = clock.today()
    ctx: dict[str, Any] = {
        "view": view, "active": "outcomes",
        "can_compute": actor.role == Role.DIRECTOR,
        "start": date.fromordinal(today.toordinal() - REPORT_DAYS + 1).isoformat(),
        "end": today.isoformat(),
    }  # fmt: skip
    if view is not None:
        ctx.update(_context(view, request.GET.get("group", "")))
        ctx["start"], ctx["end"] = (
            view.run.period_start.isoformat(),
            view.run.period_end.isoformat(),
        )
    template = (
        "outcomes/_km.html" if request.headers.get("HX-Target") == "km" else "outcomes/page.html"
    )
    return render(request, template, ctx)


@requires(Action.VIEW_REPORTS)
def measure_csv(request: HttpRequest, measure_id: str) -> HttpResponse:
    try:
        name, body = export_measure(measure_id, actor=request_actor(request), at=clock.now())
    except InputError as exc:
        return HttpResponse(f"{exc.field}: {exc.message}\n", status=404, content_type="text/plain")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _posted_day(request: HttpRequest, name: str) -> date:
    raw = str(request.POST.get(name, "")).strip()[:10]
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InputError("must be a date as YYYY-MM-DD", name) from None
    if problem := day_problem(day):
        raise InputError(problem, name)
    return day


@requires(Action.VIEW_REPORTS)
@require_POST
def compute(request: HttpRequest) -> HttpResponse:
    """The director's "Compute now": the measures over the facts as they stand, for the period
    asked (`runs.compute_measures`: an incremental extract first, then every measure, stored
    as the newest run)."""
    actor = request_actor(request)
    if actor.role != Role.DIRECTOR:
        return refused(request, "Only the program director computes the outcome measures.")
    # the computing side (Ibis, DuckDB) is loaded only when asked for, never by the page's reads
    compute_measures = import_module("naltrack.outcomes.runs").compute_measures
    try:
        start, end = _posted_day(request, "start"), _posted_day(request, "end")
        compute_measures(actor=actor, at=clock.now(), start=start, end=end)
    except InputError as exc:
        messages.error(request, f"Not computed: {exc.field.replace('_', ' ')}: {exc.message}.")
    else:
        messages.success(request, f"Outcome measures computed for {start} to {end}.")
    return redirect("outcomes")
