"""My plan: the current treatment plan in the patient's words, the relapse-prevention plan (which
the patient edits where the care team allows it) and the relapse-management plan."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from naltrack import clock
from naltrack.accounts.actors import PatientActor
from naltrack.clinical.errors import ConflictError, InputError
from naltrack.treatment.plans import PATIENT_EDITABLE_FIELDS, RelapsePreventionInput

from . import plan as plan_module
from .pages import portal_view


@portal_view
def plan(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    errors: dict[str, str] = {}
    posted: dict[str, str] | None = None
    if request.method == "POST":
        posted = {
            name: request.POST[name] for name in PATIENT_EDITABLE_FIELDS if name in request.POST
        }
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            version = -1
        try:
            saved = plan_module.edit_relapse_plan(
                actor, RelapsePreventionInput(**posted), based_on_version=version, at=clock.now()
            )
        except ConflictError:
            errors["plan"] = _(
                "Your care team changed your plan while you were editing. "
                "Please read it again and make your changes again."
            )
        except InputError as exc:
            if exc.field == "plan":
                errors["plan"] = _("Your care team has not opened this plan for your changes.")
            else:
                errors[exc.field] = _("This is too long. Please keep it under 2000 characters.")
        else:
            if saved is None:
                messages.info(request, _("Nothing was changed."))
            else:
                messages.success(
                    request, _("Your plan is saved. Your counselor will see your changes.")
                )
            return redirect("portal:plan")
    view = plan_module.read_plan(actor, at=clock.now())
    return render(request, "portal/plan.html", {
        "view": view, "p": view.plan, "errors": errors, "posted": posted, "active": "plan",
    }, status=400 if errors else 200)  # fmt: skip
