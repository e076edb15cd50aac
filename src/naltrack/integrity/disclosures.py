"""The integrity check of consents, disclosures and chart access (42 CFR Part 2, issue 10).

What the use cases in disclosure/services.py and patients/careteam.py write whole, checked:

1. Every consent, disclosure, declared emergency, break-the-glass access and care-team row has the
   audit event of its writing (rows the 0003 upgrade put on care teams excepted: they predate the
   trail's record of them), and every audit event of their writing names a row that is there;
   every audit event of a disclosure names a Disclosure row: nothing left the program without
   its accounting.
2. A disclosure names its basis: under consent, a consent of the same patient that was signed by
   the day of the disclosure and whose revocation had not been recorded before it; under the
   medical-emergency exception, an emergency of the same patient still active when it was made.
3. A disclosure kept the labels of the records it sent (R, 42CFRPart2, SUD, NORDSCLCD; PSYTHPN
   with counselling notes) and the 42 CFR 2.32 notice that went with it.
4. A break-the-glass access ends after it opens and within the longest window a clinic may set.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import F, Model, Q
from django.utils.timezone import localdate

from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.clinical.access import BREAK_GLASS_HOURS_RANGE
from naltrack.clinical.consent import NOTICE_SOURCE, RecordKind, labels_for
from naltrack.disclosure.models import Consent, Disclosure, Emergency
from naltrack.patients.models import BreakGlass, CareTeamMember

from .findings import Finding

MIGRATED_BY = "naltrack upgrade (0003)"  # patients/migrations/0003_care_team.py

# model, the object_type its use case audits, the action of its writing, rows exempt
AUDITED: tuple[tuple[type[Model], str, str, Q], ...] = (
    (Consent, "consent", AuditAction.CREATE, Q(pk__in=[])),
    (Disclosure, "disclosure", AuditAction.EXPORT, Q(pk__in=[])),
    (Emergency, "emergency", AuditAction.CREATE, Q(pk__in=[])),
    (BreakGlass, "break_glass", AuditAction.CREATE, Q(pk__in=[])),
    (CareTeamMember, "care_team_member", AuditAction.CREATE, Q(added_by=MIGRATED_BY)),
)


def _ids(rows: Iterable[object]) -> tuple[object, ...]:
    return tuple(sorted(rows, key=lambda v: (len(str(v)), str(v))))


def _table(model: type[Model]) -> str:
    return model._meta.db_table


def _audit() -> tuple[int, list[Finding]]:
    findings: list[Finding] = []
    records = 0
    for model, object_type, action, exempt in AUDITED:
        rows = model._base_manager.exclude(exempt)
        pks = list(rows.order_by("pk").values_list("pk", flat=True))
        records += len(pks)
        written = set(AuditEvent.objects.filter(object_type=object_type, action=action)
                      .values_list("object_id", flat=True))  # fmt: skip
        missing = tuple(pk for pk in pks if str(pk) not in written)
        if missing:
            findings.append(Finding(_table(model), f"record(s) without the audit event of their "
                                    f"writing ({action} {object_type})", missing))  # fmt: skip
        existing = {str(pk) for pk in model._base_manager.values_list("pk", flat=True)}
        named = AuditEvent.objects.filter(object_type=object_type, action__in=(AuditAction.CREATE, AuditAction.UPDATE))  # fmt: skip
        gone = _ids({oid for oid in named.values_list("object_id", flat=True) if oid and oid not in existing})  # fmt: skip
        if gone:
            findings.append(Finding(_table(model), f"audit event(s) name a {object_type} that is not "
                                    "in the database (removed behind the application's back)", gone))  # fmt: skip
    accounted = {str(pk) for pk in Disclosure._base_manager.values_list("pk", flat=True)}
    sent = AuditEvent.objects.filter(object_type="disclosure", action=AuditAction.EXPORT)
    unaccounted = _ids(oid for oid in sent.values_list("object_id", flat=True) if oid not in accounted)  # fmt: skip
    if unaccounted:
        findings.append(Finding(_table(Disclosure), "disclosure(s) in the audit trail without their "
                                "accounting row (disclosure ids)", unaccounted))  # fmt: skip
    return records, findings


def _basis() -> list[Finding]:
    d = Disclosure._base_manager
    wrong_patient = d.filter(
        Q(consent__isnull=False) & ~Q(consent__patient_id=F("patient_id"))
        | Q(notes_consent__isnull=False) & ~Q(notes_consent__patient_id=F("patient_id"))
        | Q(emergency__isnull=False) & ~Q(emergency__patient_id=F("patient_id"))
    )
    no_basis = d.filter(
        Q(basis="consent", consent__isnull=True, notes_consent__isnull=True)
        | Q(basis="medical_emergency", emergency__isnull=True)
        | ~Q(basis__in=("consent", "medical_emergency"))
    )
    late_emergency = d.filter(emergency__isnull=False, disclosed_at__gte=F("emergency__ends_at"))
    not_in_force = []
    for row in d.filter(basis="consent").select_related("consent", "notes_consent").order_by("pk"):
        day = localdate(row.disclosed_at)
        for c in (row.consent, row.notes_consent):
            if c is None:
                continue
            revoked_first = c.revocation_recorded_at is not None and c.revocation_recorded_at <= row.disclosed_at  # fmt: skip
            if c.signed_on > day or revoked_first:
                not_in_force.append(row.pk)
    found = [
        (wrong_patient, "disclosure(s) whose consent or emergency is another patient's"),
        (no_basis, "disclosure(s) that name no consent or emergency for their basis"),
        (late_emergency, "disclosure(s) made under an emergency that had already ended"),
    ]
    findings = [Finding(_table(Disclosure), problem, _ids(q.order_by("pk").values_list("pk", flat=True)))
                for q, problem in found if q.exists()]  # fmt: skip
    if not_in_force:
        findings.append(Finding(_table(Disclosure), "disclosure(s) under a consent not yet signed "
                                "or already revoked when they were made", _ids(set(not_in_force))))  # fmt: skip
    return findings


def _labels() -> list[Finding]:
    unlabelled, no_notice = [], []
    for row in Disclosure._base_manager.order_by("pk"):
        try:
            kinds = {RecordKind(k) for k in row.record_kinds}
        except ValueError:
            kinds = set()
        codes = {lb.get("code") for lb in row.labels if isinstance(lb, dict)}
        if not kinds or not {lb.code for lb in labels_for(kinds)} <= codes:
            unlabelled.append(row.pk)
        if row.notice != NOTICE_SOURCE:
            no_notice.append(row.pk)
    findings = []
    if unlabelled:
        findings.append(Finding(_table(Disclosure), "disclosure(s) without the security labels "
                                "of the records they sent", tuple(unlabelled)))  # fmt: skip
    if no_notice:
        findings.append(Finding(_table(Disclosure), "disclosure(s) without the 42 CFR 2.32 notice",
                                tuple(no_notice)))  # fmt: skip
    return findings


def _break_glass() -> list[Finding]:
    longest = timedelta(hours=BREAK_GLASS_HOURS_RANGE[1])
    wrong = [g.pk for g in BreakGlass._base_manager.order_by("pk")
             if not g.opened_at < g.ends_at <= g.opened_at + longest]  # fmt: skip
    if not wrong:
        return []
    return [Finding(_table(BreakGlass), "break-the-glass access(es) that end before they open or "
                    f"last longer than {longest.total_seconds() / 3600:g} hours", tuple(wrong))]  # fmt: skip


def check_disclosures() -> tuple[int, list[Finding]]:
    """(records checked against the trail, findings) for consents, disclosures and access."""
    records, findings = _audit()
    return records, findings + _basis() + _labels() + _break_glass()
