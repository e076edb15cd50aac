"""The analytic extract (issue 14): the operational records read through the ORM and written as
the four Parquet tables of `facts.py`, under `facts_dir()/<table>/`.

Incremental and idempotent. Each source is one of two kinds:

- append-only sources (rows are written once and never edited in the fields the facts carry):
  MAR administrations, observations, check-ins, side effects, alerts. A run
  reads only the rows past the source's high-water mark (its highest row id, kept in
  `ExtractRun.marks`) and appends them as `<table>/part-<run>.parquet` (no file when none);
- mutable sources, rewritten whole by every run into `<table>/part-<run>-current.parquet`, which
  replaces the previous run's current part: episodes (a discharge edits them), implants (a
  removal edits them), the portal dose log (a correction overwrites an entry, and a tablet logged
  before the MAR recorded an oral dose that day stops counting), missed appointments (a booked
  visit is marked missed later), naloxone hand-outs (an entry made in error is voided later).

So a re-run with nothing new adds no row, and no row is ever counted twice. A merge of two charts
moves rows to another patient, which changes their patient key: a run that sees a new merge (or
`full=True`) rewrites everything, appended parts included; so does a run whose previous marks name
other append-only sources than today's (a source moved to the mutable kind would else be counted
in both its old appended parts and its new current part).

An observation, an event or a logged tablet has no episode of its own: it gets the episode open
on its day when it is extracted. The marks are row ids: a row whose id was taken before the mark
but committed after the run read (two writers at once, PostgreSQL) would be missed by the
incremental runs; a `full=True` run (nightly or weekly) picks it up.

Files are written under temporary names and renamed only when every table is written: a run that
fails leaves the previous facts as they were (and records no ExtractRun, so the next run reads
the same rows again).

Mapping of the end of an episode (`end_kind`, null while the episode is open):
- died: the discontinuation's coded reason is death;
- referred_out: the episode's medication choice referred the patient out (buprenorphine or
  methadone, issue 15): an outcome, not a loss (as in the program report);
- transferred: discontinued with reason transfer (to another program);
- completed: discontinued with reason completed (the planned end);
- lost_to_follow_up: discontinued with reason lost to follow-up, or an episode with the status
  lost_to_follow_up and no coded discontinuation;
- other: any other coded reason (hospitalisation, incarceration, patient's choice, other) or a
  discharge without a coded reason.
"""

from __future__ import annotations

import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db.models import Min, OuterRef, Subquery

from naltrack.alerts.models import Alert
from naltrack.appointments.models import Appointment, AppointmentStatus
from naltrack.choice.models import MedicationChoice
from naltrack.clinic import clinic_info
from naltrack.clinical.coverage import Administration as CoreDose
from naltrack.clinical.coverage import days_covered_by, with_self_reported
from naltrack.clinical.policy import Policy
from naltrack.clinical.vocab import Formulation, StopReason
from naltrack.clock import local_day
from naltrack.intake.models import Inquiry
from naltrack.monitoring.models import Observation, ObservationKind, SideEffect
from naltrack.naloxone.models import NaloxoneHandOut
from naltrack.patients.models import Episode, EpisodeStatus, Patient
from naltrack.selfreport.models import CheckIn, DoseLogEntry, DoseStatus
from naltrack.treatment.models import Administration, AdministrationStatus, Discontinuation, Implant

from .facts import TABLES
from .keys import keyer

CHUNK = 5000
CURRENT = "current"  # the suffix of the part that mutable sources rewrite each run
MERGES = "patient_merges"  # the marks' count of merged charts (a new merge forces a full run)
APPEND_SOURCES = ("administration", "observation", "checkin", "side_effect", "alert")

Progress = Callable[[str, int, int], None]  # (step, steps done, steps in all)
Row = tuple[Any, ...]


def facts_dir() -> Path:
    """Where the facts live: `<data dir>/outcomes/facts`."""
    data_dir: Path = settings.CONFIG.data_dir
    return data_dir / "outcomes" / "facts"


@dataclass
class ExtractResult:
    run_id: str
    full: bool
    marks: dict[str, int]
    appended: dict[str, int] = field(default_factory=dict)
    rewritten: dict[str, int] = field(default_factory=dict)
    total: dict[str, int] = field(default_factory=dict)

    def rows(self) -> dict[str, object]:
        """What `ExtractRun.rows` keeps: rows appended and rewritten per table, the rows each
        table holds after the run, and whether it was a full run."""
        return {"full": self.full, "appended": self.appended, "rewritten": self.rewritten,
                "total": self.total}  # fmt: skip


END_KIND = {
    StopReason.DEATH.value: "died",
    StopReason.TRANSFER.value: "transferred",
    StopReason.COMPLETED.value: "completed",
    StopReason.LOST_TO_FOLLOW_UP.value: "lost_to_follow_up",
}


def end_kind(status: str, stop_reason: str | None, referred_out: bool) -> str | None:
    """Why an episode ended, for the facts (the mapping is in the module's docstring)."""
    if status == EpisodeStatus.ACTIVE:
        return None
    if stop_reason == StopReason.DEATH.value:
        return "died"
    if referred_out:
        return "referred_out"
    if stop_reason:
        return END_KIND.get(stop_reason, "other")
    return "lost_to_follow_up" if status == EpisodeStatus.LOST_TO_FOLLOW_UP else "other"


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class _Keys:
    """The run's pseudonymous keys, one memo per kind."""

    def __init__(self) -> None:
        self.patient = keyer("patient")
        self.episode = keyer("episode")
        self.dose = keyer("dose")
        self.implant = keyer("implant")
        self.dose_log = keyer("dose_log")
        self._other: dict[str, dict[int, str]] = {}

    def of(self, kind: str, pk: int) -> str:
        memo = self._other.get(kind)
        if memo is None:
            memo = self._other[kind] = keyer(kind)
        return memo[pk]


class _Episodes:
    """Every episode by patient, to find the one open on a day (observations, events and the
    dose log carry no episode of their own)."""

    def __init__(self) -> None:
        self.by_patient: dict[int, list[tuple[date, date | None, int]]] = defaultdict(list)
        for pk, patient_id, start, end in Episode.objects.values_list(
            "pk", "patient_id", "start_date", "discharge_date"
        ).order_by("patient_id", "start_date", "pk"):
            self.by_patient[patient_id].append((start, end, pk))

    def open_on(self, patient_id: int, day: date) -> int | None:
        found = None
        for start, end, pk in self.by_patient.get(patient_id, ()):
            if start <= day and (end is None or day <= end):
                found = pk  # the latest start wins when two overlap
        return found


# --- the sources -------------------------------------------------------------------------------


class Reader:
    def __init__(self, policy: Policy, marks: dict[str, int], upto: dict[str, int]) -> None:
        self.policy = policy
        self.marks = marks  # rows already extracted: id <= mark
        self.upto = upto  # this run's marks: id <= upto (rows committed when the run began)
        self.keys = _Keys()
        self.episodes = _Episodes()

    def _range(self, source: str) -> dict[str, int]:
        return {"pk__gt": self.marks.get(source, 0), "pk__lte": self.upto[source]}

    def _episode_key(self, patient_id: int, day: date) -> str | None:
        pk = self.episodes.open_on(patient_id, day)
        return None if pk is None else self.keys.episode[pk]

    # doses ---------------------------------------------------------------------------------

    def mar_doses(self) -> list[Row]:
        k, out = self.keys, list[Row]()
        rows = (
            Administration.objects.filter(status=AdministrationStatus.GIVEN, **self._range("administration"))
            .order_by("pk")
            .values_list("pk", "episode_id", "patient_id", "given_on", "formulation", "dose_mg",
                         "observed", "first_dose", "reversal_agent_discussed", "opioid_use_reported")
        )  # fmt: skip
        for pk, ep, pt, day, form, mg, observed, first, naloxone, use in rows.iterator(CHUNK):
            dose = CoreDose(day, Formulation(form), mg)
            out.append((k.dose[pk], k.episode[ep], k.patient[pt], day, form,
                        None if mg is None else float(mg), days_covered_by(dose, self.policy),
                        observed, first, naloxone, use))  # fmt: skip
        return out

    def implant_doses(self, first_given: dict[int, date]) -> list[Row]:
        """Every implant (a removal edits the row: rewritten each run). Coverage from the core:
        the product's own days, cut at an early removal."""
        k, out = self.keys, list[Row]()
        rows = Implant.objects.order_by("episode_id", "inserted_on", "pk").values_list(
            "pk", "episode_id", "patient_id", "inserted_on", "dose_mg", "covered_days", "removed_on"
        )
        seen: set[int] = set()
        for pk, ep, pt, day, mg, covered, removed in rows.iterator(CHUNK):
            dose = CoreDose(day, Formulation.IMPLANT, None, covered, removed)
            before = first_given.get(ep)
            first = ep not in seen and (before is None or day <= before)
            seen.add(ep)
            out.append((k.implant[pk], k.episode[ep], k.patient[pt], day, Formulation.IMPLANT.value,
                        float(mg), days_covered_by(dose, self.policy), True, first, False,
                        False))  # fmt: skip
        return out

    def self_reported_doses(self) -> list[Row]:
        """Tablets the patient logged as taken in the portal: doses with observed=False, each
        counted only where the core counts it (`coverage.with_self_reported`: not on a day that
        already has an oral dose on the MAR)."""
        k, out = self.keys, list[Row]()
        taken: dict[int, dict[date, tuple[int, float | None]]] = defaultdict(dict)
        for pk, pt, day, mg in (
            DoseLogEntry.objects.filter(status=DoseStatus.TAKEN)
            .values_list("pk", "patient_id", "day", "dose_mg")
            .iterator(CHUNK)
        ):
            taken[pt][day] = (pk, None if mg is None else float(mg))
        if not taken:
            return out
        oral: dict[int, list[CoreDose]] = defaultdict(list)
        for pt, day, mg in Administration.objects.filter(
            status=AdministrationStatus.GIVEN, formulation=Formulation.ORAL,
            patient_id__in=list(taken),
        ).values_list("patient_id", "given_on", "dose_mg").iterator(CHUNK):  # fmt: skip
            oral[pt].append(CoreDose(day, Formulation.ORAL, mg))
        for pt, entries in taken.items():
            logged = [(day, mg) for day, (_pk, mg) in entries.items()]
            for dose in with_self_reported(oral[pt], logged):
                if not dose.self_reported:
                    continue
                pk = entries[dose.date][0]
                out.append((k.dose_log[pk], self._episode_key(pt, dose.date), k.patient[pt],
                            dose.date, Formulation.ORAL.value, dose.dose_mg,
                            days_covered_by(dose, self.policy), False, False, False,
                            False))  # fmt: skip
        return out

    # episodes ------------------------------------------------------------------------------

    def first_given(self) -> dict[int, date]:
        return dict(
            Administration.objects.filter(status=AdministrationStatus.GIVEN)
            .values("episode_id").annotate(on=Min("given_on")).values_list("episode_id", "on")
        )  # fmt: skip

    def episodes_rows(self, first_given: dict[int, date]) -> list[Row]:
        k, out = self.keys, list[Row]()
        first_mar = Administration.objects.filter(
            episode=OuterRef("pk"), status=AdministrationStatus.GIVEN
        ).order_by("given_on", "pk")
        first_implant = Implant.objects.filter(episode=OuterRef("pk")).order_by("inserted_on", "pk")
        stops = dict(Discontinuation.objects.values_list("episode_id", "reason"))
        referred = set(
            MedicationChoice.objects.exclude(referral_program="").values_list(
                "episode_id", flat=True
            )
        )
        sources = self._referral_sources()
        clinic = clinic_info().name
        rows = (
            Episode.objects.annotate(
                mar_form=Subquery(first_mar.values("formulation")[:1]),
                implant_on=Subquery(first_implant.values("inserted_on")[:1]),
            )
            .order_by("pk")
            .values_list("pk", "patient_id", "start_date", "discharge_date", "status", "treats_oud",
                         "treats_aud", "patient__sex_at_birth", "patient__birth_date", "mar_form",
                         "implant_on")
        )  # fmt: skip
        for pk, pt, start, end, status, oud, aud, sex, born, mar_form, implant_on in rows.iterator(
            CHUNK
        ):
            mar_on = first_given.get(pk)
            first, form = mar_on, mar_form
            if implant_on is not None and (mar_on is None or implant_on < mar_on):
                first, form = implant_on, Formulation.IMPLANT.value
            out.append((k.episode[pk], k.patient[pt], clinic, start, first, end,
                        end_kind(status, stops.get(pk), pk in referred), oud, aud,
                        sex or "unknown", _age(born, start), sources.get(pk, ""), form))  # fmt: skip
        return out

    def _referral_sources(self) -> dict[int, str]:
        """Intake's referral source of an inquiry converted to a patient, on the patient's first
        episode starting on or after the conversion."""
        episodes: dict[int, list[tuple[date, int]]] = defaultdict(list)
        for patient_id, spans in self.episodes.by_patient.items():
            episodes[patient_id] = [(start, pk) for start, _end, pk in spans]
        out: dict[int, str] = {}
        for patient_id, converted, source in (
            Inquiry.objects.filter(patient__isnull=False, converted_at__isnull=False)
            .order_by("converted_at", "pk")
            .values_list("patient_id", "converted_at", "source")
        ):
            if converted is None:  # excluded by the filter; for the type checker
                continue
            day = local_day(converted)
            for start, pk in episodes.get(patient_id, ()):
                if start >= day and pk not in out:
                    out[pk] = source
                    break
        return out

    # observations --------------------------------------------------------------------------

    def observations(self) -> list[Row]:
        k, out = self.keys, list[Row]()
        rows = (
            Observation.objects.filter(**self._range("observation")).order_by("pk")
            .values_list("pk", "patient_id", "kind", "observed_on", "total", "band", "data")
        )  # fmt: skip
        for pk, pt, kind, day, total, band, data in rows.iterator(CHUNK):
            pkey, ekey = k.patient[pt], self._episode_key(pt, day)
            if kind == ObservationKind.SUBSTANCE_USE:
                # One report of use: an opioid row and an alcohol row, each 1 or 0.
                source = "self" if data.get("source") == "check_in" else "clinic"
                opioid, alcohol = bool(data.get("opioid")), bool(data.get("alcohol"))
                out.append((k.of("observation.opioid_use", pk), pkey, ekey, day, "opioid_use",
                            float(opioid), "", opioid, None, source))  # fmt: skip
                out.append((k.of("observation.alcohol_use", pk), pkey, ekey, day, "alcohol_use",
                            float(alcohol), "", None, alcohol, source))  # fmt: skip
            elif kind == ObservationKind.URINE_SCREEN:
                # Every analyte on the panel is an opioid (screening_facts.Analyte): the band is
                # "positive" when any was, as the program report reads it.
                out.append((k.of("observation", pk), pkey, ekey, day, kind, None, band,
                            band == "positive", None, "clinic"))  # fmt: skip
            else:
                out.append((k.of("observation", pk), pkey, ekey, day, kind, total, band, None,
                            None, "clinic"))  # fmt: skip
        return out

    def checkin_observations(self) -> list[Row]:
        """The portal's daily check-in: craving, reported opioid and alcohol use, and the PHQ-2
        on the days it was asked, all with source "self"."""
        k, out = self.keys, list[Row]()
        rows = (
            CheckIn.objects.filter(**self._range("checkin")).order_by("pk")
            .values_list("pk", "patient_id", "day", "craving", "opioid_use", "alcohol_use",
                         "phq2_interest", "phq2_mood")
        )  # fmt: skip
        for pk, pt, day, craving, opioid, alcohol, interest, mood in rows.iterator(CHUNK):
            pkey, ekey = k.patient[pt], self._episode_key(pt, day)
            out.append((k.of("checkin.craving", pk), pkey, ekey, day, "craving", float(craving),
                        "", None, None, "self"))  # fmt: skip
            out.append((k.of("checkin.opioid_use", pk), pkey, ekey, day, "opioid_use",
                        float(opioid), "", opioid, None, "self"))  # fmt: skip
            out.append((k.of("checkin.alcohol_use", pk), pkey, ekey, day, "alcohol_use",
                        float(alcohol), "", None, alcohol, "self"))  # fmt: skip
            if interest is not None and mood is not None:
                out.append((k.of("checkin.phq2", pk), pkey, ekey, day, "phq2",
                            float(interest + mood), "", None, None, "self"))  # fmt: skip
        return out

    def mar_observations(self) -> list[Row]:
        """Opioid use the patient reported at a MAR visit (given, held or refused). Only a
        reported use is a row: the field's default (no) does not say the question was asked."""
        k, out = self.keys, list[Row]()
        rows = (
            Administration.objects.filter(opioid_use_reported=True, **self._range("administration"))
            .order_by("pk").values_list("pk", "patient_id", "episode_id", "given_on")
        )  # fmt: skip
        for pk, pt, ep, day in rows.iterator(CHUNK):
            out.append((k.of("administration.opioid_use", pk), k.patient[pt], k.episode[ep], day,
                        "opioid_use", 1.0, "", True, None, "clinic"))  # fmt: skip
        return out

    # events --------------------------------------------------------------------------------

    def side_effects(self) -> list[Row]:
        """Side effects; `dose_key` when one follows a dose given (a held or refused line of
        the MAR is no dose)."""
        k, out = self.keys, list[Row]()
        rows = (
            SideEffect.objects.filter(**self._range("side_effect")).order_by("pk")
            .values_list("pk", "patient_id", "noted_on", "kind", "severity", "administration_id",
                         "administration__status")
        )  # fmt: skip
        for pk, pt, day, kind, severity, admin, status in rows.iterator(CHUNK):
            dose = (
                k.dose[admin]
                if admin is not None and status == AdministrationStatus.GIVEN
                else None
            )
            out.append((k.of("side_effect", pk), k.patient[pt], self._episode_key(pt, day), day,
                        "side_effect", kind, severity, dose))  # fmt: skip
        return out

    def alerts(self) -> list[Row]:
        """Alerts raised, by the clinic's day they were raised; code and severity as first
        extracted (a later re-wording of an unresolved alert is not followed)."""
        k, out = self.keys, list[Row]()
        rows = (
            Alert.objects.filter(**self._range("alert")).order_by("pk")
            .values_list("pk", "patient_id", "raised_at", "code", "severity")
        )  # fmt: skip
        for pk, pt, raised, code, severity in rows.iterator(CHUNK):
            day = local_day(raised)
            out.append((k.of("alert", pk), k.patient[pt], self._episode_key(pt, day), day, "alert",
                        code, severity, None))  # fmt: skip
        return out

    def naloxone(self) -> list[Row]:
        """Naloxone hand-outs: code handed_out, has_one or declined. An entry made in error is
        voided later, so the part is rewritten each run (a small table) and voided ones are left
        out."""
        k, out = self.keys, list[Row]()
        rows = (
            NaloxoneHandOut.objects.filter(voided_at__isnull=True).order_by("pk")
            .values_list("pk", "patient_id", "given_on", "kind")
        )  # fmt: skip
        for pk, pt, day, kind in rows.iterator(CHUNK):
            out.append((k.of("naloxone", pk), k.patient[pt], self._episode_key(pt, day), day,
                        "naloxone_kit", kind, "", None))  # fmt: skip
        return out

    def missed_appointments(self) -> list[Row]:
        k, out = self.keys, list[Row]()
        rows = (
            Appointment.objects.filter(status=AppointmentStatus.MISSED).order_by("pk")
            .values_list("pk", "patient_id", "on", "kind")
        )  # fmt: skip
        for pk, pt, day, kind in rows.iterator(CHUNK):
            out.append((k.of("appointment", pk), k.patient[pt], self._episode_key(pt, day), day,
                        "missed_appointment", kind, "", None))  # fmt: skip
        return out


# --- the run -----------------------------------------------------------------------------------


def current_marks() -> dict[str, int]:
    """Each append-only source's highest row id now, and the count of merged charts."""
    models = {
        "administration": Administration, "observation": Observation, "checkin": CheckIn,
        "side_effect": SideEffect, "alert": Alert,
    }  # fmt: skip
    marks = {
        name: int(model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)  # type: ignore[attr-defined]
        for name, model in models.items()
    }
    marks[MERGES] = Patient.objects.filter(merged_into__isnull=False).count()
    return marks


def _table(schema: pa.Schema, rows: Sequence[Row]) -> pa.Table:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.table(
        [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)], schema=schema
    )


def new_run_id(at: datetime) -> str:
    return f"{at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def stage(directory: Path, *, policy: Policy, previous: dict[str, int] | None, run_id: str,
          full: bool = False, progress: Progress | None = None) -> Staged:  # fmt: skip
    """Read the sources and write the new parts under temporary names (see the module's
    docstring); nothing the readers see changes until `Staged.publish()`. `previous` is the last
    successful run's marks (None: never run)."""
    upto = current_marks()
    if previous is None or previous.get(MERGES, 0) != upto[MERGES] or set(previous) != set(upto):
        full = True
    reader = Reader(policy, {} if full else dict(previous or {}), upto)
    first_given = reader.first_given()
    steps: list[tuple[str, str, Callable[[], list[Row]], bool]] = [
        ("episodes", "episodes", lambda: reader.episodes_rows(first_given), False),
        ("doses", "administrations", reader.mar_doses, True),
        ("doses", "implants", lambda: reader.implant_doses(first_given), False),
        ("doses", "dose log", reader.self_reported_doses, False),
        ("observations", "observations", reader.observations, True),
        ("observations", "check-ins", reader.checkin_observations, True),
        ("observations", "reported use at the MAR", reader.mar_observations, True),
        ("events", "side effects", reader.side_effects, True),
        ("events", "alerts", reader.alerts, True),
        ("events", "naloxone", reader.naloxone, False),
        ("events", "missed appointments", reader.missed_appointments, False),
    ]
    appended: dict[str, list[Row]] = {t: [] for t in TABLES}
    rewritten: dict[str, list[Row]] = {t: [] for t in TABLES}
    for i, (table, label, read, append) in enumerate(steps):
        if progress is not None:
            progress(label, i, len(steps) + 1)
        (appended if append else rewritten)[table].extend(read())
    if progress is not None:
        progress("writing", len(steps), len(steps) + 1)
    staged = Staged(directory, ExtractResult(run_id, full, upto))
    staged.write(appended, rewritten)
    if progress is not None:
        progress("written", len(steps) + 1, len(steps) + 1)
    return staged


class Staged:
    """A run's parts, written under temporary names: `publish()` renames them into place and
    removes what they replace; `discard()` removes them, leaving the previous facts."""

    def __init__(self, directory: Path, result: ExtractResult) -> None:
        self.directory = directory
        self.result = result
        self.files: list[tuple[Path, Path]] = []  # (temporary, final)
        self.replaced: list[Path] = []

    def write(self, appended: dict[str, list[Row]], rewritten: dict[str, list[Row]]) -> None:
        result, run_id = self.result, self.result.run_id
        try:
            for table, schema in TABLES.items():
                folder = self.directory / table
                folder.mkdir(parents=True, exist_ok=True)
                kept = 0
                for old in sorted(folder.glob("*.parquet")):
                    if result.full or old.name.endswith(f"-{CURRENT}.parquet"):
                        self.replaced.append(old)
                    else:
                        kept += pq.ParquetFile(old).metadata.num_rows
                parts = [(f"part-{run_id}-{CURRENT}.parquet", rewritten[table])]
                if appended[table]:
                    parts.append((f"part-{run_id}.parquet", appended[table]))
                for name, rows in parts:
                    final = folder / name
                    tmp = folder / f".{name}.tmp"
                    self.files.append((tmp, final))
                    pq.write_table(_table(schema, rows), tmp)
                result.appended[table] = len(appended[table])
                result.rewritten[table] = len(rewritten[table])
                result.total[table] = kept + len(appended[table]) + len(rewritten[table])
            self.write_coverage()
        except BaseException:
            self.discard()
            raise

    def write_coverage(self) -> None:
        """The covered runs of every dose the published facts will hold (the parts kept and the
        new ones), rewritten whole (`facts.COVERAGE`, `measures.coverage_of`)."""
        from .measures import coverage_of

        doses = self.directory / "doses"
        new = [tmp for tmp, final in self.files if final.parent == doses]
        kept = [p for p in sorted(doses.glob("*.parquet")) if p not in self.replaced]
        folder = self.directory / "coverage"
        folder.mkdir(parents=True, exist_ok=True)
        self.replaced.extend(sorted(folder.glob("*.parquet")))
        final = folder / f"part-{self.result.run_id}.parquet"
        tmp = folder / f".{final.name}.tmp"
        self.files.append((tmp, final))
        table = coverage_of([*kept, *new])
        pq.write_table(table, tmp)
        self.result.total["coverage"] = table.num_rows

    def publish(self) -> None:
        for tmp, final in self.files:
            os.replace(tmp, final)
        for old in self.replaced:
            old.unlink(missing_ok=True)

    def discard(self) -> None:
        for tmp, _final in self.files:
            tmp.unlink(missing_ok=True)


def coverage_facts(policy: Policy) -> dict[str, pa.Table]:
    """The episodes and the doses as facts, read now and kept in memory (nothing written): what
    the program report measures its retention on, through the same measures as the Outcomes
    page (`measures.retention_counts`)."""
    reader = Reader(policy, {}, current_marks())
    first_given = reader.first_given()
    doses = [*reader.mar_doses(), *reader.implant_doses(first_given), *reader.self_reported_doses()]
    return {
        "episodes": _table(TABLES["episodes"], reader.episodes_rows(first_given)),
        "doses": _table(TABLES["doses"], doses),
    }
