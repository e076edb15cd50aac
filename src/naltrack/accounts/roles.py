"""Who may do what: one table, enforced by every service (pages and the API only hide what a role
cannot use; the refusal itself happens here).

Least privilege (issue 3, product brief capability 11): only prescribers sign screenings, orders and
overrides; nurses record administrations and observations; counselling notes are for counselors and
prescribers; coordinators see schedules and contact details, not clinical notes; the director sees
reports and the audit trail, not charts.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    PRESCRIBER = "prescriber", "Prescriber"
    NURSE = "nurse", "Nurse"
    COUNSELOR = "counselor", "Counselor"
    COORDINATOR = "coordinator", "Care coordinator"
    DIRECTOR = "director", "Program director"


class Action(StrEnum):
    VIEW_PATIENT_LIST = "view_patient_list"  # search, names, MRNs, contact details
    REGISTER_PATIENT = "register_patient"
    VIEW_CHART = "view_chart"  # clinical record: doses, observations, screening, plan, alerts
    RECORD_ASSESSMENT = "record_assessment"
    RECORD_MEDICATION_LIST = "record_medication_list"
    RUN_SCREENING = "run_screening"
    SIGN_SCREENING = "sign_screening"
    OVERRIDE_BLOCK = "override_block"
    SIGN_ORDER = "sign_order"
    RECORD_ADMINISTRATION = "record_administration"
    RECORD_IMPLANT = "record_implant"
    RECORD_OBSERVATION = "record_observation"
    RECORD_SIDE_EFFECT = "record_side_effect"
    EDIT_PLAN = "edit_plan"  # goals, psychosocial and relapse plans
    EDIT_PLAN_MEDICATION = "edit_plan_medication"  # formulation, regimen, duration
    DISCONTINUE_TREATMENT = "discontinue_treatment"
    VIEW_COUNSELLING_NOTES = "view_counselling_notes"
    RECORD_COUNSELLING = "record_counselling"
    VIEW_SCHEDULE = "view_schedule"
    MANAGE_APPOINTMENTS = "manage_appointments"
    VIEW_ALERTS = "view_alerts"
    HANDLE_ALERTS = "handle_alerts"  # acknowledge and resolve
    VIEW_AUDIT = "view_audit"
    UNLOCK_SIGNIN = "unlock_signin"  # lift a sign-in lockout of an account or an address
    VIEW_REPORTS = "view_reports"
    VIEW_POLICY = "view_policy"  # the clinic's running policy and its rules document
    # 42 CFR Part 2 (issue 10): consents, disclosures out of the program, their accounting
    VIEW_CONSENTS = "view_consents"
    RECORD_CONSENT = "record_consent"  # record a signed consent, or its written revocation
    DISCLOSE_RECORDS = "disclose_records"  # send records out through the consent filter
    DECLARE_EMERGENCY = "declare_emergency"  # break the glass: disclose under 42 CFR 2.51
    VIEW_DISCLOSURES = "view_disclosures"  # a patient's accounting of disclosures
    REVIEW_DISCLOSURES = "review_disclosures"  # every disclosure and emergency, for the director
    # Staff accounts (issue 10): create, give roles, disable and enable, reset a password, and
    # list or revoke anyone's API tokens. Each staff member manages their own tokens anyway.
    MANAGE_STAFF = "manage_staff"
    # Care teams (issue 10): whose charts a clinician opens; anyone else breaks the glass
    MANAGE_CARE_TEAM = "manage_care_team"  # assign staff to a patient's care team, or take off
    BREAK_GLASS = "break_glass"  # open the chart of a patient outside one's care team, saying why
    # Today and the alert inbox for the whole clinic, not only one's patients (clinical/access.py
    # decide_worklist_scope): for the roles whose job is the whole clinic
    VIEW_CLINIC_WORKLIST = "view_clinic_worklist"
    # The patient portal (issue 11): invite a patient (a one-time link and code; re-inviting ends
    # the earlier invitations and is how a patient who lost access gets back in)
    INVITE_TO_PORTAL = "invite_to_portal"
    # Patient details and duplicates (issue 12): keep names, contact details, reminders and the
    # support person current after registration; merge two charts of one person
    EDIT_PATIENT_DETAILS = "edit_patient_details"
    MERGE_CHARTS = "merge_charts"
    # Outreach (issue 12): log an attempt to reach a patient after a missed dose or in a risk
    # window (call, text, letter, home visit), its outcome and the next step
    RECORD_OUTREACH = "record_outreach"
    # The clinic's calendar (issue 12): opening hours, closed days, holidays, rooms and resources
    MANAGE_CLINIC_CALENDAR = "manage_clinic_calendar"
    # Work lists (issue 12): mark a Today item done (and undo it); give an alert to a staff member
    MARK_WORKLIST_DONE = "mark_worklist_done"
    ASSIGN_ALERTS = "assign_alerts"
    # Intake (issue 15): take an inquiry or referral, take it through the pipeline, turn it into
    # a registered patient; the report of days from first contact to first dose
    MANAGE_INTAKE = "manage_intake"
    VIEW_INTAKE_REPORT = "view_intake_report"
    # Naloxone kits (issue 15): hand a kit to a patient (or record that they have one or declined);
    # receive naloxone stock; the coverage report (share of active patients with naloxone on hand)
    HAND_OUT_NALOXONE = "hand_out_naloxone"
    MANAGE_NALOXONE_STOCK = "manage_naloxone_stock"
    VIEW_NALOXONE_COVERAGE = "view_naloxone_coverage"
    # The medication choice aid (issue 15): the comparison for a patient, and the choice made
    VIEW_CHOICE_AID = "view_choice_aid"
    RECORD_MEDICATION_CHOICE = "record_medication_choice"
    # Injection kits (issue 15): the stock by lot and expiry and where each kit is; receive a lot,
    # take a kit out of the refrigerator or put it back, waste a kit (giving one is the MAR's)
    VIEW_INVENTORY = "view_inventory"
    MANAGE_INVENTORY = "manage_inventory"
    # Insurance and prior authorization (issue 15): coverages, benefits, prior authorizations
    VIEW_INSURANCE = "view_insurance"
    MANAGE_INSURANCE = "manage_insurance"


P, N, C, K, D = Role.PRESCRIBER, Role.NURSE, Role.COUNSELOR, Role.COORDINATOR, Role.DIRECTOR

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_PATIENT_LIST: frozenset({P, N, C, K}),
    Action.REGISTER_PATIENT: frozenset({P, K}),
    Action.VIEW_CHART: frozenset({P, N, C}),
    Action.RECORD_ASSESSMENT: frozenset({P}),
    Action.RECORD_MEDICATION_LIST: frozenset({P, N}),
    Action.RUN_SCREENING: frozenset({P, N}),
    Action.SIGN_SCREENING: frozenset({P}),
    Action.OVERRIDE_BLOCK: frozenset({P}),
    Action.SIGN_ORDER: frozenset({P}),
    Action.RECORD_ADMINISTRATION: frozenset({N}),
    Action.RECORD_IMPLANT: frozenset({P}),  # insertion and removal are procedures
    Action.RECORD_OBSERVATION: frozenset({N, P}),
    Action.RECORD_SIDE_EFFECT: frozenset({N, P}),
    Action.EDIT_PLAN: frozenset({P, C}),
    Action.EDIT_PLAN_MEDICATION: frozenset({P}),
    Action.DISCONTINUE_TREATMENT: frozenset({P}),
    Action.VIEW_COUNSELLING_NOTES: frozenset({C, P}),
    Action.RECORD_COUNSELLING: frozenset({C}),
    Action.VIEW_SCHEDULE: frozenset({P, N, C, K}),
    Action.MANAGE_APPOINTMENTS: frozenset({P, N, C, K}),
    Action.VIEW_ALERTS: frozenset({P, N, C}),
    Action.HANDLE_ALERTS: frozenset({P, N}),
    Action.VIEW_AUDIT: frozenset({D}),
    Action.UNLOCK_SIGNIN: frozenset({D}),
    Action.VIEW_REPORTS: frozenset({D, P}),
    # The director answers for the policy the clinic runs; prescribers apply it and may read it.
    Action.VIEW_POLICY: frozenset({D, P}),
    # Whoever meets the patient takes down a signed consent or revocation; the coordinator handles
    # records requests. Records leave the program with the clinicians who can read them (the
    # coordinator sees no clinical record, so cannot send one); an emergency disclosure (2.51) is
    # the prescriber's or the nurse's, who can judge a medical emergency. The director reviews.
    Action.VIEW_CONSENTS: frozenset({P, N, C, K}),
    Action.RECORD_CONSENT: frozenset({P, N, C, K}),
    Action.DISCLOSE_RECORDS: frozenset({P, N, C}),
    Action.DECLARE_EMERGENCY: frozenset({P, N}),
    Action.VIEW_DISCLOSURES: frozenset({P, N, C, K}),
    Action.REVIEW_DISCLOSURES: frozenset({D}),
    # The director answers for who works in the program and what each may see.
    Action.MANAGE_STAFF: frozenset({D}),
    # The prescriber leads the treatment and the coordinator assigns staff to patients; any
    # clinician who may read charts may break the glass, which the director then reviews.
    Action.MANAGE_CARE_TEAM: frozenset({P, K}),
    Action.BREAK_GLASS: frozenset({P, N, C}),
    # The coordinator keeps every patient's schedule; the prescriber leads treatment and assigns
    # care teams. Nurses and counselors see their patients and those with no care team.
    Action.VIEW_CLINIC_WORKLIST: frozenset({P, K}),
    # The coordinator who registers and schedules, and the nurse who sees the patient at visits.
    Action.INVITE_TO_PORTAL: frozenset({N, K}),
    # Who registers patients keeps their details current (the coordinator at the desk, the
    # prescriber), and the nurse who sees the patient at every visit hears of a new phone first.
    Action.EDIT_PATIENT_DETAILS: frozenset({P, N, K}),
    # Merging two charts moves every record of one person's second chart into the first: the
    # director, who answers for the record as a whole (and reads no chart while doing it).
    Action.MERGE_CHARTS: frozenset({D}),
    # Whoever is told to "contact today": the coordinator's outreach after a missed visit
    # (product brief), and the clinicians who know the patient. Not the director.
    Action.RECORD_OUTREACH: frozenset({P, N, C, K}),
    # The director runs the clinic and the coordinator keeps its schedule; neither sees a patient's
    # name through this (the settings name no patient).
    Action.MANAGE_CLINIC_CALENDAR: frozenset({D, K}),
    # Whoever sees the labs-and-reviews list marks its items done; whoever handles alerts (the
    # prescriber and the nurse triage them) gives one to a colleague who handles alerts.
    Action.MARK_WORKLIST_DONE: frozenset({P, N, C}),
    Action.ASSIGN_ALERTS: frozenset({P, N}),
    # The coordinator takes the calls and referrals (product brief capability 13); the prescriber,
    # who may register patients too, can take one. Converting registers the patient, so only the
    # roles that register (REGISTER_PATIENT) manage intake; nurses and counselors meet the patient
    # after. The report is the director's (the program's numbers) and the coordinator's (their work).
    Action.MANAGE_INTAKE: frozenset({P, K}),
    Action.VIEW_INTAKE_REPORT: frozenset({D, K}),
    # Whoever meets the patient hands out naloxone (the nurse at the injection, the prescriber, the
    # counselor: community naloxone programs train non-clinical staff). The nurse keeps the
    # medication stock. The director sees the coverage figures; the coordinator also its list of
    # patients without naloxone (names, as on Today), to follow up; prescriber and nurse as well.
    Action.HAND_OUT_NALOXONE: frozenset({P, N, C}),
    Action.MANAGE_NALOXONE_STOCK: frozenset({N}),
    Action.VIEW_NALOXONE_COVERAGE: frozenset({D, K, P, N}),
    # The clinicians who talk the options through read the aid (the counselor too: priorities
    # and readiness come up in counselling). Recording the choice is a prescribing decision, and
    # a referral out ends the episode (DISCONTINUE_TREATMENT, the prescriber's): prescribers only.
    Action.VIEW_CHOICE_AID: frozenset({P, N, C}),
    Action.RECORD_MEDICATION_CHOICE: frozenset({P}),
    # Nurses keep the refrigerator and give the injections; the prescriber who orders them and
    # the director who pays for the stock see it. Only nurses move kits (one clear owner).
    Action.VIEW_INVENTORY: frozenset({N, P, D}),
    Action.MANAGE_INVENTORY: frozenset({N}),
    # The coordinator verifies insurance and handles prior authorizations (product brief); the
    # prescriber and the nurse who order and give the injection see whether it is authorized.
    # Not the director (no patient's records) nor the counselor (not their part of care).
    Action.VIEW_INSURANCE: frozenset({P, N, K}),
    Action.MANAGE_INSURANCE: frozenset({K}),
}


# The Today worklist: each section and the action a role needs to see it. worklist/services.py fills
# only the sections the actor's role may see, and the page and the API show exactly what it fills,
# each section with the same columns (worklist/api.py declares them): a coordinator sees schedules
# (injections due and overdue, appointments), not risk messages, alerts, labs or screenings.
TODAY_SECTIONS: dict[str, Action] = {
    "injections_overdue": Action.VIEW_SCHEDULE,
    "injections_due": Action.VIEW_SCHEDULE,
    "appointments_today": Action.VIEW_SCHEDULE,
    "missed_appointments": Action.VIEW_SCHEDULE,
    "high_risk": Action.VIEW_ALERTS,
    "alerts": Action.VIEW_ALERTS,
    "labs_reviews_due": Action.VIEW_ALERTS,
    "side_effect_follow_ups": Action.VIEW_ALERTS,
    "unsigned_screenings": Action.VIEW_ALERTS,
}


def allowed(role: Role | str | None, action: Action) -> bool:
    return role is not None and role in PERMISSIONS[action]
