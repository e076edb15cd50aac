"""The outreach report: time from a missed dose to contact (issue 12), next to the program report,
for the director and prescribers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.outreach.report import read_contact_report
from naltrack.web.context import request_actor
from naltrack.web.pages import report_period, requires


@requires(Action.VIEW_REPORTS)
def contact_report(request: HttpRequest) -> HttpResponse:
    raw, errors, start, end = report_period(request)
    report = None
    if not errors:
        try:
            report = read_contact_report(start, end, actor=request_actor(request), at=clock.now())
        except InputError as exc:
            errors[exc.field] = exc.message
    return render(request, "reports/outreach.html", {
        "f": raw, "errors": errors, "report": report, "active": "reports",
    })  # fmt: skip
