"""Medical record numbers that naltrack gives out: the clinic's prefix, a serial number and a check
digit, so that a number mistyped by one digit (or with two neighbouring digits swapped) is caught
when it is read back or typed into the search box.

    NT-000042-2      prefix "NT", number 42, Luhn check digit 2
    NT-000042-69     the same under ISO 7064 MOD 97-10 (two check digits, as in IBANs)

The scheme (prefix and check) is a clinic setting (NALTRACK_MRN_PREFIX, NALTRACK_MRN_CHECK;
config.read_mrn_scheme); the number comes from services.allocate_mrn, which takes it under a row
lock. MRNs typed by hand before naltrack assigned them (or imported from another system) keep
working: nothing here is applied to an MRN naltrack did not make.

Pure functions: no Django, no database."""

from __future__ import annotations

from naltrack.config import MRN_CHECK_ISO7064, MRN_CHECK_LUHN, MrnScheme

NUMBER_DIGITS = 6  # zero-padded to six digits; a clinic past 999,999 patients gets seven


def luhn_digit(digits: str) -> str:
    """The Luhn (mod 10) check digit of a string of digits: catches every single-digit error and
    most swaps of neighbouring digits."""
    total = 0
    # From the rightmost digit (the one next to the check digit), double every other one.
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def iso7064_97_10(digits: str) -> str:
    """The two check digits of ISO 7064 MOD 97-10: catches every single-digit error and every
    swap of neighbouring digits."""
    return f"{98 - (int(digits + '00') % 97):02d}"


def check_digits(number: str, check: str) -> str:
    if check == MRN_CHECK_LUHN:
        return luhn_digit(number)
    if check == MRN_CHECK_ISO7064:
        return iso7064_97_10(number)
    raise ValueError(f"unknown MRN check scheme {check!r}")


def format_mrn(scheme: MrnScheme, serial: int) -> str:
    """The MRN of serial number `serial` under the clinic's scheme."""
    number = f"{serial:0{NUMBER_DIGITS}d}"
    return f"{scheme.prefix}-{number}-{check_digits(number, scheme.check)}"


def is_valid_assigned(scheme: MrnScheme, mrn: str) -> bool:
    """Whether `mrn` has the shape of an MRN naltrack assigns under `scheme` and its check digits
    are right (a typing mistake in an assigned MRN fails this)."""
    head, sep, rest = mrn.partition("-")
    number, sep2, check = rest.partition("-")
    if head.upper() != scheme.prefix.upper() or not (sep and sep2) or not number.isdigit():
        return False
    return check == check_digits(number, scheme.check)
