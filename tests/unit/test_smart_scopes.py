"""SMART system scopes (fhir/smart.py): what a registered client may be granted, and what a granted
scope lets a backend system do. A scope is granted only when the registration allows every
permission in it; `*` only from a `*` registration; v1 `.read` is v2 `.rs`."""

from __future__ import annotations

import pytest

from naltrack.fhir.smart import _allowed, covers


@pytest.mark.parametrize(("requested", "registered", "granted"), [
    ("system/Patient.rs", ("system/Patient.rs",), True),
    ("system/Patient.read", ("system/Patient.rs",), True),  # v1 read is v2 rs
    ("system/Patient.rs", ("system/Patient.read",), True),
    ("system/Patient.r", ("system/Patient.rs",), True),
    ("system/Patient.rs", ("system/Patient.r",), False),  # search was not registered
    ("system/Patient.rs", ("system/Patient.r", "system/Patient.s"), True),  # both, separately
    ("system/Observation.rs", ("system/*.rs",), True),
    ("system/*.rs", ("system/Patient.rs", "system/Observation.rs"), False),  # not every type
    ("system/*.r", ("system/*.s", "system/Patient.r"), False),
    ("system/*.rs", ("system/*.rs",), True),
    ("patient/Patient.rs", ("system/*.rs",), False),  # only system scopes
    ("system/Patient.write", ("system/*.rs",), False),  # read-only server
    ("system/Patient.cruds", ("system/*.rs",), False),
    ("system/patient.rs", ("system/*.rs",), False),  # a resource type starts with a capital
])  # fmt: skip
def test_a_scope_is_granted_only_within_the_registration(requested: str, registered: tuple[str, ...],
                                                         granted: bool) -> None:  # fmt: skip
    assert _allowed(requested, registered) is granted


def test_what_a_granted_scope_covers() -> None:
    granted = ("system/Patient.r", "system/Observation.rs")
    assert covers(granted, "Patient", "r") and not covers(granted, "Patient", "s")
    assert covers(granted, "Observation", "s") and not covers(granted, "Condition", "r")
    assert covers(("system/*.read",), "Condition", "s")
    assert not covers(("nonsense",), "Patient", "r")
