"""My consents (issue 10): the patient's consents and the disclosures made under them, and the
patient's written revocation with a confirm step (portal/consents.py does the work)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from naltrack import clock
from naltrack.accounts.actors import PatientActor
from naltrack.clinical.errors import ConflictError, InputError

from . import consents as consents_module
from .pages import portal_view


@portal_view
def consents(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    view = consents_module.read_consents(actor, at=clock.now())
    return render(request, "portal/consents.html", {"view": view, "active": "consents"})


@portal_view
def revoke(request: HttpRequest, actor: PatientActor, consent_id: int) -> HttpResponse:
    """GET: the confirm step. POST: the patient's written revocation (a ticked statement and an
    optional reason)."""
    now = clock.now()
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            consents_module.revoke_own_consent(
                actor, consent_id, confirmed=request.POST.get("confirm") == "yes",
                reason=request.POST.get("reason", ""), at=now,
            )  # fmt: skip
        except ConflictError:
            messages.info(request, _("This consent was already revoked."))
            return redirect("portal:consents")
        except InputError as exc:
            if exc.field == "consent":
                return render(request, "portal/not_found.html", {}, status=404)
            errors[exc.field] = (
                _("Please tick the box to confirm that you revoke this consent.")
                if exc.field == "confirm"
                else _("This is too long. Please keep it under 500 characters.")
            )
        else:
            messages.success(
                request,
                _("Your consent is revoked. From today, nothing more is shared under it."),
            )
            return redirect("portal:consents")
    row = consents_module.one_consent(actor, consent_id, at=now)
    if row is None:
        return render(request, "portal/not_found.html", {}, status=404)
    if not row.revocable:
        return redirect("portal:consents")
    return render(request, "portal/consent_revoke.html", {
        "row": row, "errors": errors, "reason": request.POST.get("reason", ""),
        "active": "consents",
    }, status=400 if errors else 200)  # fmt: skip
