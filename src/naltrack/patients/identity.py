"""Who a new patient is: the MRN naltrack assigns, and the existing charts that may be the same
person (issue 12). register_patient (services.py) calls both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q

from naltrack.clinic import mrn_scheme
from naltrack.config import MrnScheme

from .matching import Person, match_reasons, normalise_phone
from .models import MrnCounter, Patient
from .mrn import format_mrn


def allocate_mrn(scheme: MrnScheme | None = None) -> str:
    """The next MRN under the clinic's scheme, taken under a lock on the prefix's counter row: two
    registrations at once wait for each other and never get the same number. Call it inside the
    registration's transaction (the number is used by the patient that commits with it; a
    registration that rolls back gives its number back, since the counter rolls back with it).

    A number already taken by an MRN typed by hand (one that happens to look like an assigned one)
    is skipped."""
    scheme = scheme or mrn_scheme()
    with transaction.atomic():
        # Make the counter row if this prefix has none (ignored when another writer made it first),
        # then lock it: SELECT ... FOR UPDATE on PostgreSQL; SQLite has one writer at a time.
        MrnCounter.objects.bulk_create([MrnCounter(prefix=scheme.prefix)], ignore_conflicts=True)
        counter = MrnCounter.objects.select_for_update().get(prefix=scheme.prefix)
        number = counter.last_number
        while True:
            number += 1
            mrn = format_mrn(scheme, number)
            if not Patient.objects.filter(mrn__iexact=mrn).exists():
                break
        MrnCounter.objects.filter(prefix=scheme.prefix).update(last_number=number)
    return mrn


@dataclass(frozen=True, slots=True)
class Candidate:
    """An existing chart that may be the same person, and why."""

    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    phone: str
    reasons: tuple[str, ...]

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


def possible_duplicates(
    given_name: str, family_name: str, birth_date: date, phone: str = "", *, excluding: int = 0
) -> list[Candidate]:
    """Existing charts (not merged into another) that may be this person (patients/matching.py):
    the same name and birth date, the same phone, or a similar name born the same day or nearly.
    Read from the patients born in the same year and those with a phone ending in the same four
    digits, so the check stays a couple of indexed queries however large the clinic."""
    new = Person(given_name, family_name, birth_date, phone)
    near = Q(birth_date__year=birth_date.year)
    digits = normalise_phone(phone)
    if digits:
        near |= Q(phone__endswith=digits[-4:])
    rows = (
        Patient.objects.filter(near, merged_into__isnull=True)
        .exclude(pk=excluding)
        .only("mrn", "given_name", "family_name", "birth_date", "phone")
        .order_by("family_name", "given_name", "mrn")
    )
    found = []
    for p in rows:
        reasons = match_reasons(new, Person(p.given_name, p.family_name, p.birth_date, p.phone))
        if reasons:
            found.append(Candidate(p.mrn, p.given_name, p.family_name, p.birth_date, p.phone,
                                   tuple(reasons)))  # fmt: skip
    return found[:20]
