"""The analytic extract (issue 14): the facts match the records, keys are pseudonymous, coverage
is the core's, runs are incremental and idempotent, and a failed run leaves the facts intact."""

from __future__ import annotations

import dataclasses
import fcntl
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from naltrack import demo
from naltrack.accounts.actors import Console, PermissionRefused
from naltrack.audit.models import AuditEvent
from naltrack.cli.main import main
from naltrack.clinic import active_policy
from naltrack.clinical.coverage import Administration as CoreDose
from naltrack.clinical.coverage import covered_segments, days_covered_by, with_self_reported
from naltrack.clinical.errors import InputError
from naltrack.clinical.vocab import Formulation
from naltrack.merge.services import merge_charts
from naltrack.monitoring.services import record_observation
from naltrack.naloxone.services import (
    HandOutInput,
    ReceiveInput,
    hand_out,
    receive_stock,
    void_hand_out,
)
from naltrack.outcomes import extract
from naltrack.outcomes.extract import end_kind
from naltrack.outcomes.facts import DERIVED, TABLES
from naltrack.outcomes.keys import pseudonym
from naltrack.outcomes.models import ExtractRun
from naltrack.outcomes.services import run_extract
from naltrack.patients.models import Episode, Patient
from naltrack.patients.services import PatientInput, register_patient
from naltrack.selfreport.models import DoseLogEntry
from naltrack.treatment.implants import insert_implant, remove_implant
from naltrack.treatment.models import Administration, AdministrationStatus, Implant
from naltrack.treatment.services import record_administration
from tests.integration.conftest import (
    COORDINATOR,
    DIRECTOR,
    NURSE,
    OUTSIDER,
    PRESCRIBER,
    TODAY,
    at,
    injection,
    make_patient,
    started_on_injection,
)

pytestmark = pytest.mark.django_db


def read(directory: Path, table: str) -> pa.Table:
    return pq.read_table(directory / table, schema={**TABLES, **DERIVED}[table])


def rows(directory: Path, table: str) -> list[tuple[Any, ...]]:
    t = read(directory, table)
    return sorted(tuple(r.values()) for r in t.to_pylist())


def joined(runs: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Runs with no day between them joined, empty ones dropped."""
    out: list[tuple[date, date]] = []
    for start, end in sorted(r for r in runs if r[0] < r[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*"))
            if p.is_file()}  # fmt: skip


def extract_to(directory: Path, day: date = TODAY, *, full: bool = False) -> ExtractRun:
    return run_extract(actor=DIRECTOR, at=at(day, 23), full=full, directory=directory)


@pytest.fixture
def clinic(db: None) -> None:
    demo.seed(TODAY, patients=len(demo.STAGES))


def test_demo_clinic_facts_match_the_records(clinic: None, tmp_path: Path) -> None:
    run = extract_to(tmp_path)
    policy = active_policy()
    for table, schema in TABLES.items():
        assert read(tmp_path, table).schema == schema
        assert run.rows["total"][table] == read(tmp_path, table).num_rows
    episodes = {r["episode_key"]: r for r in read(tmp_path, "episodes").to_pylist()}
    assert set(episodes) == {
        pseudonym("episode", pk) for pk in Episode.objects.values_list("pk", flat=True)
    }
    for e in Episode.objects.select_related("patient"):
        row = episodes[pseudonym("episode", e.pk)]
        assert row["patient_key"] == pseudonym("patient", e.patient_id)
        assert (row["start_date"], row["end_date"]) == (e.start_date, e.discharge_date)
        assert (row["treats_oud"], row["treats_aud"]) == (e.treats_oud, e.treats_aud)
        assert row["sex"] == e.patient.sex_at_birth
        assert (row["end_kind"] is None) == (e.status == "active")
    doses = {r["dose_key"]: r for r in read(tmp_path, "doses").to_pylist()}
    given = Administration.objects.filter(status=AdministrationStatus.GIVEN)
    assert given.exists() and Implant.objects.exists()
    for a in given:
        row = doses[pseudonym("dose", a.pk)]
        assert row["episode_key"] == pseudonym("episode", a.episode_id)
        assert (row["day"], row["formulation"], row["observed"]) == (
            a.given_on,
            a.formulation,
            a.observed,
        )
        assert row["covered_days"] == days_covered_by(
            CoreDose(a.given_on, Formulation(a.formulation), a.dose_mg), policy
        )
    for i in Implant.objects.all():
        row = doses[pseudonym("implant", i.pk)]
        core = CoreDose(i.inserted_on, Formulation.IMPLANT, None, i.covered_days, i.removed_on)
        assert (row["formulation"], row["covered_days"]) == (
            "implant",
            days_covered_by(core, policy),
        )
    # Held and refused administrations are no doses.
    mar = {
        k
        for k in doses
        if k
        in {pseudonym("dose", pk) for pk in Administration.objects.values_list("pk", flat=True)}
    }
    assert len(mar) == given.count()
    # The covered runs derived beside the doses: each episode's are the core's carry-forward
    # segments of its doses.
    assert run.rows["total"]["coverage"] == read(tmp_path, "coverage").num_rows > 0
    runs: dict[str, list[tuple[date, date]]] = {}
    for r in read(tmp_path, "coverage").to_pylist():
        runs.setdefault(r["episode_key"], []).append((r["covered_from"], r["covered_until"]))
    supply: dict[str, list[CoreDose]] = {}
    for r in doses.values():
        supply.setdefault(r["episode_key"], []).append(
            CoreDose(r["day"], Formulation.IMPLANT, None, r["covered_days"])
        )
    assert set(runs) == set(supply)
    for episode_key, given_doses in supply.items():
        segments = covered_segments(given_doses, policy)
        assert joined(runs[episode_key]) == joined(list(segments)), episode_key
    kinds = set(read(tmp_path, "observations").column("kind").to_pylist())
    assert {"urine_screen", "phq9", "craving"} <= kinds
    assert set(read(tmp_path, "events").column("kind").to_pylist()) >= {"alert", "naloxone_kit"}


def test_no_mrn_or_name_anywhere_in_the_parquet_bytes(clinic: None, tmp_path: Path) -> None:
    extract_to(tmp_path)
    blobs = files(tmp_path)
    values = " ".join(
        str(v) for t in TABLES for r in read(tmp_path, t).to_pylist() for v in r.values()
    )
    words = {w for p in Patient.objects.all() for w in (p.mrn, p.given_name, p.family_name, p.phone, p.email)
             if len(w) >= 4}  # fmt: skip
    assert words
    for word in words:
        assert word not in values
        for blob in blobs.values():
            assert word.encode() not in blob


def test_keys_are_stable_and_differ_by_kind() -> None:
    assert pseudonym("patient", 7) == pseudonym("patient", 7)
    assert pseudonym("patient", 7) != pseudonym("episode", 7)
    assert len(pseudonym("dose", 1)) == 20 and int(pseudonym("dose", 1), 16) >= 0


def test_a_second_run_adds_only_the_new_rows_and_a_rerun_adds_none(
    db: None, tmp_path: Path
) -> None:
    first = TODAY - timedelta(days=40)
    p = started_on_injection("MRN-0200", first)
    one = extract_to(tmp_path, TODAY - timedelta(days=30))
    assert one.rows["full"] is True and one.rows["appended"]["doses"] == 1
    record_administration(
        p,
        injection(TODAY - timedelta(days=12), site="right"),
        actor=NURSE,
        at=at(TODAY - timedelta(days=12)),
    )
    record_observation(p, kind="craving", observed_on=TODAY - timedelta(days=12), data={"value": 4}, actor=NURSE,
                       at=at(TODAY - timedelta(days=12), 11))  # fmt: skip
    two = extract_to(tmp_path, TODAY - timedelta(days=10))
    assert two.rows["full"] is False
    assert two.rows["appended"]["doses"] == 1
    assert two.rows["appended"]["observations"] == 1
    assert len(rows(tmp_path, "doses")) == 2
    before = {t: rows(tmp_path, t) for t in (*TABLES, "coverage")}
    three = extract_to(tmp_path, TODAY - timedelta(days=9))
    assert three.rows["appended"] == {t: 0 for t in TABLES}
    assert {t: rows(tmp_path, t) for t in (*TABLES, "coverage")} == before
    # A full rewrite holds exactly the union of the incremental runs.
    full = extract_to(tmp_path / "again", TODAY - timedelta(days=9), full=True)
    assert full.rows["full"] is True
    assert {t: rows(tmp_path / "again", t) for t in (*TABLES, "coverage")} == before
    extract_to(tmp_path, TODAY - timedelta(days=9), full=True)
    assert {t: rows(tmp_path, t) for t in (*TABLES, "coverage")} == before
    assert len(list((tmp_path / "doses").glob("*.parquet"))) <= 2  # the full run replaced the parts


def test_an_implant_removed_after_the_first_extract_is_reflected(db: None, tmp_path: Path) -> None:
    p = started_on_injection("MRN-0300", TODAY - timedelta(days=60))
    implant = insert_implant(p, inserted_on=TODAY - timedelta(days=30), product="naltrexone implant",
                             dose_mg=1800, lot="IMP-1", site="left lower abdomen", actor=PRESCRIBER,
                             at=at(TODAY - timedelta(days=30)))  # fmt: skip
    extract_to(tmp_path, TODAY - timedelta(days=20))
    key = pseudonym("implant", implant.pk)
    before = [r for r in read(tmp_path, "doses").to_pylist() if r["dose_key"] == key]
    assert [r["covered_days"] for r in before] == [implant.covered_days]
    remove_implant(implant.pk, removed_on=TODAY - timedelta(days=10), reason="patient asked", actor=PRESCRIBER,
                   at=at(TODAY - timedelta(days=10)))  # fmt: skip
    extract_to(tmp_path, TODAY - timedelta(days=5))
    after = [r for r in read(tmp_path, "doses").to_pylist() if r["dose_key"] == key]
    assert [r["covered_days"] for r in after] == [20]  # one row, cut at the removal (day 20)
    assert [r["first_dose"] for r in after] == [False]  # the injection was the first dose
    episode = read(tmp_path, "episodes").to_pylist()[0]
    assert (episode["first_dose"], episode["formulation"]) == (
        TODAY - timedelta(days=60),
        "xr_injection",
    )


def test_a_naloxone_entry_voided_after_the_first_extract_leaves_the_facts(
    db: None, tmp_path: Path
) -> None:
    p = started_on_injection("MRN-0310", TODAY - timedelta(days=40))
    lot = receive_stock(ReceiveInput("nasal_4mg", "NX-E", TODAY + timedelta(days=300), 4),
                        actor=NURSE, at=at(TODAY - timedelta(days=20)))  # fmt: skip
    kept, wrong = (
        hand_out(p, HandOutInput("handed_out", "visit", lot.pk), actor=NURSE,
                 at=at(TODAY - timedelta(days=d)))
        for d in (20, 19)
    )  # fmt: skip

    def kits() -> list[str]:
        return sorted(r["event_key"] for r in read(tmp_path, "events").to_pylist()
                      if r["kind"] == "naloxone_kit")  # fmt: skip

    extract_to(tmp_path, TODAY - timedelta(days=15))
    assert kits() == sorted(pseudonym("naloxone", h.pk) for h in (kept, wrong))
    void_hand_out(
        p, wrong.pk, reason="another patient's", actor=NURSE, at=at(TODAY - timedelta(days=10))
    )
    again = extract_to(tmp_path, TODAY - timedelta(days=5))
    assert again.rows["full"] is False and kits() == [pseudonym("naloxone", kept.pk)]


def test_marks_naming_other_append_sources_force_a_full_run(db: None, tmp_path: Path) -> None:
    """A warehouse written when naloxone hand-outs were appended: its marks name them; the next
    run rewrites everything, so no hand-out is in both an old appended part and a current one."""
    p = started_on_injection("MRN-0311", TODAY - timedelta(days=40))
    hand_out(p, HandOutInput("has_one", "visit"), actor=NURSE, at=at(TODAY - timedelta(days=20)))
    first = extract_to(tmp_path, TODAY - timedelta(days=15))
    ExtractRun.objects.filter(pk=first.pk).update(marks={**first.marks, "naloxone": 1})
    assert extract_to(tmp_path, TODAY - timedelta(days=5)).rows["full"] is True
    assert [r["kind"] for r in read(tmp_path, "events").to_pylist()].count("naloxone_kit") == 1


def test_a_logged_tablet_counts_where_the_core_counts_it(db: None, tmp_path: Path) -> None:
    """A tablet the patient logged on a day with an oral dose on the MAR is not a second dose
    (coverage.with_self_reported); on another day it is a dose, not observed."""
    p = make_patient("MRN-0400", start=TODAY - timedelta(days=30))
    mar_day = TODAY - timedelta(days=20)
    Administration.objects.create(
        patient=p, episode=p.episodes.get(), given_at=at(mar_day), given_on=mar_day, formulation="oral",
        product="naltrexone 50 mg", dose_mg=50, route="oral", site="oral", status="given",
        recorded_by="nina.nurse", recorded_at=at(mar_day),
    )  # fmt: skip
    for day in (mar_day, mar_day + timedelta(days=1)):
        DoseLogEntry.objects.create(patient=p, day=day, status="taken", dose_mg=50, recorded_by="patient:x",
                                    recorded_at=at(day, 20))  # fmt: skip
    extract_to(tmp_path, TODAY - timedelta(days=10))
    logged = [r for r in read(tmp_path, "doses").to_pylist() if not r["observed"]]
    core = [d for d in with_self_reported([CoreDose(mar_day, Formulation.ORAL, 50)],
                                          [(mar_day, 50.0), (mar_day + timedelta(days=1), 50.0)])
            if d.self_reported]  # fmt: skip
    assert [(r["day"], r["covered_days"]) for r in logged] == [
        (d.date, days_covered_by(d)) for d in core
    ]
    assert [r["day"] for r in logged] == [mar_day + timedelta(days=1)]


def test_a_failure_mid_run_leaves_the_previous_facts(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = started_on_injection("MRN-0500", TODAY - timedelta(days=40))
    extract_to(tmp_path, TODAY - timedelta(days=30))
    before, runs = files(tmp_path), ExtractRun.objects.count()
    record_administration(
        p,
        injection(TODAY - timedelta(days=12), site="right"),
        actor=NURSE,
        at=at(TODAY - timedelta(days=12)),
    )

    def broken(self: Any) -> list[Any]:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(extract.Reader, "missed_appointments", broken)
    with pytest.raises(RuntimeError):
        extract_to(tmp_path, TODAY - timedelta(days=10))
    assert files(tmp_path) == before and ExtractRun.objects.count() == runs
    # A failure after the files are staged (the run's record) leaves them as they were too.
    monkeypatch.undo()
    monkeypatch.setattr(
        extract.Staged, "publish", lambda self: (_ for _ in ()).throw(OSError("disk full"))
    )
    with pytest.raises(OSError):
        extract_to(tmp_path, TODAY - timedelta(days=10))
    assert files(tmp_path) == before and ExtractRun.objects.count() == runs
    monkeypatch.undo()
    assert extract_to(tmp_path, TODAY - timedelta(days=10)).rows["appended"]["doses"] == 1


def test_the_run_is_audited_and_needs_the_reports_right(db: None, tmp_path: Path) -> None:
    with pytest.raises(PermissionRefused):
        run_extract(actor=OUTSIDER, at=at(TODAY), directory=tmp_path)
    with pytest.raises(PermissionRefused):
        run_extract(actor=NURSE, at=at(TODAY), directory=tmp_path)
    assert not ExtractRun.objects.exists()
    run = run_extract(actor=Console("console:ops"), at=at(TODAY), directory=tmp_path)
    event = AuditEvent.objects.get(object_type="outcomes_extract")
    assert (event.actor, event.action, event.object_id) == ("console:ops", "export", str(run.pk))
    assert run.run_by == "console:ops"


@pytest.mark.parametrize(
    ("status", "reason", "referred", "expected"),
    [
        ("active", None, False, None),
        ("active", None, True, None),
        ("discharged", "death", True, "died"),
        ("discharged", "transfer", False, "transferred"),
        ("discharged", "completed", False, "completed"),
        ("discharged", "completed", True, "referred_out"),
        ("lost_to_follow_up", "lost_to_follow_up", False, "lost_to_follow_up"),
        ("lost_to_follow_up", None, False, "lost_to_follow_up"),
        ("discharged", "patient_choice", False, "other"),
        ("discharged", "hospitalisation", False, "other"),
        ("discharged", "incarceration", False, "other"),
        ("discharged", None, False, "other"),
        ("discharged", None, True, "referred_out"),
    ],
)
def test_end_kind(status: str, reason: str | None, referred: bool, expected: str | None) -> None:
    assert end_kind(status, reason, referred) == expected


def test_the_command_prints_one_line_of_json_and_its_progress_on_stderr(
    clinic: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: Any
) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)
    assert main(["outcomes", "extract", "--dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    [line] = out.splitlines()
    summary = json.loads(line)
    assert summary["full"] is True and summary["directory"] == str(tmp_path.resolve())
    assert summary["total"]["doses"] == read(tmp_path, "doses").num_rows > 0
    assert "extract [" in err and "missed appointments" in err
    assert ExtractRun.objects.get().run_by.startswith("console:")
    assert main(["outcomes", "extract", "--dir", str(tmp_path), "--quiet"]) == 0
    out, err = capsys.readouterr()
    again = json.loads(out)
    assert again["appended"] == {t: 0 for t in TABLES} and again["total"] == summary["total"]
    assert err == ""


def test_the_command_without_an_action_shows_its_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["outcomes"]) == 2
    assert "extract" in capsys.readouterr().err


def test_a_merge_of_two_charts_rewrites_every_key(db: None, tmp_path: Path) -> None:
    """A merge moves the duplicate's rows to the surviving chart: their patient key changes, so
    the next run is a full one, and no row keeps the duplicate's key."""
    survivor = started_on_injection("MRN-0600", TODAY - timedelta(days=40))
    duplicate = register_patient(
        PatientInput(mrn="MRN-0601", given_name="Test", family_name="Patient MRN-0600",
                     birth_date=date(1985, 6, 1), sex_at_birth="male"),
        actor=COORDINATOR, at=at(TODAY - timedelta(days=30)),
    )  # fmt: skip
    record_observation(duplicate, kind="craving", observed_on=TODAY - timedelta(days=30), data={"value": 6},
                       actor=NURSE, at=at(TODAY - timedelta(days=30), 11))  # fmt: skip
    extract_to(tmp_path, TODAY - timedelta(days=25))
    old = pseudonym("patient", duplicate.pk)
    assert old in read(tmp_path, "observations").column("patient_key").to_pylist()
    merge_charts(survivor.mrn, duplicate.mrn, reason="one person registered twice", actor=DIRECTOR,
                 at=at(TODAY - timedelta(days=20)))  # fmt: skip
    run = extract_to(tmp_path, TODAY - timedelta(days=19))
    assert run.rows["full"] is True
    keys = {k for t in TABLES for k in read(tmp_path, t).column("patient_key").to_pylist()}
    assert old not in keys and pseudonym("patient", survivor.pk) in keys
    assert len(rows(tmp_path, "observations")) == len(set(rows(tmp_path, "observations")))


def test_one_extract_at_a_time_into_a_folder(db: None, tmp_path: Path) -> None:
    tmp_path.mkdir(exist_ok=True)
    with open(tmp_path / ".extract.lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(InputError) as refused:
            extract_to(tmp_path)
        assert refused.value.field == "dir"
    assert not ExtractRun.objects.exists()
    assert extract_to(tmp_path).rows["full"] is True
