"""The clinic as the patient sees it (NALTRACK_CLINIC_*): defaults, the operator's words, and
a bad value named by its variable."""

from __future__ import annotations

import pytest

from naltrack.config import ClinicInfo, ConfigError, read_clinic_info


def test_unset_variables_keep_the_demo_clinic() -> None:
    assert read_clinic_info({}) == ClinicInfo()


def test_the_operator_words_are_kept_with_spaces_tidied() -> None:
    info = read_clinic_info({
        "NALTRACK_CLINIC_NAME": "  Riverside   Recovery ",
        "NALTRACK_CLINIC_PHONE": "555-0199",
        "NALTRACK_NALOXONE_LOCATION": "Room 2, ask the nurse.",
        "NALTRACK_PORTAL_INVITE_HOURS": "48",
    })  # fmt: skip
    assert info.name == "Riverside Recovery"
    assert info.phone == "555-0199"
    assert info.naloxone_where("en") == "Room 2, ask the nurse."
    assert info.naloxone_where("es") == ClinicInfo().naloxone_location_es
    assert info.portal_invite_hours == 48


@pytest.mark.parametrize(
    ("variable", "raw"),
    [("NALTRACK_PORTAL_INVITE_HOURS", "0"), ("NALTRACK_PORTAL_INVITE_HOURS", "337"),
     ("NALTRACK_PORTAL_INVITE_HOURS", "soon"), ("NALTRACK_CLINIC_NAME", "x" * 301)],
)  # fmt: skip
def test_a_bad_value_names_its_variable(variable: str, raw: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        read_clinic_info({variable: raw})
