"""MRNs assigned by naltrack (issue 12): the clinic's prefix, a serial number and a check digit
(Luhn, or ISO 7064 MOD 97-10), configurable; MRNs typed before keep working; and no two
registrations at once get the same number (threads on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from naltrack.config import ConfigError, MrnScheme, read_mrn_scheme
from naltrack.patients.identity import allocate_mrn
from naltrack.patients.models import MrnCounter, Patient
from naltrack.patients.mrn import format_mrn, is_valid_assigned, iso7064_97_10, luhn_digit
from naltrack.patients.services import PatientInput, read_patient, register_patient
from tests.integration.committed import append_only_restored, committed_data  # noqa: F401
from tests.integration.conftest import COORDINATOR, NOW, make_patient

LUHN = MrnScheme("NT", "luhn")
ISO = MrnScheme("CLX", "iso7064-mod97-10")


def _new(given: str = "Robin") -> PatientInput:
    return PatientInput("", given, "Sample", date(1990, 3, 4), "female")


# ---- the check digits (no database) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "check"), [("7992739871", "3"), ("000001", "8"), ("000042", "2"), ("000000", "0")]
)
def test_luhn(digits: str, check: str) -> None:
    assert luhn_digit(digits) == check


@pytest.mark.parametrize(("digits", "check"), [("000042", "69"), ("794", "44"), ("000001", "95")])
def test_iso_7064_mod_97_10(digits: str, check: str) -> None:
    assert iso7064_97_10(digits) == check
    assert int(digits + check) % 97 == 1  # the standard's own test of a checked number


def test_a_one_digit_typing_mistake_or_a_swap_fails_the_check() -> None:
    for scheme in (LUHN, ISO):
        mrn = format_mrn(scheme, 4217)
        assert is_valid_assigned(scheme, mrn)
        number = mrn.split("-")[1]
        for i in range(len(number)):
            for d in "0123456789":
                if d != number[i]:
                    typo = mrn.replace(number, number[:i] + d + number[i + 1 :])
                    assert not is_valid_assigned(scheme, typo), typo
        swapped = mrn.replace(number, number[:-2] + number[-1] + number[-2])
        assert not is_valid_assigned(scheme, swapped)
    assert format_mrn(LUHN, 4217) == "NT-004217-6" and format_mrn(ISO, 4217) == "CLX-004217-57"
    assert not is_valid_assigned(LUHN, "MRN-0001")  # typed by hand: not an assigned one


def test_the_scheme_is_a_clinic_setting() -> None:
    assert read_mrn_scheme({}) == LUHN
    assert (
        read_mrn_scheme({"NALTRACK_MRN_PREFIX": "clx", "NALTRACK_MRN_CHECK": "ISO7064-MOD97-10"})
        == ISO
    )
    with pytest.raises(ConfigError, match="NALTRACK_MRN_PREFIX"):
        read_mrn_scheme({"NALTRACK_MRN_PREFIX": "NT-1"})
    with pytest.raises(ConfigError, match="NALTRACK_MRN_CHECK"):
        read_mrn_scheme({"NALTRACK_MRN_CHECK": "mod11"})


# ---- assignment ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_registration_assigns_the_next_mrn_and_typed_mrns_keep_working(
    settings: pytest.FixtureRequest,
) -> None:
    typed = make_patient("MRN-0001")  # registered before naltrack assigned MRNs
    first = register_patient(_new(), actor=COORDINATOR, at=NOW)
    second = register_patient(_new("Kim"), actor=COORDINATOR, at=NOW)
    assert (first.mrn, second.mrn) == ("NT-000001-8", "NT-000002-6")
    assert read_patient("MRN-0001", actor=COORDINATOR, at=NOW, what="contact").pk == typed.pk
    settings.MRN_SCHEME = ISO  # type: ignore[attr-defined]
    assert register_patient(_new("Ash"), actor=COORDINATOR, at=NOW).mrn == "CLX-000001-95"


@pytest.mark.django_db
def test_a_number_already_typed_by_hand_is_skipped() -> None:
    make_patient("NT-000001-8")
    assert register_patient(_new(), actor=COORDINATOR, at=NOW).mrn == "NT-000002-6"
    assert MrnCounter.objects.get(prefix="NT").last_number == 2


@pytest.mark.django_db
def test_a_registration_refused_gives_its_number_back() -> None:
    bad = PatientInput("", "Robin", "Sample", date(1990, 3, 4), "female", phone="call me")
    with pytest.raises(Exception, match="phone"):
        register_patient(bad, actor=COORDINATOR, at=NOW)
    assert register_patient(_new(), actor=COORDINATOR, at=NOW).mrn == "NT-000001-8"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_data")
def test_concurrent_registrations_never_share_an_mrn() -> None:
    """Eight registrations released together, each in its own thread and connection: eight
    patients, eight different MRNs, numbered 1 to 8 (PostgreSQL: the counter row's lock)."""
    count = 8
    start = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = register_patient(
                _new(f"Person{chr(65 + i)}"), actor=COORDINATOR, at=NOW
            ).mrn
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, str) for r in results), results
    assert sorted(results) == sorted(format_mrn(LUHN, n) for n in range(1, count + 1))  # type: ignore[type-var]
    assert Patient.objects.count() == count
    assert allocate_mrn() == format_mrn(LUHN, count + 1)
