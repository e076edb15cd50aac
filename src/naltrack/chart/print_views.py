"""The printable views of a patient's record (MAR, plan, one day's visit, chart summary): plain
pages the browser prints with the stylesheet's print rules (no navigation, buttons or forms; the
patient's name, MRN and the day printed on every page). Each one is an audited read."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.web.context import request_actor
from naltrack.web.pages import requires

from .forms import VisitDayForm
from .printing import mar_printout, plan_printout, summary_printout, visit_printout


def _page(
    request: HttpRequest, template: str, out: object, title: str, **more: object
) -> HttpResponse:
    return render(request, template, {"out": out, "doc_title": title, "active": "patients", **more})


@requires(Action.VIEW_CHART)
def print_mar(request: HttpRequest, mrn: str) -> HttpResponse:
    out = mar_printout(mrn, actor=request_actor(request), at=clock.now())
    return _page(request, "chart/print_mar.html", out, "Medication administration record")


@requires(Action.VIEW_CHART)
def print_plan(request: HttpRequest, mrn: str) -> HttpResponse:
    out = plan_printout(mrn, actor=request_actor(request), at=clock.now())
    return _page(request, "chart/print_plan.html", out, "Treatment plan")


@requires(Action.VIEW_CHART)
def print_summary(request: HttpRequest, mrn: str) -> HttpResponse:
    now = clock.now()
    out = summary_printout(mrn, actor=request_actor(request), at=now, today=clock.today())
    return _page(request, "chart/print_summary.html", out, "Chart summary")


@requires(Action.VIEW_CHART)
def print_visit(request: HttpRequest, mrn: str) -> HttpResponse:
    """One day's visit (`?day=YYYY-MM-DD`, today when absent). A day that is not one is refused
    beside the day's field, before the record is opened (nothing read, nothing audited)."""
    today = clock.today()
    form = VisitDayForm(request.GET if "day" in request.GET else {"day": today}, today=today)
    if not form.is_valid():
        return render(request, "chart/print_visit.html", {"out": None, "form": form, "mrn": mrn,
                      "doc_title": "Visit summary", "active": "patients"}, status=400)  # fmt: skip
    day = form.cleaned_data["day"]
    out = visit_printout(mrn, day, actor=request_actor(request), at=clock.now())
    return _page(request, "chart/print_visit.html", out, f"Visit summary, {day:%a %Y-%m-%d}",
                 form=form)  # fmt: skip
