"""Treatment: versioned plans, orders, the medication administration record (MAR), implants and
discontinuation (appointments have their own area, naltrack.appointments)."""

from __future__ import annotations

from django.db import models

from naltrack.accounts.actors import PATIENT_PREFIX

# Appointments moved to their own area (issue 9, part 7; the table is still
# `treatment_appointment`); re-exported here for now so that existing imports keep working.
from naltrack.appointments.models import Appointment as Appointment
from naltrack.appointments.models import AppointmentKind as AppointmentKind
from naltrack.appointments.models import AppointmentStatus as AppointmentStatus
from naltrack.clinical.mar import Needle as CoreNeedle
from naltrack.clinical.vocab import StopReason
from naltrack.patients.models import Episode, Patient

# The formulations as choices live with screening, the lowest area that offers them (treatment
# sits above screening); re-exported here for the treatment forms and services.
from naltrack.screening.models import FormulationChoice as FormulationChoice

PSYCHOSOCIAL_COMPONENTS = (
    ("individual_therapy", "Individual therapy"),
    ("group_therapy", "Group therapy"),
    ("intensive_outpatient", "Intensive outpatient program"),
    ("cbt", "Cognitive behavioural therapy"),
    ("motivational_interviewing", "Motivational interviewing"),
    ("mutual_help", "Mutual-help groups (AA, NA, SMART)"),
    ("family_involvement", "Family involvement"),
)


class TreatmentPlan(models.Model):
    """One version of an episode's plan. A change writes a new version with its reason; the
    previous versions stay as they were (the history)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="plans")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="plans")
    version = models.PositiveIntegerField()
    formulation = models.CharField(max_length=20, choices=FormulationChoice.choices)
    regimen = models.CharField(max_length=40, help_text="a regimen code from regimens.toml")
    goals = models.TextField(blank=True)
    psychosocial = models.JSONField(default=list)
    triggers = models.TextField(blank=True)
    warning_signs = models.TextField(blank=True)
    coping_strategies = models.TextField(blank=True)
    support_contacts = models.TextField(blank=True)
    relapse_management = models.TextField(blank=True, help_text="what happens after a lapse")
    planned_duration_days = models.PositiveIntegerField(default=180)
    discontinuation_plan = models.TextField(blank=True)
    # Set by the counselor (or prescriber): the patient may edit the relapse-prevention plan
    # (triggers, warning signs, coping steps, people to call) and the relapse-management plan in
    # the portal; each patient edit is a new version written by "patient:<login>"
    # (treatment/plans.py patient_edits_relapse_plan).
    patient_may_edit = models.BooleanField(default=False)
    reason = models.CharField(max_length=500)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()

    @classmethod
    def of_episode(cls, episode: Episode | None) -> TreatmentPlan | None:
        """The episode's latest version (the episode may have ended); None without one."""
        return None if episode is None else cls.objects.filter(episode=episode).first()

    @classmethod
    def current(cls, patient: Patient) -> TreatmentPlan | None:
        """The latest version of the plan of the patient's active episode; None without one (a
        plan from an episode that ended is not current)."""
        return cls.objects.filter(patient=patient, episode__status="active").first()

    @property
    def by_patient(self) -> bool:
        """This version was written by the patient in the portal."""
        return self.created_by.startswith(PATIENT_PREFIX)

    @property
    def psychosocial_labels(self) -> list[str]:
        labels = dict(PSYCHOSOCIAL_COMPONENTS)
        return [labels.get(code, code) for code in self.psychosocial]

    class Meta:
        ordering = ("-version",)
        constraints = [
            models.UniqueConstraint(fields=("episode", "version"), name="plan_version_unique")
        ]


class OrderStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    STOPPED = "stopped", "Stopped"


class Order(models.Model):
    """A naltrexone order, signed by a prescriber."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="orders")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="orders")
    formulation = models.CharField(max_length=20, choices=FormulationChoice.choices)
    regimen = models.CharField(max_length=40)
    dose_mg = models.PositiveIntegerField()
    instructions = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.ACTIVE
    )
    signed_by = models.CharField(max_length=150)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ("-signed_at", "-id")


class AdministrationStatus(models.TextChoices):
    GIVEN = "given", "Given"
    HELD = "held", "Held"
    REFUSED = "refused", "Refused"


class Site(models.TextChoices):
    LEFT_GLUTEAL = "left", "Left gluteal"
    RIGHT_GLUTEAL = "right", "Right gluteal"
    ORAL = "oral", "Oral"


class Needle(models.TextChoices):
    # The two administration needles in the carton (VIVITROL label 2.1; Part A A4); the carton's
    # 1-inch needle prepares the suspension and is never an administration needle.
    INCH_1_5 = CoreNeedle.INCH_1_5.value, "1.5 inch (lean to average habitus)"
    INCH_2 = CoreNeedle.INCH_2.value, "2 inch (more gluteal tissue; BMI 30 and over)"


class UrineScreenResult(models.TextChoices):
    NONE = "", "Not done"
    NEGATIVE = "negative", "Negative"
    POSITIVE = "positive", "Positive"


class Administration(models.Model):
    """One line of the MAR: a dose given, held or refused."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="administrations")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="administrations")
    given_at = models.DateTimeField()
    given_on = models.DateField(db_index=True)
    formulation = models.CharField(max_length=20, choices=FormulationChoice.choices)
    product = models.CharField(max_length=100)
    dose_mg = models.PositiveIntegerField(null=True, blank=True)
    route = models.CharField(max_length=20)
    site = models.CharField(max_length=10, choices=Site.choices)
    needle = models.CharField(max_length=10, choices=Needle.choices, blank=True)
    lot = models.CharField(max_length=40, blank=True)
    expiry = models.DateField(null=True, blank=True)
    observed = models.BooleanField(default=True, help_text="false: self-reported")
    status = models.CharField(max_length=10, choices=AdministrationStatus.choices)
    reason = models.CharField(max_length=500, blank=True, help_text="why held, refused or late")
    first_dose = models.BooleanField(default=False)
    late_tier = models.CharField(max_length=30, blank=True)
    warnings = models.JSONField(default=list, help_text="what the nurse was shown and accepted")
    # The facts of the visit that decided the late tier (Part A A5).
    opioid_use_reported = models.BooleanField(default=False)
    urine_screen = models.CharField(
        max_length=10, choices=UrineScreenResult.choices, blank=True, default="",
        help_text="the urine drug screen of the day (or the day before) when the dose was recorded",
    )  # fmt: skip
    # A refusal lifted by a prescriber's written override (InjectionOverride): what and why.
    overridden = models.JSONField(default=list, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    override_by = models.CharField(max_length=150, blank=True)
    policy_version = models.CharField(
        max_length=100, blank=True, help_text="the clinic policy that decided this dose"
    )
    reversal_agent_discussed = models.BooleanField(default=False)
    reversal_agent_on_hand = models.BooleanField(default=False)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("-given_at", "-id")
        indexes = [models.Index(fields=("patient", "status", "given_on"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="given") | ~models.Q(reason=""),
                name="held_or_refused_has_reason",
            )
        ]


class InjectionOverride(models.Model):
    """A prescriber's written override for one day's injection: it lifts the refusals the reference
    leaves to clinical judgement (the core's `OVERRIDABLE`: before the earliest re-dose day, a
    positive screen in the late tiers). The MAR finds it and records it on the administration."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="injection_overrides"
    )
    episode = models.ForeignKey(
        Episode, on_delete=models.PROTECT, related_name="injection_overrides"
    )
    on = models.DateField()
    codes = models.JSONField(default=list, help_text="the refusal codes it lifts")
    reason = models.CharField(max_length=500)
    authorized_by = models.CharField(max_length=150)
    authorized_at = models.DateTimeField()

    class Meta:
        ordering = ("-authorized_at", "-id")
        indexes = [models.Index(fields=("patient", "on"))]


class Implant(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="implants")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="implants")
    inserted_on = models.DateField()
    product = models.CharField(max_length=100)
    dose_mg = models.PositiveIntegerField()
    covered_days = models.PositiveIntegerField()
    lot = models.CharField(max_length=40)
    site = models.CharField(max_length=100)
    inserted_by = models.CharField(max_length=150)
    removed_on = models.DateField(null=True, blank=True)
    removal_reason = models.CharField(max_length=500, blank=True)
    removed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("-inserted_on", "-id")


class StopReasonChoice(models.TextChoices):
    DEATH = StopReason.DEATH.value, "Death"
    TRANSFER = StopReason.TRANSFER.value, "Transfer to another program"
    HOSPITALISATION = StopReason.HOSPITALISATION.value, "Hospitalisation"
    INCARCERATION = StopReason.INCARCERATION.value, "Incarceration"
    PATIENT_CHOICE = StopReason.PATIENT_CHOICE.value, "Patient's choice"
    LOST_TO_FOLLOW_UP = StopReason.LOST_TO_FOLLOW_UP.value, "Lost to follow-up"
    COMPLETED = StopReason.COMPLETED.value, "Planned end (completed)"
    OTHER = StopReason.OTHER.value, "Other"


class Discontinuation(models.Model):
    """When and why an episode's treatment stopped, coded so that the core decides with it
    (coverage and PDC leave out the days after; a death opens no overdose-risk follow-up)."""

    episode = models.OneToOneField(Episode, on_delete=models.PROTECT, related_name="stop")
    stopped_on = models.DateField()
    reason = models.CharField(max_length=30, choices=StopReasonChoice.choices)
    note = models.CharField(max_length=500)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()
