"""URL routes: the pages, area by area, and the JSON API under /api/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from naltrack.accounts import views as accounts
from naltrack.alerts import views as alerts
from naltrack.api import api
from naltrack.appointments import calendar_views as calendar
from naltrack.appointments import views as appointments
from naltrack.card import views as card
from naltrack.cdshooks import views as cds
from naltrack.chart import print_views
from naltrack.chart import release_views as release
from naltrack.chart import views as chart
from naltrack.choice import views as choice
from naltrack.counselling import views as counselling
from naltrack.disclosure import views as disclosure
from naltrack.fhir import views as fhir
from naltrack.insurance import views as insurance
from naltrack.intake import views as intake
from naltrack.inventory import views as inventory
from naltrack.merge import views as merge
from naltrack.monitoring import views as monitoring
from naltrack.naloxone import views as naloxone
from naltrack.outcomes import views as outcomes
from naltrack.outreach import views as outreach
from naltrack.patients import views as patients
from naltrack.portal import staff_views as portal_staff
from naltrack.reports import audit_views as audit
from naltrack.reports import outreach_views as outreach_report
from naltrack.reports import views as reports
from naltrack.screening import views as screening
from naltrack.staff import views as staff
from naltrack.treatment import booking_views as booking
from naltrack.treatment import views as treatment
from naltrack.web import health
from naltrack.worklist import insurance_views as insurance_worklist
from naltrack.worklist import outreach_views as today_outreach
from naltrack.worklist import views as worklist

urlpatterns: list[URLPattern | URLResolver] = [
    path("", worklist.home, name="home"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("account/", staff.account_page, name="account"),
    path("staff/", staff.staff_page, name="staff"),
    path("", include("naltrack.signin.urls")),  # account/security/..., staff/lockouts/ (signin:...)
    path("today/", worklist.today, name="today"),
    path("today/done/", worklist.done, name="today-done"),
    path("patients/", chart.search, name="patient-search"),
    path("register/", patients.register, name="register"),
    path("patients/<str:mrn>/", chart.chart, name="patient-chart"),
    path("patients/<str:mrn>/print/mar/", print_views.print_mar, name="print-mar"),
    path("patients/<str:mrn>/print/plan/", print_views.print_plan, name="print-plan"),
    path("patients/<str:mrn>/print/visit/", print_views.print_visit, name="print-visit"),
    path("patients/<str:mrn>/print/summary/", print_views.print_summary, name="print-summary"),
    path("patients/<str:mrn>/details/", patients.edit_details, name="patient-details"),
    path("patients/<str:mrn>/episodes/", patients.new_episode, name="episodes"),
    path("patients/<str:mrn>/assessment/", patients.assessments, name="assessments"),
    path("patients/<str:mrn>/medications/", patients.medications, name="medications"),
    path("patients/<str:mrn>/screen/", screening.screening_form, name="screening-form"),
    path(
        "patients/<str:mrn>/screen/preview/", screening.screening_preview, name="screening-preview"
    ),
    path("patients/<str:mrn>/mar/", treatment.mar_entry, name="mar-entry"),
    path(
        "patients/<str:mrn>/mar/override/", treatment.injection_override, name="injection-override"
    ),
    path("patients/<str:mrn>/observe/", monitoring.observation_entry, name="observation-entry"),
    path("patients/<str:mrn>/plan/", treatment.plan_editor, name="plan-editor"),
    path("patients/<str:mrn>/plan/history/", treatment.plan_history, name="plan-history"),
    path("patients/<str:mrn>/choice/", choice.aid_page, name="choice-aid"),
    path("patients/<str:mrn>/choice/patient/", choice.patient_page, name="choice-patient"),
    path("patients/<str:mrn>/choice/patient.pdf", choice.patient_pdf, name="choice-patient-pdf"),
    path("patients/<str:mrn>/orders/", treatment.orders, name="orders"),
    path("patients/<str:mrn>/implants/", treatment.implants, name="implants"),
    path("patients/<str:mrn>/appointments/", appointments.appointments, name="appointments"),
    path(
        "patients/<str:mrn>/appointments/next-injection/",
        booking.next_injection,
        name="book-next-injection",
    ),
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/settings/", calendar.calendar_settings, name="calendar-settings"),
    path("patients/<str:mrn>/side-effects/", monitoring.side_effects, name="side-effects"),
    path("patients/<str:mrn>/discontinue/", treatment.discontinue_view, name="discontinue"),
    path("patients/<str:mrn>/counselling/", counselling.notes, name="counselling-notes"),
    path("patients/<str:mrn>/consents/", disclosure.consents, name="consents"),
    path("patients/<str:mrn>/insurance/", insurance.insurance_page, name="patient-insurance"),
    path("insurance/worklist/", insurance_worklist.insurance_worklist, name="insurance-worklist"),
    path("patients/<str:mrn>/disclosures/", disclosure.disclosures, name="disclosures"),
    path("patients/<str:mrn>/disclosures.csv", disclosure.disclosures_csv, name="disclosures-csv"),
    path("patients/<str:mrn>/disclosures.pdf", disclosure.disclosures_pdf, name="disclosures-pdf"),
    path("patients/<str:mrn>/break-glass/", disclosure.break_glass_page, name="break-glass"),
    path("patients/<str:mrn>/care-team/", disclosure.care_team_page, name="care-team"),
    path("patients/<str:mrn>/release/", release.release, name="release"),
    path("patients/<str:mrn>/wallet-card/", card.card_page, name="wallet-card"),
    path("patients/<str:mrn>/wallet-card.pdf", card.card_pdf, name="card-pdf"),
    path("patients/<str:mrn>/procedure-letter/", card.letter_page, name="procedure-letter"),
    # the wallet card's QR code: no sign-in, only what the card states, until it expires
    path("card/check/<str:token>/", card.check_page, name="card-check"),
    path("patients/<str:mrn>/portal/", portal_staff.invite, name="portal-invite"),
    path("merge/", merge.merge_page, name="merge-charts"),
    path("patients/<str:mrn>/outreach/", outreach.patient_log, name="outreach-log"),
    path("intake/", intake.intake_board, name="intake-board"),
    path("intake/new/", intake.new_inquiry, name="intake-new"),
    path("intake/report/", intake.intake_report, name="intake-report"),
    path("intake/<int:pk>/", intake.inquiry_detail, name="intake-detail"),
    path("patients/<str:mrn>/naloxone/", naloxone.patient_page, name="patient-naloxone"),
    path("naloxone/", naloxone.stock_page, name="naloxone"),
    path("reports/naloxone/", naloxone.coverage_report, name="naloxone-report"),
    path("today/outreach/<str:mrn>/form/", today_outreach.attempt_form, name="today-outreach-form"),
    path("today/outreach/<str:mrn>/", today_outreach.attempt_row, name="today-outreach-row"),
    path("disclosures/", disclosure.review_page, name="disclosure-review"),
    path("screenings/<int:pk>/", screening.screening_detail, name="screening-detail"),
    path("screenings/<int:pk>/sign/", screening.screening_sign, name="screening-sign"),
    path("alerts/", alerts.inbox, name="alert-inbox"),
    path("alerts/<int:alert_id>/", alerts.handle, name="alert-handle"),
    path("audit/", audit.viewer, name="audit-viewer"),
    path("audit/export.csv", audit.export_csv, name="audit-export"),
    path("reports/", reports.program, name="report"),
    path("reports/program.csv", reports.program_csv, name="report-csv"),
    path("reports/outreach/", outreach_report.contact_report, name="outreach-report"),
    path("outcomes/", outcomes.outcomes, name="outcomes"),
    path("outcomes/compute/", outcomes.compute, name="outcomes-compute"),
    path("outcomes/<slug:measure_id>.csv", outcomes.measure_csv, name="outcomes-csv"),
    path("inventory/", inventory.stock_page, name="inventory"),
    path("inventory/kits/<int:pk>/", inventory.kit_page, name="inventory-kit"),
    path("policy/", reports.clinic_policy, name="clinic-policy"),
    path("api/", api.urls),
    path("fhir", fhir.transaction_view, name="fhir-base"),  # FHIR's [base]: POST a transaction
    path("fhir/", include("naltrack.fhir.urls")),
    # CDS Hooks 2.0 (issue 13): the specification's paths, without a trailing slash
    path("cds-services", cds.discovery, name="cds-discovery"),
    path("cds-services/<str:service_id>", cds.service, name="cds-service"),
    path("cds-services/<str:service_id>/feedback", cds.feedback, name="cds-feedback"),
    path("portal/", include("naltrack.portal.urls")),  # the patient portal (portal:...)
    # reminders' public links: the SMS provider's webhook (STOP), unsubscribe, the calendar feed
    path("r/", include("naltrack.reminders.urls")),
    # probes for the proxy and the orchestrator: no sign-in, no patient data (web/health.py)
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
