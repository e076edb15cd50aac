"""Alert use cases: re-evaluate one patient's alerts and care status with the core (after every
write that can change them commits: `refresh_after_commit`), refresh every patient (the nightly
`naltrack alerts refresh`, in chunks: batched reads, only changed rows written), and acknowledge
or resolve an alert."""

from __future__ import annotations

import logging
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from naltrack import clock
from naltrack.accounts.models import StaffProfile
from naltrack.accounts.roles import Action, Role, allowed
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.access import OutsideCareTeam, WorklistScope
from naltrack.clinical.alerts import AlertCode, evaluate_alerts, follow_up_horizon, liver_test_due
from naltrack.clinical.coverage import RiskKind, coverage, risk_windows, status_period_start
from naltrack.clinical.due import plan_review_due
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.policy import Policy
from naltrack.clinical.regimens import injection_timing
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.patients.access import (
    mark_unassigned,
    unassigned_patients,
    worklist_filter,
    worklist_view,
)
from naltrack.patients.models import Episode, EpisodeStatus, Patient
from naltrack.patients.services import lock_owner, lock_patient, open_chart_of

from .models import SEVERITY_RANK, Alert, AlertSeverityChoice, AlertStatus, CareStatus
from .snapshot import Record, read_records

SYSTEM = "naltrack"  # who resolves an alert whose condition has cleared
log = logging.getLogger("naltrack.alerts")


def refresh_patient(patient: Patient, *, at: datetime, policy: Policy | None = None) -> list[Alert]:
    """Evaluate this patient's alerts and care status on `at`'s day, now; returns the unresolved
    alerts. A use case that has just written calls `refresh_after_commit` instead.

    Alerts are deduplicated: one unresolved alert per code. A code that is still raised keeps its
    alert (an acknowledged one stays acknowledged, with the current message); a code no longer
    raised is resolved by naltrack with a note.
    """
    policy = policy or active_policy()
    with transaction.atomic():
        lock_patient(patient)  # two refreshes of one patient never both create its alerts
        _refresh_locked([patient.pk], at, policy)
        return list(Alert.objects.filter(patient=patient).exclude(status=AlertStatus.RESOLVED))


def refresh_after_commit(patient: Patient, *, at: datetime, policy: Policy | None = None) -> None:
    """Refresh the patient's alerts and care status once the caller's writes are committed.

    Inside a transaction (a use case calls this, or patients.hooks.record_changed, inside its
    `atomic()` block) the refresh is queued with `transaction.on_commit`: it reads the committed
    record, takes no time inside the writing transaction (on SQLite that holds every other
    writer), and a write that rolls back refreshes nothing. With no transaction open the write is
    already committed: it runs now. Either way the caller sees the alerts once the use case
    returns.

    A test case (Django's TestCase, pytest-django's `django_db`) wraps each test in a transaction
    that never commits, so on_commit would never fire there: inside it the refresh runs at once,
    in the use case's transaction, which the test's connection sees as committed (the same rule
    Django applies to durable blocks). Tests of the deferral itself use committed transactions.

    A failed refresh is logged (the patient's id, never their details) and does not undo the
    write; the nightly `naltrack alerts refresh` repairs it."""
    patient_id = patient.pk

    def run() -> None:
        try:
            refresh_patient(patient, at=at, policy=policy)
        except Exception as exc:
            log.error("alerts refresh after a write failed for patient id %s: %s", patient_id,
                      _where(exc))  # fmt: skip

    blocks = transaction.get_connection().atomic_blocks
    if blocks and not any(getattr(block, "_from_testcase", False) for block in blocks):
        transaction.on_commit(run)
    else:
        run()


def _where(exc: BaseException) -> str:
    """The exception's type and where it was raised, without its message (which may quote the
    record): enough to find the bug, nothing about the patient."""
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    place = f" at {Path(last.filename).name}:{last.lineno}" if last else ""
    return f"{type(exc).__name__}{place}"


@dataclass
class _Changes:
    """What one chunk's refresh writes: only rows that differ from what is stored."""

    create: list[Alert] = field(default_factory=list)
    update: list[Alert] = field(default_factory=list)
    care_create: list[CareStatus] = field(default_factory=list)
    care_update: list[CareStatus] = field(default_factory=list)
    care_touch: list[int] = field(default_factory=list)  # unchanged but computed on an older day
    failed: list[int] = field(default_factory=list)


ALERT_FIELDS = ("status", "resolved_by", "resolved_at", "note", "message", "action", "severity",
                "severity_rank", "policy_version")  # fmt: skip


def _refresh_locked(patient_ids: list[int], at: datetime, policy: Policy) -> _Changes:
    """Read, evaluate and store the alerts and care status of these patients, inside the caller's
    transaction, with their rows locked. A patient whose evaluation fails is skipped and listed
    in `failed`; the others are written."""
    on = local_day(at)
    records = read_records(patient_ids, on, policy)
    current: dict[int, dict[str, Alert]] = defaultdict(dict)
    for alert in Alert.objects.filter(patient_id__in=patient_ids).exclude(
        status=AlertStatus.RESOLVED
    ):
        current[alert.patient_id][alert.code] = alert
    stored = {c.patient_id: c for c in CareStatus.objects.filter(patient_id__in=patient_ids)}
    changes = _Changes()
    for pk in patient_ids:
        try:
            _evaluate(pk, records[pk], current[pk], stored.get(pk), at, on, policy, changes)
        except Exception as exc:  # one bad record must not stop the others (logged, counted)
            log.error("alerts refresh failed for patient id %s: %s", pk, _where(exc))
            changes.failed.append(pk)
    # Resolutions are saved before creations (one unresolved alert per code). Changed alerts are
    # updated in groups that receive the same values (a few statements for a chunk): Django's
    # bulk_update builds a CASE per row and field, which took minutes for a clinic.
    same: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for alert in changes.update:
        same[tuple(getattr(alert, name) for name in ALERT_FIELDS)].append(alert.pk)
    for values, pks in same.items():
        Alert.objects.filter(pk__in=pks).update(**dict(zip(ALERT_FIELDS, values, strict=True)))
    Alert.objects.bulk_create(changes.create, batch_size=500)
    # A changed care status is replaced (deleted and inserted in this transaction): one row per
    # patient that nothing refers to, and two statements instead of a CASE per row and field.
    replaced = [care.patient_id for care in changes.care_update]
    CareStatus.objects.filter(patient_id__in=replaced).delete()
    for care in changes.care_update:
        care.pk = None
    CareStatus.objects.bulk_create(changes.care_create + changes.care_update, batch_size=500)
    if changes.care_touch:
        CareStatus.objects.filter(patient_id__in=changes.care_touch).update(computed_on=on)
    return changes


def _evaluate(pk: int, rec: Record, current: dict[str, Alert], stored: CareStatus | None,
              at: datetime, on: date, policy: Policy, changes: _Changes) -> None:  # fmt: skip
    """One patient: the core's alerts and care figures, compared with what is stored. Appends to
    `changes` only when everything was computed (a failure leaves nothing half-listed)."""
    wanted = {a.code.value: a for a in evaluate_alerts(rec.snapshot, policy)}
    update: list[Alert] = []
    create: list[Alert] = []
    open_ranks: list[int] = []
    for code, alert in current.items():
        if code not in wanted:
            alert.status = AlertStatus.RESOLVED
            alert.resolved_by = SYSTEM
            alert.resolved_at = at
            alert.note = (
                alert.note + "\n" if alert.note else ""
            ) + "Condition cleared on re-evaluation."
            update.append(alert)
    for code, found in wanted.items():
        existing = current.get(code)
        rank = SEVERITY_RANK[found.severity.value]
        open_ranks.append(rank)
        if existing is None:
            create.append(Alert(
                patient_id=pk, code=code, severity=found.severity.value, severity_rank=rank,
                message=found.message, action=found.action, source=found.source, raised_at=at,
                policy_version=policy.version,
            ))  # fmt: skip
        elif (existing.message, existing.severity, existing.policy_version) != (
            found.message, found.severity.value, policy.version,
        ):  # fmt: skip
            existing.message, existing.action = found.message, found.action
            existing.severity, existing.severity_rank = found.severity.value, rank
            existing.policy_version = policy.version
            update.append(existing)
    values = _care_values(rec, on, len(open_ranks), min(open_ranks, default=None), policy)
    if stored is None:
        changes.care_create.append(CareStatus(patient_id=pk, **values))
    elif any(getattr(stored, k) != v for k, v in values.items() if k != "computed_on"):
        for name, value in values.items():
            setattr(stored, name, value)
        changes.care_update.append(stored)
    elif stored.computed_on != on:
        changes.care_touch.append(pk)
    changes.update.extend(update)
    changes.create.extend(create)


def _care_values(
    rec: Record, on: date, open_alerts: int, worst_rank: int | None, policy: Policy
) -> dict[str, Any]:
    episode: Episode | None = rec.episode
    plan = rec.plan
    doses = rec.doses
    given = [d for d in doses if d.date <= on]
    last = given[-1] if given else None
    values: dict[str, Any] = {
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
        "open_alerts": open_alerts,
        "worst_severity_rank": worst_rank,
        "liver_test_due_on": None,
        "review_due_on": None,
        "policy_version": policy.version,
    }
    if given:
        start = status_period_start(given[0].date, on)
        # The days after a coded stop are not in the period (death, transfer, admission, ...).
        report = coverage(given, start, on, policy, stopped_on=rec.stopped_on,
                          stop_reason=rec.snapshot.stop_reason)  # fmt: skip
        values["days_covered_90"] = report.days_covered
        values["pdc_90"] = round(report.pdc, 3)
        values["adherent_90"] = report.adherent
        values["coverage_ends_on"] = report.coverage_ends
        windows = risk_windows(
            given, on, policy, next_injection_booked=rec.snapshot.next_injection_booked,
            treatment_stopped=not values["active"], stop_reason=rec.snapshot.stop_reason,
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
        values["liver_test_due_on"] = liver_test_due(liver_from, policy)
    if values["active"] and plan is not None:
        values["review_due_on"] = plan_review_due(local_day(plan.created_at), policy)
    return values


def patients_to_refresh(on: date, policy: Policy | None = None) -> list[int]:
    """Active patients; those whose episode ended recently enough for the post-treatment window
    (it starts when the last dose's coverage ends, at most an implant's coverage after the
    discharge); and anyone with an unresolved alert, so that an alert whose condition has passed
    is resolved instead of staying open forever."""
    policy = active_policy() if policy is None else policy
    recent = follow_up_horizon(on, policy)
    episodes = Episode.objects.filter(
        Q(status=EpisodeStatus.ACTIVE) | Q(discharge_date__gte=recent)
    )
    ids = set(episodes.values_list("patient_id", flat=True))
    ids.update(
        Alert.objects.exclude(status=AlertStatus.RESOLVED).values_list("patient_id", flat=True)
    )
    return sorted(ids)


# Patients refreshed per transaction by the nightly job: big enough that the reads are a few
# queries per chunk, small enough that a chunk holds the write lock (SQLite) or its patients' rows
# (PostgreSQL) for well under a second, so the clinic's writers barely wait.
CHUNK = 250


@dataclass(frozen=True, slots=True)
class RefreshOutcome:
    refreshed: int
    failed: int


def refresh_all(
    *, at: datetime, policy: Policy | None = None, chunk: int = CHUNK
) -> RefreshOutcome:
    """Refresh every patient who can have an alert (the nightly `naltrack alerts refresh`).

    Chunks of patients, each in its own transaction with their rows locked: read in a few queries,
    evaluated by the core patient by patient, and only what changed is written. A patient whose
    evaluation fails is logged and counted, and the rest are written; a chunk whose write fails is
    redone patient by patient, so one bad record costs only itself."""
    policy = policy or active_policy()
    ids = patients_to_refresh(local_day(at), policy)
    refreshed = failed = 0
    for lo in range(0, len(ids), chunk):
        part = ids[lo : lo + chunk]
        try:
            with transaction.atomic():
                locked = list(
                    Patient.objects.select_for_update().filter(pk__in=part).order_by("pk")
                    .values_list("pk", flat=True)
                )  # fmt: skip
                changes = _refresh_locked(locked, at, policy)
        except Exception as exc:  # a database error, or one record that cannot be read
            log.warning("alerts refresh: a chunk of %s patients failed (%s); one by one instead",
                        len(part), _where(exc))  # fmt: skip
            for pk in part:
                try:
                    with transaction.atomic():
                        lock_patient(Patient(pk=pk))
                        one = _refresh_locked([pk], at, policy)
                except Exception as err:
                    log.error("alerts refresh failed for patient id %s: %s", pk, _where(err))
                    failed += 1
                else:
                    failed += len(one.failed)
                    refreshed += 1 - len(one.failed)
            continue
        failed += len(changes.failed)
        refreshed += len(locked) - len(changes.failed)
    return RefreshOutcome(refreshed, failed)


ASSIGNEE_ANY, ASSIGNEE_ME, ASSIGNEE_NONE = "", "me", "none"
BULK_LIMIT = 100  # alerts in one bulk action: a page and more, not a whole clinic by accident


def alert_kind_label(code: str) -> str:
    """An alert code in words for the inbox's filter (INJECTION_OVERDUE: "Injection overdue")."""
    return code.replace("CHECKIN_", "Check-in: ").replace("_", " ").capitalize()


def list_alerts(*, actor: Actor, status: str = "unresolved", severity: str = "", mrn: str = "",
                scope: WorklistScope | None = None, at: datetime | None = None, kind: str = "",
                assignee: str = ASSIGNEE_ANY, patient: str = "") -> QuerySet[Alert]:  # fmt: skip
    """Alerts, most severe first, then newest (the inbox and the API). `status` "unresolved" is
    open and acknowledged together. Whose: as on Today, the scope the core decides for the actor
    (`scope` asked, None the role's default; clinical/access.py decide_worklist_scope): a
    clinician's own patients and every patient with no care team, or the whole clinic; and every
    alert given to the actor (a colleague assigned it: the assignee must see it).

    Filters (issue 12): `kind` an alert code; `assignee` "me", "none" (nobody assigned) or a
    user name; `patient` an MRN or the start of a family name; `mrn` an exact MRN."""
    actor.require(Action.VIEW_ALERTS)
    view = worklist_view(actor, scope)
    unassigned = unassigned_patients()  # one query, for the scope and the mark
    whose = worklist_filter(view, actor, at or clock.now(), unassigned=unassigned)
    if view.scope is not WorklistScope.CLINIC:
        whose |= Q(assigned_to=actor.username)
    rows = mark_unassigned(
        Alert.objects.select_related("patient").filter(whose)
        .order_by("severity_rank", "-raised_at", "id"),
        unassigned,
    )  # fmt: skip
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
    if kind:
        if kind not in AlertCode.__members__:
            raise InputError("must be an alert code such as INJECTION_OVERDUE", "kind")
        rows = rows.filter(code=kind)
    if assignee == ASSIGNEE_ME:
        rows = rows.filter(assigned_to=actor.username)
    elif assignee == ASSIGNEE_NONE:
        rows = rows.filter(assigned_to="")
    elif assignee:
        rows = rows.filter(assigned_to=assignee)
    if mrn:
        rows = rows.filter(patient__mrn=mrn)
    if patient.strip():
        text = patient.strip()
        rows = rows.filter(Q(patient__mrn__iexact=text) | Q(patient__family_name__istartswith=text))
    return rows


def alert_assignees() -> list[tuple[str, str]]:
    """Who may be given an alert: active staff whose role handles alerts, as (user name, name)."""
    roles = [role for role in Role if allowed(role, Action.HANDLE_ALERTS)]
    rows = (
        StaffProfile.objects.filter(user__is_active=True, role__in=roles)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    out = []
    for staff in rows:
        username = staff.user.get_username()
        out.append(
            (
                username,
                f"{staff.user.get_full_name() or username} ({username}, {staff.get_role_display().lower()})",
            )
        )
    return out


def _apply(alert: Alert, actor: Actor, at: datetime, note: str, resolve: bool) -> None:
    """Acknowledge or resolve a locked, unresolved alert, with its audit event (inside the
    caller's transaction)."""
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
        alert.note = (alert.note + "\n" if alert.note else "") + f"{actor.username}: {note.strip()}"
    alert.save()
    record_by(actor, at, AuditAction.UPDATE, "alert", alert.pk, patient_mrn=alert.patient.mrn,
              detail=f"{('resolved' if resolve else 'acknowledged')} {alert.code}")  # fmt: skip


def _locked(alert_id: int) -> Alert | None:
    # The patient first, as every refresh does: a refresh cannot write over this change.
    lock_owner(Alert, alert_id)
    return Alert.objects.select_for_update().select_related("patient").filter(pk=alert_id).first()


def _handle(alert_id: int, actor: Actor, at: datetime, note: str, resolve: bool) -> Alert:
    actor.require(Action.HANDLE_ALERTS)
    if resolve and not note.strip():
        raise InputError("say what was done before resolving an alert", "note")
    open_chart_of(
        Alert, alert_id, actor=actor, at=at, missing="no alert has this id", field="alert"
    )
    with transaction.atomic():
        alert = _locked(alert_id)
        if alert is None:
            raise NotFoundError("no alert has this id", "alert")
        if alert.status == AlertStatus.RESOLVED:
            raise ConflictError("this alert is already resolved", "alert")
        _apply(alert, actor, at, note, resolve)
    return alert


def acknowledge(alert_id: int, *, actor: Actor, at: datetime, note: str = "") -> Alert:
    return _handle(alert_id, actor, at, note, resolve=False)


def resolve(alert_id: int, *, actor: Actor, at: datetime, note: str) -> Alert:
    """A person resolves an alert. If its condition persists, the next refresh raises it again."""
    return _handle(alert_id, actor, at, note, resolve=True)


# ---- several alerts at once (issue 12) ---------------------------------------------------------


@dataclass
class BulkOutcome:
    """What a bulk action changed, and each alert it refused with why (the others are done)."""

    changed: list[Alert] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def _ids(alert_ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(alert_ids))
    if not ids:
        raise InputError("select at least one alert", "alerts")
    if len(ids) > BULK_LIMIT:
        raise InputError(f"select at most {BULK_LIMIT} alerts at once", "alerts")
    return ids


def _gate(ids: list[int], actor: Actor, at: datetime, out: BulkOutcome) -> list[int]:
    """The alerts whose charts the actor may change (the care-team door, each refusal audited);
    the others go to `out.refused` with the reason."""
    allowed_ids = []
    for alert_id in ids:
        try:
            open_chart_of(Alert, alert_id, actor=actor, at=at, missing="no alert has this id",
                          field="alert")  # fmt: skip
        except OutsideCareTeam as exc:
            out.refused.append((alert_id, f"{exc.mrn} is not on your care team: open the chart and "
                                          "break the glass to act on this alert"))  # fmt: skip
        except NotFoundError:
            out.refused.append((alert_id, "no alert has this id"))
        else:
            allowed_ids.append(alert_id)
    return allowed_ids


def handle_alerts(alert_ids: list[int], *, do: str, actor: Actor, at: datetime,
                  note: str = "") -> BulkOutcome:  # fmt: skip
    """Acknowledge (`do` "acknowledge") or resolve ("resolve": the note is required, one note for
    them all) several alerts in one transaction. The role is checked once (refused: nothing
    changes); an alert outside the actor's care team, already resolved (or, to acknowledge,
    already acknowledged) is refused on its own with the reason, and the others are changed."""
    actor.require(Action.HANDLE_ALERTS)
    if do not in ("acknowledge", "resolve"):
        raise InputError("must be acknowledge or resolve", "do")
    if do == "resolve" and not note.strip():
        raise InputError("say what was done before resolving alerts", "note")
    out = BulkOutcome()
    allowed_ids = _gate(_ids(alert_ids), actor, at, out)
    with transaction.atomic():
        for alert_id in allowed_ids:
            alert = _locked(alert_id)
            if alert is None:
                out.refused.append((alert_id, "no alert has this id"))
            elif alert.status == AlertStatus.RESOLVED:
                out.refused.append((alert_id, f"already resolved by {alert.resolved_by}"))
            elif do == "acknowledge" and alert.status == AlertStatus.ACKNOWLEDGED:
                out.refused.append((alert_id, f"already acknowledged by {alert.acknowledged_by}"))
            else:
                _apply(alert, actor, at, note, resolve=do == "resolve")
                out.changed.append(alert)
    return out


def assign_alerts(
    alert_ids: list[int], *, assignee: str, actor: Actor, at: datetime
) -> BulkOutcome:
    """Give alerts to a staff member who handles alerts (`assignee` a user name; blank takes the
    assignment away), in one transaction, each change audited. The alerts are then in the
    assignee's inbox under "assigned to me", whoever's patients they are. A resolved alert, or
    one outside the actor's care team, is refused on its own."""
    actor.require(Action.ASSIGN_ALERTS)
    assignee = assignee.strip()
    if assignee and assignee not in dict(alert_assignees()):
        # NotFoundError (404 in the API): the name names nobody who may be given an alert
        raise NotFoundError(
            f"{assignee} is not an active staff member who handles alerts", "assignee"
        )
    out = BulkOutcome()
    allowed_ids = _gate(_ids(alert_ids), actor, at, out)
    with transaction.atomic():
        for alert_id in allowed_ids:
            alert = _locked(alert_id)
            if alert is None:
                out.refused.append((alert_id, "no alert has this id"))
            elif alert.status == AlertStatus.RESOLVED:
                out.refused.append((alert_id, f"already resolved by {alert.resolved_by}"))
            else:
                before = alert.assigned_to or "nobody"
                alert.assigned_to, alert.assigned_by, alert.assigned_at = (
                    assignee,
                    actor.username,
                    at,
                )
                alert.save(update_fields=("assigned_to", "assigned_by", "assigned_at"))
                record_by(actor, at, AuditAction.UPDATE, "alert", alert.pk, patient_mrn=alert.patient.mrn,
                          detail=f"assigned {alert.code} to {assignee or 'nobody'} (was {before})")  # fmt: skip
                out.changed.append(alert)
    return out
