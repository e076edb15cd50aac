"""Naloxone kits (issue 15): stock received and handed out (the lot's count goes down in the same
transaction; an expired lot or too few kits refused by field, nothing written), the MAR's "on hand"
counting as a report, on-hand boundaries, coverage on a small known set, Today's line, the pages
and the JSON API."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import PermissionRefused, create_staff
from naltrack.accounts.tokens import create_token
from naltrack.alerts.services import refresh_patient
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.naloxone.models import NaloxoneHandOut, NaloxoneLot
from naltrack.naloxone.services import (
    HandOutInput,
    ReceiveInput,
    hand_out,
    patient_on_hand,
    read_coverage,
    read_stock,
    receive_stock,
    void_hand_out,
)
from naltrack.patients.models import Patient
from naltrack.treatment.models import Administration
from naltrack.worklist.services import today_worklist
from tests.integration.conftest import (
    COORDINATOR,
    COUNSELOR,
    DIRECTOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    login,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


def a_lot(lot: str = "NX-1", *, count: int = 3, expires: date = TODAY + timedelta(days=300),
          day: date = TODAY) -> NaloxoneLot:  # fmt: skip
    return receive_stock(ReceiveInput("nasal_4mg", lot, expires, count), actor=NURSE, at=at(day))


def without_naloxone(mrn: str, first: date) -> Patient:
    """A patient on the injection whose MAR says no reversal agent on hand."""
    p = started_on_injection(mrn, first)
    Administration.objects.filter(patient=p).update(reversal_agent_on_hand=False)
    refresh_patient(p, at=NOW)
    return p


def give(p: Patient, lot: NaloxoneLot, count: int = 1, day: date = TODAY) -> NaloxoneHandOut:
    return hand_out(
        p, HandOutInput("handed_out", "injection", lot.pk, count), actor=NURSE, at=at(day)
    )


# --- stock ----------------------------------------------------------------------------------------


def test_receiving_stock_and_topping_up_a_lot() -> None:
    lot = a_lot(count=5)
    assert (lot.received_count, lot.remaining, lot.received_by, lot.received_on) == (
        5,
        5,
        "nina.nurse",
        TODAY,
    )
    again = a_lot(count=2)
    assert again.pk == lot.pk and (again.received_count, again.remaining) == (7, 7)
    assert AuditEvent.objects.filter(object_type="naloxone_stock").count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"product": "aspirin"}, "product", "must be one of"),
        ({"lot": "   "}, "lot", "is required"),
        ({"lot": "x" * 41}, "lot", "at most 40"),
        ({"expires_on": None}, "expires_on", "is required"),
        ({"expires_on": TODAY - timedelta(days=1)}, "expires_on", "already expired"),
        ({"count": 0}, "count", "from 1 to"),
        ({"count": None}, "count", "from 1 to"),
        ({"count": 10_001}, "count", "from 1 to"),
        ({"received_on": TODAY + timedelta(days=1)}, "received_on", "in the future"),
        ({"received_on": TODAY - timedelta(days=15)}, "received_on", "more than 14 days ago"),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else None,
)
def test_bad_stock_input_is_refused_by_field(
    changes: dict[str, Any], field: str, words: str
) -> None:
    values: dict[str, Any] = {"product": "nasal_4mg", "lot": "NX-1", "expires_on": TODAY + timedelta(days=30),
                              "count": 3, "received_on": None} | changes  # fmt: skip
    with pytest.raises(InputError) as e:
        receive_stock(ReceiveInput(**values), actor=NURSE, at=NOW)
    assert e.value.field == field and words in e.value.message
    assert not NaloxoneLot.objects.exists()


def test_a_lot_received_again_with_another_expiry_is_refused() -> None:
    a_lot(count=4)
    with pytest.raises(InputError) as e:
        a_lot(count=1, expires=TODAY + timedelta(days=10))
    assert e.value.field == "expires_on"
    assert NaloxoneLot.objects.get().remaining == 4


def test_stock_shows_expired_lots_and_the_reorder_point() -> None:
    old = a_lot("OLD", count=2, expires=TODAY + timedelta(days=5))
    a_lot("NEW", count=11)
    later = TODAY + timedelta(days=6)
    s = read_stock(later, actor=NURSE)
    assert [(r.lot.lot, r.usable) for r in s.lots] == [("OLD", False), ("NEW", True)]
    assert (s.usable_kits, s.reorder) == (11, False)  # 11 > the default reorder point 10
    give(
        started_on_injection("MRN-0501", TODAY - timedelta(days=3)),
        NaloxoneLot.objects.get(lot="NEW"),
    )
    assert (read_stock(later, actor=NURSE).usable_kits, read_stock(later, actor=NURSE).reorder) == (
        10,
        True,
    )
    assert old.pk
    with pytest.raises(PermissionRefused):
        read_stock(TODAY, actor=DIRECTOR)


# --- hand-outs -------------------------------------------------------------------------------------


def test_a_hand_out_takes_kits_from_the_lot_in_the_same_transaction() -> None:
    p = without_naloxone("MRN-0502", TODAY - timedelta(days=3))
    lot = a_lot(count=3)
    row = give(p, lot, count=2)
    lot.refresh_from_db()
    assert lot.remaining == 1
    assert (row.kind, row.where, row.count, row.product, row.lot_id) == (
        "handed_out",
        "injection",
        2,
        "nasal_4mg",
        lot.pk,
    )
    event = AuditEvent.objects.get(object_type="naloxone_hand_out")
    assert event.patient_mrn == "MRN-0502" and "2 x nasal_4mg lot NX-1" in event.detail


def test_an_expired_lot_is_refused_and_nothing_changes() -> None:
    p = without_naloxone("MRN-0503", TODAY - timedelta(days=3))
    lot = a_lot(count=3, expires=TODAY)
    give(p, lot)  # the expiry day itself is still usable
    with pytest.raises(InputError) as e:
        give(p, lot, day=TODAY + timedelta(days=1))
    assert e.value.field == "lot_id" and "expired" in e.value.message
    lot.refresh_from_db()
    assert lot.remaining == 2 and NaloxoneHandOut.objects.count() == 1


def test_an_empty_lot_is_refused_and_nothing_changes() -> None:
    p = without_naloxone("MRN-0504", TODAY - timedelta(days=3))
    lot = a_lot(count=1)
    with pytest.raises(InputError) as e:
        give(p, lot, count=2)
    assert (
        e.value.field == "count"
        and "not enough kits left" in e.value.message
        and "(1 left)" in e.value.message
    )
    give(p, lot)
    with pytest.raises(InputError) as e:
        give(p, lot)
    assert e.value.field == "count" and "(0 left)" in e.value.message
    lot.refresh_from_db()
    assert lot.remaining == 0 and NaloxoneHandOut.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"kind": "lost"}, "kind", "must be one of"),
        ({"where": "street"}, "where", "must be one of"),
        ({"lot_id": None}, "lot_id", "choose the lot"),
        ({"lot_id": 999_999}, "lot_id", "no such lot"),
        ({"count": 0}, "count", "from 1 to 5"),
        ({"count": 6}, "count", "from 1 to 5"),
        ({"given_on": TODAY + timedelta(days=1)}, "given_on", "in the future"),
        ({"given_on": TODAY - timedelta(days=15)}, "given_on", "more than 14 days ago"),
        ({"note": "x" * 301}, "note", "at most 300"),
        ({"kind": "declined"}, "lot_id", "only a kit handed out"),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else None,
)
def test_bad_hand_out_input_is_refused_by_field(
    changes: dict[str, Any], field: str, words: str
) -> None:
    p = without_naloxone("MRN-0505", TODAY - timedelta(days=3))
    lot = a_lot(count=3)
    values: dict[str, Any] = {
        "kind": "handed_out",
        "where": "visit",
        "lot_id": lot.pk,
        "count": 1,
    } | changes
    with pytest.raises(InputError) as e:
        hand_out(p, HandOutInput(**values), actor=NURSE, at=NOW)
    assert e.value.field == field and words in e.value.message
    lot.refresh_from_db()
    assert lot.remaining == 3 and not NaloxoneHandOut.objects.exists()


def test_has_one_and_declined_take_no_kit() -> None:
    p = without_naloxone("MRN-0506", TODAY - timedelta(days=3))
    lot = a_lot(count=3)
    hand_out(p, HandOutInput("declined", "injection"), actor=COUNSELOR, at=NOW)
    assert patient_on_hand(p, TODAY).on_hand is False
    assert patient_on_hand(p, TODAY).declined_on == TODAY
    hand_out(
        p, HandOutInput("has_one", "visit", note="From the pharmacy"), actor=PRESCRIBER, at=NOW
    )
    assert patient_on_hand(p, TODAY).on_hand is True
    lot.refresh_from_db()
    assert lot.remaining == 3
    assert list(NaloxoneHandOut.objects.values_list("count", flat=True)) == [0, 0]


def test_who_may_hand_out_and_receive() -> None:
    p = without_naloxone("MRN-0507", TODAY - timedelta(days=3))
    with pytest.raises(PermissionRefused):
        hand_out(p, HandOutInput("declined", "visit"), actor=COORDINATOR, at=NOW)
    with pytest.raises(PermissionRefused):
        receive_stock(
            ReceiveInput("nasal_4mg", "L", TODAY + timedelta(days=9), 1), actor=PRESCRIBER, at=NOW
        )


# --- on hand ---------------------------------------------------------------------------------------


def test_on_hand_counts_through_the_valid_days() -> None:
    p = without_naloxone("MRN-0508", TODAY - timedelta(days=3))
    assert patient_on_hand(p, TODAY).on_hand is False
    give(p, a_lot(count=3), day=TODAY - timedelta(days=2))
    handed = TODAY - timedelta(days=2)
    assert patient_on_hand(p, handed - timedelta(days=1)).on_hand is False
    assert patient_on_hand(p, handed).on_hand is True
    assert patient_on_hand(p, handed + timedelta(days=365)).on_hand is True
    assert patient_on_hand(p, handed + timedelta(days=366)).on_hand is False


def test_the_mars_reversal_agent_on_hand_counts_as_a_report() -> None:
    p = started_on_injection("MRN-0509", TODAY - timedelta(days=3))  # the MAR: on hand
    status = patient_on_hand(p, TODAY)
    assert (status.on_hand, status.since) == (True, TODAY - timedelta(days=3))
    Administration.objects.filter(patient=p).update(
        status="refused", reason="Refused"
    )  # only a given dose counts
    assert patient_on_hand(p, TODAY).on_hand is False


# --- coverage and Today ---------------------------------------------------------------------------


def test_coverage_on_a_small_known_set() -> None:
    covered_by_mar = started_on_injection("MRN-0510", TODAY - timedelta(days=3))
    handed = without_naloxone("MRN-0511", TODAY - timedelta(days=3))
    missing = without_naloxone("MRN-0512", TODAY - timedelta(days=3))
    refresh_patient(covered_by_mar, at=NOW)
    give(handed, a_lot(count=3))
    r = read_coverage(TODAY, actor=COORDINATOR, at=NOW)
    assert (r.coverage.overall.covered, r.coverage.overall.active) == (2, 3)
    assert r.groups[0][0] == "Monthly injection" and (
        r.groups[0][1].covered,
        r.groups[0][1].active,
    ) == (2, 3)
    assert r.without is not None and [m.patient.mrn for m in r.without] == [missing.mrn]
    # the director sees the figures, not the names
    assert read_coverage(TODAY, actor=DIRECTOR, at=NOW).without is None
    assert AuditEvent.objects.filter(
        object_type="naloxone_coverage", actor="dana.director"
    ).exists()
    with pytest.raises(PermissionRefused):
        read_coverage(TODAY, actor=COUNSELOR, at=NOW)
    with pytest.raises(InputError) as e:
        read_coverage(TODAY + timedelta(days=1), actor=DIRECTOR, at=NOW)
    assert e.value.field == "on"


def test_todays_line_counts_patients_due_without_naloxone() -> None:
    p = without_naloxone("MRN-0513", TODAY - timedelta(days=28))  # due today
    started_on_injection("MRN-0514", TODAY - timedelta(days=28))  # due today, has one (MAR)
    without_naloxone("MRN-0515", TODAY - timedelta(days=3))  # not due
    line = today_worklist(TODAY, actor=NURSE).naloxone
    assert line is not None and (line.due_without, line.mrns) == (1, ["MRN-0513"])
    give(p, a_lot(count=3))
    line = today_worklist(TODAY, actor=NURSE).naloxone
    assert line is not None and line.due_without == 0
    assert today_worklist(TODAY, actor=COORDINATOR).naloxone is None  # not the coordinator's


# --- pages ----------------------------------------------------------------------------------------


def test_stock_page_receives_kits_and_warns_below_the_reorder_point() -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    r = nurse.post("/naloxone/", {"form": "receive", "receive-product": "nasal_4mg", "receive-lot": "NX-7",
                                  "receive-expires_on": str(TODAY + timedelta(days=200)), "receive-count": "4"})  # fmt: skip
    assert r.status_code == 302
    page = nurse.get("/naloxone/").content.decode()
    assert "NX-7" in page and "Reorder naloxone" in page and "4 usable kits left" in page
    bad = nurse.post("/naloxone/", {"form": "receive", "receive-product": "nasal_4mg", "receive-lot": "NX-8",
                                    "receive-expires_on": str(TODAY - timedelta(days=1)), "receive-count": "4"})  # fmt: skip
    assert bad.status_code == 200 and "already expired" in bad.content.decode()
    assert NaloxoneLot.objects.count() == 1
    counselor = login(Role.COUNSELOR, "cole.counselor")
    assert counselor.get("/naloxone/").status_code == 200
    assert "Receive stock" not in counselor.get("/naloxone/").content.decode()
    assert counselor.post("/naloxone/", {"form": "receive"}).status_code == 403
    assert login(Role.COORDINATOR, "cora.coordinator").get("/naloxone/").status_code == 403


def test_patient_page_hands_out_a_kit() -> None:
    p = without_naloxone("MRN-0520", TODAY - timedelta(days=3))
    lot = a_lot(count=2)
    nurse = login(Role.NURSE, "nina.nurse")
    assert (
        'href="/patients/MRN-0520/naloxone/"' in nurse.get("/patients/MRN-0520/").content.decode()
    )
    assert "no naloxone on hand" in nurse.get("/patients/MRN-0520/naloxone/").content.decode()
    r = nurse.post("/patients/MRN-0520/naloxone/", {"form": "hand_out", "hand_out-kind": "handed_out",
                                                    "hand_out-where": "injection", "hand_out-lot_id": str(lot.pk)})  # fmt: skip
    assert r.status_code == 302
    page = nurse.get("/patients/MRN-0520/naloxone/").content.decode()
    assert "on hand</span> since" in page and "Kit handed out" in page
    lot.refresh_from_db()
    assert lot.remaining == 1
    bad = nurse.post("/patients/MRN-0520/naloxone/", {"form": "hand_out", "hand_out-kind": "handed_out",
                                                      "hand_out-where": "injection", "hand_out-lot_id": str(lot.pk),
                                                      "hand_out-count": "2"})  # fmt: skip
    assert bad.status_code == 200 and "not enough kits left in this lot" in bad.content.decode()
    assert p.naloxone.count() == 1
    # the MAR and the discontinuation page link here, the form filled in for where it happens
    assert (
        "/patients/MRN-0520/naloxone/?kind=handed_out&amp;where=injection"
        in nurse.get("/patients/MRN-0520/mar/").content.decode()
    )
    prefilled = nurse.get("/patients/MRN-0520/naloxone/?kind=handed_out&where=discontinuation")
    assert '<option value="discontinuation" selected>' in prefilled.content.decode()
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    assert (
        "where=discontinuation"
        in prescriber.get("/patients/MRN-0520/discontinue/").content.decode()
    )


def test_coverage_report_page_by_role() -> None:
    without_naloxone("MRN-0521", TODAY - timedelta(days=3))
    started_on_injection("MRN-0522", TODAY - timedelta(days=3))
    refresh_patient(Patient.objects.get(mrn="MRN-0522"), at=NOW)
    director = login(Role.DIRECTOR, "dana.director")
    page = director.get("/reports/naloxone/").content.decode()
    assert "50%" in page and "(1 of 2 active patients)" in page and "MRN-0521" not in page
    coordinator = (
        login(Role.COORDINATOR, "cora.coordinator").get("/reports/naloxone/").content.decode()
    )
    assert "MRN-0521" in coordinator and "MRN-0522" not in coordinator
    bad = director.get("/reports/naloxone/?on=2026-02-30").content.decode()
    assert "must be a day (YYYY-MM-DD)" in bad
    assert login(Role.COUNSELOR, "cole.counselor").get("/reports/naloxone/").status_code == 403


# --- API -----------------------------------------------------------------------------------------


class Api:
    def __init__(self, username: str, role: Role) -> None:
        create_staff(username, "a-long-demo-password-1", role)
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {create_token(username, at=NOW)}"}

    def get(self, path: str) -> tuple[int, Any]:
        r = self.client.get(f"/api{path}", headers=self.headers)
        return r.status_code, r.json()

    def post(self, path: str, body: object) -> tuple[int, Any]:
        r = self.client.post(f"/api{path}", data=json.dumps(body), content_type="application/json",
                             headers=self.headers)  # fmt: skip
        return r.status_code, r.json()


def test_the_api_receives_hands_out_and_reports() -> None:
    without_naloxone("MRN-0530", TODAY - timedelta(days=3))
    nurse = Api("nina.nurse", Role.NURSE)
    status, lot = nurse.post("/naloxone/stock", {"product": "nasal_4mg", "lot": "NX-9",
                                                 "expires_on": str(TODAY + timedelta(days=90)), "count": 2})  # fmt: skip
    assert status == 201 and lot["remaining"] == 2 and lot["usable"] is True
    assert nurse.post("/naloxone/stock", {"product": "nasal_4mg", "lot": "NX-9", "expires_on": "2026-13-01",
                                          "count": 2})[0] == 400  # fmt: skip
    status, err = nurse.post("/naloxone/stock", {"product": "nasal_4mg", "lot": "X",
                                                 "expires_on": str(TODAY - timedelta(days=1)), "count": 2})  # fmt: skip
    assert (status, err["field"]) == (400, "expires_on")
    status, err = nurse.post("/patients/MRN-0530/naloxone", {"kind": "handed_out", "where": "visit",
                                                             "lot_id": lot["id"], "count": 3})  # fmt: skip
    assert status == 400 and err == {
        "message": "not enough kits left in this lot (2 left)",
        "field": "count",
    }
    status, err = nurse.post(
        "/patients/MRN-0530/naloxone", {"kind": "handed_out", "where": "visit", "extra": 1}
    )
    assert (status, err["field"]) == (400, "extra")
    status, row = nurse.post("/patients/MRN-0530/naloxone", {"kind": "handed_out", "where": "visit",
                                                             "lot_id": lot["id"]})  # fmt: skip
    assert status == 201 and (row["count"], row["lot"], row["product"]) == (1, "NX-9", "nasal_4mg")
    status, mine = nurse.get("/patients/MRN-0530/naloxone")
    assert status == 200 and mine["on_hand"] is True and len(mine["history"]) == 1
    status, stock = nurse.get("/naloxone/stock")
    assert status == 200 and stock["usable_kits"] == 1 and stock["reorder"] is True
    status, cov = Api("dana.director", Role.DIRECTOR).get("/reports/naloxone")
    assert status == 200 and (
        cov["with_naloxone"],
        cov["active"],
        cov["share"],
        cov["without"],
    ) == (1, 1, 1.0, None)
    assert cov["by_group"] == [
        {"group": "xr_injection", "with_naloxone": 1, "active": 1, "share": 1.0}
    ]
    counselor = Api("cole.counselor", Role.COUNSELOR)
    assert counselor.get("/reports/naloxone")[0] == 403
    assert counselor.post("/naloxone/stock", {"product": "nasal_4mg", "lot": "Y",
                                              "expires_on": str(TODAY + timedelta(days=9)), "count": 1})[0] == 403  # fmt: skip


# --- an entry made in error ---------------------------------------------------------------------


def test_a_void_puts_the_kits_back_and_the_patient_no_longer_counts() -> None:
    p = without_naloxone("MRN-0540", TODAY - timedelta(days=3))
    lot = a_lot(count=3)
    row = give(p, lot, count=2)
    assert patient_on_hand(p, TODAY).on_hand
    assert read_coverage(TODAY, actor=COORDINATOR, at=NOW).coverage.overall.covered == 1
    voided = void_hand_out(p, row.pk, reason="  wrong patient's chart ", actor=NURSE, at=NOW)
    lot.refresh_from_db()
    assert lot.remaining == 3  # back on the shelf, in the same transaction
    assert (voided.voided_by, voided.void_reason, voided.voided_at) == (
        "nina.nurse", "wrong patient's chart", NOW)  # fmt: skip
    assert not patient_on_hand(p, TODAY).on_hand
    assert read_coverage(TODAY, actor=COORDINATOR, at=NOW).coverage.overall.covered == 0
    assert NaloxoneHandOut.objects.filter(pk=row.pk).exists()  # kept, not deleted
    event = AuditEvent.objects.filter(object_type="naloxone_hand_out", object_id=str(row.pk),
                                      action="update").get()  # fmt: skip
    assert event.patient_mrn == p.mrn and "2 x lot NX-1 back on the shelf (3 left)" in event.detail


def test_a_void_is_refused_by_field_and_changes_nothing() -> None:
    p = without_naloxone("MRN-0541", TODAY - timedelta(days=3))
    other = without_naloxone("MRN-0542", TODAY - timedelta(days=3))
    lot = a_lot(count=3)
    row = give(p, lot)
    cases: list[tuple[Patient, int | None, str, str, type[InputError]]] = [
        (p, row.pk, "  ", "reason", InputError),
        (p, None, "x", "hand_out", InputError),
        (other, row.pk, "x", "hand_out", NotFoundError),  # another patient's entry
    ]
    for whose, key, reason, field, error in cases:
        with pytest.raises(error) as exc:
            void_hand_out(whose, key, reason=reason, actor=NURSE, at=NOW)
        assert exc.value.field == field
    with pytest.raises(PermissionRefused):
        void_hand_out(p, row.pk, reason="x", actor=DIRECTOR, at=NOW)
    lot.refresh_from_db()
    assert lot.remaining == 2 and NaloxoneHandOut.objects.get(pk=row.pk).voided_at is None
    void_hand_out(p, row.pk, reason="never left the shelf", actor=NURSE, at=NOW)
    with pytest.raises(ConflictError):  # twice would put the kit back twice
        void_hand_out(p, row.pk, reason="again", actor=NURSE, at=NOW)
    lot.refresh_from_db()
    assert lot.remaining == 3


def test_a_declined_entry_voided_returns_no_kit_and_the_page_shows_it() -> None:
    p = without_naloxone("MRN-0543", TODAY - timedelta(days=3))
    lot = a_lot(count=1)
    row = hand_out(p, HandOutInput("declined", "visit"), actor=NURSE, at=NOW)
    nurse = login(Role.NURSE, "nora.void")
    url = f"/patients/{p.mrn}/naloxone/"
    page = nurse.post(url, {"form": "void", "void-hand_out": row.pk, "void-reason": ""})
    assert (
        page.status_code == 200 and "Why void it: This field is required." in page.content.decode()
    )
    answer = nurse.post(
        url, {"form": "void", "void-hand_out": row.pk, "void-reason": "another patient"}
    )
    assert answer.status_code == 302
    lot.refresh_from_db()
    assert lot.remaining == 1
    shown = nurse.get(url).content.decode()
    assert "Voided by nora.void" in shown and "another patient" in shown
    # who may hand out may void (the role matrix): a coordinator reads the page without the forms
    assert "Entered in error?" not in login(Role.COORDINATOR, "cora.void").get(url).content.decode()
    assert login(Role.COORDINATOR, "cora.void2").post(url, {"form": "void", "void-hand_out": row.pk,
                                                            "void-reason": "x"}).status_code == 403  # fmt: skip


def test_the_api_voids_an_entry() -> None:
    p = without_naloxone("MRN-0544", TODAY - timedelta(days=3))
    lot = a_lot(count=2)
    row = give(p, lot)
    nurse = Api("nina.nurse", Role.NURSE)
    status, err = nurse.post(f"/patients/{p.mrn}/naloxone/{row.pk}/void", {"reason": ""})
    assert (status, err["field"]) == (400, "reason")
    status, out = nurse.post(f"/patients/{p.mrn}/naloxone/{row.pk}/void", {"reason": "wrong chart"})
    assert (
        status == 200 and out["voided_by"] == "nina.nurse" and out["void_reason"] == "wrong chart"
    )
    assert nurse.post(f"/patients/{p.mrn}/naloxone/{row.pk}/void", {"reason": "again"})[0] == 409
    assert nurse.post(f"/patients/{p.mrn}/naloxone/999999/void", {"reason": "x"})[0] == 404
    status, mine = nurse.get(f"/patients/{p.mrn}/naloxone")
    assert mine["on_hand"] is False and mine["history"][0]["voided_at"] is not None
    lot.refresh_from_db()
    assert lot.remaining == 2


def test_the_demo_clinic_shows_coverage_below_everyone() -> None:
    from naltrack import demo

    demo.seed(TODAY, patients=len(demo.STAGES))
    r = read_coverage(TODAY, actor=COORDINATOR, at=NOW)
    assert 0 < r.coverage.overall.covered < r.coverage.overall.active
    assert r.without and NaloxoneHandOut.objects.filter(kind="handed_out").exists()
    assert (
        read_stock(TODAY, actor=NURSE).lots[0].usable is False
    )  # the expired lot still on the shelf
