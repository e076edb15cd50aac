"""Template filters: the words for the treatment's codes (treatment/words.py)."""

from __future__ import annotations

from django import template

from naltrack.treatment import words

register = template.Library()


@register.filter
def formulation_label(code: str) -> str:
    return words.formulation_label(code or "")


@register.filter
def regimen_label(code: str) -> str:
    return words.regimen_label(code or "")


@register.filter
def tier_label(code: str) -> str:
    return words.tier_label(code or "")
