"""Patients and their episodes of care (synthetic patients only, anywhere)."""

from __future__ import annotations

from django.db import models

from naltrack.clinical.vocab import Indication, SexAtBirth


class SexAtBirthChoice(models.TextChoices):
    FEMALE = SexAtBirth.FEMALE.value, "Female"
    MALE = SexAtBirth.MALE.value, "Male"
    OTHER = SexAtBirth.OTHER.value, "Other"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    NONE = "none", "No reminders"


class Patient(models.Model):
    mrn = models.CharField("MRN", max_length=32, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    sex_at_birth = models.CharField(max_length=10, choices=SexAtBirthChoice.choices)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    preferred_reminder_channel = models.CharField(
        max_length=10, choices=ReminderChannel.choices, default=ReminderChannel.NONE
    )
    support_person_name = models.CharField(max_length=200, blank=True)
    support_person_phone = models.CharField(max_length=32, blank=True)
    # The postal address as the patient gives it (a letter, a home visit), free text.
    address = models.TextField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    # Optimistic concurrency for the details page (services.update_details): each saved change of
    # details adds one; a save made from an older version is refused, never silently overwritten.
    version = models.PositiveIntegerField(default=1)
    # A chart merged into another chart of the same person (naltrack.merge): every record moved to
    # `merged_into`; this row stays, so that its MRN still finds the surviving chart.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_charts"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    merged_by = models.CharField(max_length=150, blank=True)
    merge_reason = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ("family_name", "given_name", "mrn")
        indexes = [models.Index(fields=("family_name", "given_name"))]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")),
                name="patient_not_merged_into_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"


class MrnCounter(models.Model):
    """The last number naltrack gave out under an MRN prefix (services.allocate_mrn): the row is
    locked while the next number is taken, so that two registrations at once never get the same
    MRN (PostgreSQL: SELECT ... FOR UPDATE; SQLite: one writer at a time)."""

    prefix = models.CharField(max_length=16, primary_key=True)
    last_number = models.PositiveBigIntegerField(default=0)


class EpisodeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DISCHARGED = "discharged", "Discharged"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", "Lost to follow-up"


class Episode(models.Model):
    """One episode of care in the program, from intake to discharge."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    treats_oud = models.BooleanField(default=False)
    treats_aud = models.BooleanField(default=False)
    start_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=EpisodeStatus.choices, default=EpisodeStatus.ACTIVE
    )
    discharge_date = models.DateField(null=True, blank=True)
    discharge_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-start_date", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(treats_oud=True) | models.Q(treats_aud=True),
                name="episode_has_an_indication",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", discharge_date__isnull=True)
                | (~models.Q(status="active") & models.Q(discharge_date__isnull=False)),
                name="episode_discharge_date_matches_status",
            ),
            models.UniqueConstraint(
                fields=("patient",),
                condition=models.Q(status="active"),
                name="one_active_episode_per_patient",
            ),
        ]

    @property
    def indications(self) -> frozenset[Indication]:
        return frozenset(
            ind
            for ind, on in ((Indication.OUD, self.treats_oud), (Indication.AUD, self.treats_aud))
            if on
        )


class OpioidKindChoice(models.TextChoices):
    SHORT_ACTING = "short_acting", "Short-acting opioid (heroin, oxycodone, …)"
    FENTANYL = "fentanyl", "Fentanyl"
    METHADONE = "methadone", "Methadone"
    BUPRENORPHINE = "buprenorphine", "Buprenorphine (sublingual)"
    BUPRENORPHINE_DEPOT = "buprenorphine_depot", "Buprenorphine depot (injection or implant)"
    UNKNOWN = "unknown", "Unknown kind"


DSM5_CRITERIA = (
    ("larger_or_longer", "Taken in larger amounts or for longer than intended"),
    ("cut_down", "Wants to cut down or has tried and failed"),
    ("time_spent", "Much time spent obtaining, using or recovering"),
    ("craving", "Craving"),
    ("role_failure", "Fails to fulfil obligations at work, school or home"),
    ("social_problems", "Continues despite social or interpersonal problems"),
    ("activities_given_up", "Important activities given up"),
    ("hazardous_use", "Use in physically hazardous situations"),
    ("physical_psychological_problems", "Continues despite physical or psychological problems"),
    ("tolerance", "Tolerance"),
    ("withdrawal", "Withdrawal"),
)


class Assessment(models.Model):
    """The prescriber's assessment: DSM-5 criteria item by item, substance use, goals, conditions."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField()
    substance = models.CharField(max_length=10, choices=(("OUD", "Opioids"), ("AUD", "Alcohol")))
    dsm5_criteria = models.JSONField(default=list, help_text="names of the criteria met")
    on_maintenance_therapy = models.BooleanField(default=False)
    dsm5_severity = models.CharField(max_length=10)  # computed by the core instrument
    last_opioid_use = models.DateField(null=True, blank=True)
    last_opioid_kind = models.CharField(max_length=20, choices=OpioidKindChoice.choices, blank=True)
    last_alcohol_use = models.DateField(null=True, blank=True)
    other_substances = models.CharField(max_length=500, blank=True)
    goals = models.TextField(blank=True)
    co_occurring_conditions = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("-assessed_on", "-id")

    @property
    def criteria_labels(self) -> list[str]:
        names = dict(DSM5_CRITERIA)
        return [names.get(c, c) for c in self.dsm5_criteria]


class MedicationEntry(models.Model):
    """A medication the patient takes (the list the screening checks for opioids and interactions)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=200)
    rxnorm = models.CharField(max_length=16, blank=True)
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("name", "id")


class Allergy(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=200)
    reaction = models.CharField(max_length=200, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("substance", "id")


class OutsideCondition(models.Model):
    """A condition another provider's record lists (imported through FHIR, issue 13): kept as that
    record says it, with its code, for the prescriber to read beside the program's own assessment
    (chronic pain, liver disease or a pregnancy there matter to a naltrexone start)."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="outside_conditions"
    )
    text = models.CharField(max_length=200)
    code_system = models.CharField(max_length=200, blank=True)
    code = models.CharField(max_length=40, blank=True)
    clinical_status = models.CharField(max_length=20, blank=True)
    onset = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=300, help_text="the record it came from")
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("text", "id")


class CareTeamMember(models.Model):
    """A staff member assigned to a patient's care team: a clinician on it opens the chart; one
    outside it breaks the glass (clinical/access.py). Rows are kept: leaving the team sets
    `removed_at`, so the record shows who could open the chart when."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="care_team")
    username = models.CharField(max_length=150)
    added_by = models.CharField(max_length=150)
    added_at = models.DateTimeField()
    removed_by = models.CharField(max_length=150, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("username", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("patient", "username"),
                condition=models.Q(removed_at__isnull=True),
                name="one_current_care_team_row_per_member",
            ),
        ]


class BreakGlass(models.Model):
    """A clinician outside the care team opened the chart stating why: access until `ends_at`,
    flagged on the chart, listed for the director, in the patient's accounting."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="break_glass")
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=20)
    reason = models.CharField(max_length=1000)
    opened_at = models.DateTimeField()
    ends_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-opened_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("opened_at")),
                name="break_glass_ends_after_it_opens",
            ),
        ]
