"""Every record of the program and the security labels it carries (issue 10, "labels at write
time"). naltrack holds only the records of one SUD program, so a record's labels follow from what
kind of record it is (clinical.consent.labels_of): R, 42CFRPart2, SUD and NORDSCLCD on every one,
PSYTHPN on counselling notes. They are the same on the day a record is written and every day
after, so they are not copied onto every row; instead each table that holds a patient's records
is given its kind here, once, and tests/integration/test_labels.py fails when a table with a
patient's records is added without one. A channel sending records out takes a record's labels
from `labels_of_model` (the record export attaches them to each section; the Disclosure row keeps
the labels of what left, as it left)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from django.db.models import Model

from naltrack.clinical.consent import Label, RecordKind, labels_of

K = RecordKind

# app_label.model_name -> the kind of record it holds (what a consent names, 42 CFR 2.31(a)(3)).
RECORD_KINDS: Mapping[str, RecordKind] = MappingProxyType({
    "patients.patient": K.DEMOGRAPHICS,
    "patients.episode": K.EPISODES,
    "patients.assessment": K.ASSESSMENTS,
    "patients.medicationentry": K.MEDICATIONS,
    "patients.allergy": K.MEDICATIONS,
    "screening.screeningrecord": K.SCREENINGS,
    "treatment.treatmentplan": K.MEDICATIONS,
    "treatment.order": K.MEDICATIONS,
    "treatment.administration": K.MEDICATIONS,
    "treatment.injectionoverride": K.MEDICATIONS,
    "treatment.implant": K.MEDICATIONS,
    "inventory.kit": K.MEDICATIONS,  # a kit kept for or dispensed to a patient
    "treatment.discontinuation": K.EPISODES,
    "monitoring.observation": K.OBSERVATIONS,
    "monitoring.sideeffect": K.OBSERVATIONS,
    "appointments.appointment": K.APPOINTMENTS,
    # the outreach log (issue 12): attempts to reach the patient after a missed visit or dose
    "outreach.outreachattempt": K.APPOINTMENTS,
    # an inquiry converted to a patient (issue 15): the referral that opened the episode
    "intake.inquiry": K.EPISODES,
    # naloxone kits handed out, reported on hand, or declined (issue 15)
    "naloxone.naloxonehandout": K.MEDICATIONS,
    # the medication choice made with the patient, and any referral out (issue 15)
    "choice.medicationchoice": K.MEDICATIONS,
    "counselling.counsellingsession": K.COUNSELLING_NOTES,
    # what the patient reports in the portal (issue 11): tablets taken, daily check-ins
    "selfreport.doselogentry": K.MEDICATIONS,
    "selfreport.checkin": K.OBSERVATIONS,
    # computed from the records above: as sensitive as what they summarise
    "alerts.alert": K.OBSERVATIONS,
    "alerts.carestatus": K.MEDICATIONS,
    # insurance (issue 15): who pays is demographics; an authorization names the medication
    "insurance.coverage": K.DEMOGRAPHICS,
    "insurance.benefitsverification": K.DEMOGRAPHICS,
    "insurance.priorauthorization": K.MEDICATIONS,
    # conditions other providers' records list, imported through FHIR (issue 13): a diagnosis
    "patients.outsidecondition": K.ASSESSMENTS,
})  # fmt: skip

# Tables about a patient that are the program's own bookkeeping of access and consent, never sent
# out as records. They still say that the patient is in a SUD program, so they carry the
# program's labels too (`labels_of_model`).
BOOKKEEPING: frozenset[str] = frozenset({
    "patients.careteammember", "patients.breakglass",
    "disclosure.consent", "disclosure.disclosure", "disclosure.emergency",
    # reminders (issue 11): what to send whom and when, the patient's choices, calendar links,
    # support people; the notices they receive are recorded as disclosures
    "reminders.reminder", "reminders.preference", "reminders.calendarfeed",
    "reminders.supportperson",
    # the patient's portal account and its invitations (issue 11)
    "portal.patientaccount", "portal.portalinvite",
    # the wallet card's check links, with what the card stated when it was printed (issue 11)
    "card.cardlink",
    # Today's items marked done, with who and when (issue 12): the worklist's own bookkeeping
    "worklist.donemark",
    # which imported identifier became which record (issue 13): FHIR's Provenance, staff only
    "fhir.importedresource",
})  # fmt: skip


def _key(model: type[Model] | Model) -> str:
    return model._meta.label_lower


def kind_of_model(model: type[Model] | Model) -> RecordKind | None:
    """The kind of record a table holds (None: bookkeeping, or not a patient's record)."""
    return RECORD_KINDS.get(_key(model))


def labels_of_model(model: type[Model] | Model) -> frozenset[Label]:
    """The security labels of a record of this table. A table of a patient's records that is not
    listed is refused: it would otherwise leave without its labels."""
    key = _key(model)
    kind = RECORD_KINDS.get(key)
    if kind is not None:
        return labels_of(kind)
    if key in BOOKKEEPING:
        return labels_of(RecordKind.DEMOGRAPHICS)  # the program's labels: names a SUD patient
    raise LookupError(f"{key} has no record kind: add it to disclosure/labels.py")
