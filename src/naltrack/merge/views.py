"""The director's page to merge two charts of one person: review what would move, then merge."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.web.context import request_actor
from naltrack.web.pages import attach, requires

from .forms import MergeForm
from .services import MergePreview, merge_charts, preview_merge


@requires(Action.MERGE_CHARTS)
def merge_page(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = MergeForm(request.POST or None)
    preview: MergePreview | None = None
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            preview = preview_merge(d["survivor"], d["duplicate"], actor=actor, at=clock.now())
            # Merged only as reviewed: MRNs changed after the review are shown for review again.
            reviewed = (
                request.POST.get("reviewed") == f"{preview.survivor.mrn}>{preview.duplicate.mrn}"
            )
            if request.POST.get("do") == "merge" and reviewed and not preview.problems:
                if not d["confirm"]:
                    raise InputError("tick to confirm that both charts are one person", "confirm")
                moved = merge_charts(d["survivor"], d["duplicate"], reason=d["reason"],
                                     actor=actor, at=clock.now())  # fmt: skip
                messages.success(request, f"Merged {d['duplicate']} into {d['survivor']}: "
                                          f"{sum(moved.values())} records moved. {d['duplicate']} now opens {d['survivor']}.")  # fmt: skip
                return redirect("merge-charts")
        except InputError as exc:
            attach(form, exc)
    return render(
        request, "merge/merge.html", {"form": form, "preview": preview, "active": "merge"}
    )
