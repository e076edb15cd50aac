"""Alert use cases: re-evaluate one patient's alerts and care status with the core (called by every
write that can change them), refresh every patient (the nightly `naltrack alerts refresh`), and
acknowledge or resolve an alert."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.alerts import evaluate_alerts
from naltrack.clinical.coverage import RiskKind, coverage, risk_windows
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.policy import Policy
from naltrack.clinical.regimens import injection_timing
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.patients.models import Episode, EpisodeStatus, Patient

from .models import SEVERITY_RANK, Alert, AlertSeverityChoice, AlertStatus, CareStatus
from .snapshot import Record, read_record

SYSTEM = "naltrack"  # who resolves an alert whose condition has cleared
COVERAGE_DAYS = 90
REVIEW_EVERY_DAYS = 90  # prescriber plan review (naltrack default; product brief: plan reviews)


def refresh_patient(patient: Patient, *, at: datetime, policy: Policy | None = None) -> list[Alert]:
    """Evaluate this patient's alerts and care status on `at`'s day; returns the unresolved alerts.

    Alerts are deduplicated: one unresolved alert per code. A code that is still raised keeps its
    alert (an acknowledged one stays acknowledged, with the current message); a code no longer
    raised is resolved by naltrack with a note.
    """
    policy = active_policy() if policy is None else policy
    on = local_day(at)
    rec = read_record(patient, on, policy)
    wanted = {a.code.value: a for a in evaluate_alerts(rec.snapshot, policy)}
    with transaction.atomic():
        current = {a.code: a for a in Alert.objects.select_for_update().filter(
            patient=patient).exclude(status=AlertStatus.RESOLVED)}  # fmt: skip
        for code, alert in current.items():
            if code not in wanted:
                alert.status = AlertStatus.RESOLVED
                alert.resolved_by = SYSTEM
                alert.resolved_at = at
                alert.note = (
                    alert.note + "\n" if alert.note else ""
                ) + "Condition cleared on re-evaluation."
                alert.save()
        for code, found in wanted.items():
            existing = current.get(code)
            rank = SEVERITY_RANK[found.severity.value]
            if existing is None:
                Alert.objects.create(
                    patient=patient, code=code, severity=found.severity.value, severity_rank=rank,
                    message=found.message, action=found.action, source=found.source,
                    raised_at=at, policy_version=policy.version,
                )  # fmt: skip
            elif (existing.message, existing.severity, existing.policy_version) != (
                found.message, found.severity.value, policy.version,
            ):  # fmt: skip
                existing.message, existing.action = found.message, found.action
                existing.severity, existing.severity_rank = found.severity.value, rank
                existing.policy_version = policy.version
                existing.save(update_fields=["message", "action", "severity", "severity_rank",
                                             "policy_version"])  # fmt: skip
        open_alerts = list(
            Alert.objects.filter(patient=patient).exclude(status=AlertStatus.RESOLVED)
        )
        _store_care_status(patient, rec, on, open_alerts, policy)
    return open_alerts


def _store_care_status(
    patient: Patient, rec: Record, on: date, open_alerts: list[Alert], policy: Policy
) -> None:
    episode: Episode | None = rec.episode
    plan = rec.plan
    doses = rec.doses
    given = [d for d in doses if d.date <= on]
    last = given[-1] if given else None
    values: dict[str, object] = {
        "computed_on": on,
        "active": episode is not None and episode.status == EpisodeStatus.ACTIVE,
        "indications": "+".join(sorted(i.value for i in episode.indications)) if episode else "",
        # The plan's formulation; before a plan is written, the formulation last given.
        "formulation": plan.formulation if plan else (last.formulation.value if last else ""),
        "last_dose_on": last.date if last else None,
        "next_due_on": None,
        "earliest_on": None,
        "overdue_from": None,
        "coverage_ends_on": None,
        "days_covered_90": None,
        "pdc_90": None,
        "adherent_90": None,
        "risk_window": "",
        "risk_message": "",
        "open_alerts": len(open_alerts),
        "worst_severity_rank": min((a.severity_rank for a in open_alerts), default=None),
        "liver_test_due_on": None,
        "review_due_on": None,
        "policy_version": policy.version,
    }
    if given:
        start = max(given[0].date, on - timedelta(days=COVERAGE_DAYS - 1))
        report = coverage(given, start, on, policy)
        values["days_covered_90"] = report.days_covered
        values["pdc_90"] = round(report.pdc, 3)
        values["adherent_90"] = report.adherent
        values["coverage_ends_on"] = report.coverage_ends
        windows = risk_windows(
            given, on, policy, next_injection_booked=rec.snapshot.next_injection_booked,
            treatment_stopped=not values["active"],
        )  # fmt: skip
        # An oral gap that starts today is not a risk yet: today's dose may still be taken
        # (the same reading as the MISSED_ORAL_DOSES alert).
        windows = [w for w in windows if not (w.kind is RiskKind.ORAL_GAP and w.start >= on)]
        if windows:
            values["risk_window"] = windows[0].kind.value
            values["risk_message"] = windows[0].message
    if values["active"] and last is not None:
        if last.formulation is Formulation.XR_INJECTION:
            timing = injection_timing(last.date, on, policy)
            values["next_due_on"] = timing.due_date
            values["earliest_on"] = timing.earliest_date
            values["overdue_from"] = timing.overdue_from
        else:
            values["next_due_on"] = values["coverage_ends_on"]
        liver_from = rec.last_liver_test or given[0].date
        values["liver_test_due_on"] = liver_from + timedelta(days=policy.lft_baseline_max_age_days)
    if values["active"] and plan is not None:
        values["review_due_on"] = local_day(plan.created_at) + timedelta(days=REVIEW_EVERY_DAYS)
    CareStatus.objects.update_or_create(patient=patient, defaults=values)


def patients_to_refresh(on: date, policy: Policy | None = None) -> list[int]:
    """Active patients; those whose episode ended recently enough for the post-treatment window
    (it starts when the last dose's coverage ends, at most an implant's coverage after the
    discharge); and anyone with an unresolved alert, so that an alert whose condition has passed
    is resolved instead of staying open forever."""
    policy = active_policy() if policy is None else policy
    recent = on - timedelta(days=policy.post_treatment_risk_days + policy.implant_coverage_days)
    episodes = Episode.objects.filter(
        Q(status=EpisodeStatus.ACTIVE) | Q(discharge_date__gte=recent)
    )
    ids = set(episodes.values_list("patient_id", flat=True))
    ids.update(
        Alert.objects.exclude(status=AlertStatus.RESOLVED).values_list("patient_id", flat=True)
    )
    return sorted(ids)


def refresh_all(*, at: datetime, policy: Policy | None = None) -> int:
    """Refresh every patient who can have an alert; each patient in its own transaction, so one
    bad record does not undo the others. Returns the number of patients refreshed."""
    policy = active_policy() if policy is None else policy
    count = 0
    for patient in Patient.objects.filter(
        pk__in=patients_to_refresh(local_day(at), policy)
    ).iterator():
        refresh_patient(patient, at=at, policy=policy)
        count += 1
    return count


def list_alerts(
    *, actor: Actor, status: str = "unresolved", severity: str = "", mrn: str = ""
) -> QuerySet[Alert]:
    """Alerts, most severe first, then newest (the inbox and the API). `status` "unresolved" is
    open and acknowledged together."""
    actor.require(Action.VIEW_ALERTS)
    rows = Alert.objects.select_related("patient").order_by("severity_rank", "-raised_at", "id")
    if status == "unresolved":
        rows = rows.exclude(status=AlertStatus.RESOLVED)
    elif status in AlertStatus.values:
        rows = rows.filter(status=status)
    else:
        raise InputError(f"must be unresolved or one of {', '.join(AlertStatus.values)}", "status")
    if severity:
        if severity not in AlertSeverityChoice.values:
            raise InputError(f"must be one of {', '.join(AlertSeverityChoice.values)}", "severity")
        rows = rows.filter(severity=severity)
    if mrn:
        rows = rows.filter(patient__mrn=mrn)
    return rows


def _handle(alert_id: int, actor: Actor, at: datetime, note: str, resolve: bool) -> Alert:
    actor.require(Action.HANDLE_ALERTS)
    if resolve and not note.strip():
        raise InputError("say what was done before resolving an alert", "note")
    with transaction.atomic():
        alert = (
            Alert.objects.select_for_update().select_related("patient").filter(pk=alert_id).first()
        )
        if alert is None:
            raise NotFoundError("no alert has this id", "alert")
        if alert.status == AlertStatus.RESOLVED:
            raise ConflictError("this alert is already resolved", "alert")
        if resolve:
            alert.status, alert.resolved_by, alert.resolved_at = (
                AlertStatus.RESOLVED,
                actor.username,
                at,
            )
        else:
            alert.status = AlertStatus.ACKNOWLEDGED
            alert.acknowledged_by, alert.acknowledged_at = actor.username, at
        if note.strip():
            alert.note = (
                alert.note + "\n" if alert.note else ""
            ) + f"{actor.username}: {note.strip()}"
        alert.save()
        record_by(
            actor,
            at,
            AuditAction.UPDATE,
            "alert",
            alert.pk,
            patient_mrn=alert.patient.mrn,
            detail=f"{('resolved' if resolve else 'acknowledged')} {alert.code}",
        )
    return alert


def acknowledge(alert_id: int, *, actor: Actor, at: datetime, note: str = "") -> Alert:
    return _handle(alert_id, actor, at, note, resolve=False)


def resolve(alert_id: int, *, actor: Actor, at: datetime, note: str) -> Alert:
    """A person resolves an alert. If its condition persists, the next refresh raises it again."""
    return _handle(alert_id, actor, at, note, resolve=True)
