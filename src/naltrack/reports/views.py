"""The program report for the director (and prescribers), with its CSV export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.web.context import request_actor
from naltrack.web.pages import report_period, requires

from .policy import read_clinic_policy
from .services import export_report, read_report


@requires(Action.VIEW_REPORTS)
def program(request: HttpRequest) -> HttpResponse:
    raw, errors, start, end = report_period(request)
    report = None
    if not errors:
        try:
            report = read_report(start, end, actor=request_actor(request), at=clock.now())
        except InputError as exc:
            errors[exc.field] = exc.message
    return render(request, "reports/program.html", {
        "f": raw, "errors": errors, "report": report, "active": "reports",
    })  # fmt: skip


@requires(Action.VIEW_REPORTS)
def program_csv(request: HttpRequest) -> HttpResponse:
    _, errors, start, end = report_period(request)
    if errors:
        field, message = next(iter(errors.items()))
        return HttpResponse(f"{field}: {message}\n", status=400, content_type="text/plain")
    try:
        body = export_report(start, end, actor=request_actor(request), at=clock.now())
    except InputError as exc:
        return HttpResponse(f"{exc.field}: {exc.message}\n", status=400, content_type="text/plain")
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="naltrack-program-{start}-{end}.csv"'
    return response


@requires(Action.VIEW_POLICY)
def clinic_policy(request: HttpRequest) -> HttpResponse:
    """The clinic's running policy and its rules document (audited as a read of configuration)."""
    view = read_clinic_policy(actor=request_actor(request), at=clock.now())
    return render(request, "reports/policy.html", {
        # Safe: the Markdown renderer escapes text and passes no raw HTML through (js-default).
        "p": view, "rules_html": mark_safe(view.rules_html()),
        "active": "policy",
    })  # fmt: skip
