"""/fhir: the FHIR R4 endpoints (naltrack.fhir.views)."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from . import views

app_name = "fhir"
urlpatterns: list[URLPattern] = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_search, name="patient-search"),
    path("Patient/<str:pk>", views.patient_read, name="patient-read"),
    path(".well-known/smart-configuration", views.smart_configuration, name="smart-configuration"),
    path("auth/token", views.token, name="token"),
    re_path(r"^(?P<resource_type>[A-Z][A-Za-z]{1,40})$", views.record_search, name="search"),
    re_path(
        r"^(?P<resource_type>[A-Z][A-Za-z]{1,40})/(?P<pk>[^/]{1,64})$",
        views.record_read,
        name="read",
    ),
    re_path(r"^(?P<rest>.*)$", views.not_served, name="not-served"),
]
