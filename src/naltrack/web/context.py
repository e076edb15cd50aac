"""What every page needs: the acting staff member, the navigation their role may use, today."""

from __future__ import annotations

from django.http import HttpRequest

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor, actor_for
from naltrack.clinic import active_policy


def request_actor(request: HttpRequest) -> Actor:
    cached = getattr(request, "_naltrack_actor", None)
    if cached is None:
        cached = actor_for(request.user, request.META.get("REMOTE_ADDR"))
        request._naltrack_actor = cached  # type: ignore[attr-defined]
    return cached


def page_context(request: HttpRequest) -> dict[str, object]:
    if not request.user.is_authenticated:
        return {"policy_version": active_policy().version}
    actor = request_actor(request)
    return {
        "actor": actor,
        "today": clock.today(),
        "policy_version": active_policy().version,
        "nav": {
            "today": actor.can(Action.VIEW_SCHEDULE),
            "calendar": actor.can(Action.VIEW_SCHEDULE),
            "calendar_settings": actor.can(Action.MANAGE_CLINIC_CALENDAR)
            and not actor.can(Action.VIEW_SCHEDULE),
            "patients": actor.can(Action.VIEW_PATIENT_LIST),
            "alerts": actor.can(Action.VIEW_ALERTS),
            "audit": actor.can(Action.VIEW_AUDIT),
            "reports": actor.can(Action.VIEW_REPORTS),
            "policy": actor.can(Action.VIEW_POLICY),
            "disclosures": actor.can(Action.REVIEW_DISCLOSURES),
            "staff": actor.can(Action.MANAGE_STAFF),
            "merge": actor.can(Action.MERGE_CHARTS),
            "outreach": actor.can(Action.RECORD_OUTREACH),
            "intake": actor.can(Action.MANAGE_INTAKE),
            "intake_report": actor.can(Action.VIEW_INTAKE_REPORT)
            and not actor.can(Action.MANAGE_INTAKE),
            # the naloxone stock page, or for the roles that only see coverage, its report
            "naloxone": "naloxone"
            if actor.can(Action.HAND_OUT_NALOXONE)
            else "naloxone-report"
            if actor.can(Action.VIEW_NALOXONE_COVERAGE)
            else "",
            "inventory": actor.can(Action.VIEW_INVENTORY),
            "insurance": actor.can(Action.MANAGE_INSURANCE),  # the coordinator's worklist
            "insurance_view": actor.can(Action.VIEW_INSURANCE),  # a patient's insurance page
        },
    }
