from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.simple_tag
def patient_link(p: Any, unassigned: bool = False) -> str:
    """The patient's name linked to the chart, and the MRN: what includes/patient_link.html
    renders, as one call (the Today page shows up to a hundred; an include per row cost more
    than its queries). `unassigned`: the worklists mark a patient with nobody on the care team."""
    link = format_html(
        '<a href="{}">{}, {}</a> <span class="small muted">{}</span>',
        reverse("patient-chart", args=(p.mrn,)), p.family_name, p.given_name, p.mrn,
    )  # fmt: skip
    if not unassigned:
        return link
    return format_html(
        '{} <a class="badge sev-high" href="{}" title="Nobody is on this patient\'s care team: '
        'assign one">no care team</a>', link, reverse("care-team", args=(p.mrn,)),
    )  # fmt: skip
