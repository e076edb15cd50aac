"""Template filters: a screening's facts in words (screening/words.py)."""

from __future__ import annotations

from typing import Any

from django import template

from naltrack.screening import words

register = template.Library()


@register.filter
def fact_rows(facts: dict[str, Any] | None) -> list[tuple[str, str]]:
    return words.fact_rows(facts)


@register.filter
def formulation_label(code: str) -> str:
    return words.formulation_label(code or "")
