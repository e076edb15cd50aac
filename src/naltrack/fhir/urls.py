"""/fhir: the FHIR R4 endpoints (naltrack.fhir.views)."""

from __future__ import annotations

from django.urls import URLPattern, path, re_path

from . import views

app_name = "fhir"
urlpatterns: list[URLPattern] = [
    path("", views.transaction_view, name="transaction"),
    path("$import", views.ndjson_import, name="import"),
    path("metadata", views.metadata, name="metadata"),
    path("Patient", views.patient_search, name="patient-search"),
    path("Patient/$export", views.export_patients, name="export-patients"),
    path("Patient/<str:pk>", views.patient_read, name="patient-read"),
    path("$export", views.export_system, name="export"),
    path("Group/<str:group>/$export", views.export_group, name="export-group"),
    path("bulk/<str:job_id>", views.export_status, name="export-status"),
    path("bulk/<str:job_id>/<str:name>", views.export_file, name="export-file"),
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
