"""/fhir: the FHIR R4 endpoints (naltrack.fhir.views)."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from . import views

app_name = "fhir"
urlpatterns: list[URLPattern] = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_search, name="patient-search"),
    path("Patient/<str:pk>", views.patient_read, name="patient-read"),
    re_path(r"^(?P<rest>.*)$", views.not_served, name="not-served"),
]
