"""Form widgets every area uses, written once."""

from __future__ import annotations

from django import forms

DATE = forms.DateInput(attrs={"type": "date"})
