"""The outcomes capability end to end (issue 14): the records extracted, every measure computed on
DuckDB and kept, the program report's retention equal to the Outcomes measure's (one definition),
the director's Compute now and the commands, with nothing faked."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from naltrack import demo
from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditEvent
from naltrack.cli.main import main
from naltrack.outcomes.models import MeasureRun
from naltrack.outcomes.runs import compute_measures
from naltrack.reports.services import RETENTION_DAYS, build_report
from tests.integration.conftest import DIRECTOR, TODAY, at, login

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

EARLIEST = date(2000, 1, 1)  # before any first dose: every episode is in the measures' cohort
END = TODAY - timedelta(days=1)


@pytest.fixture
def clinic(db: None, settings: Any, tmp_path: Path) -> Path:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, data_dir=tmp_path)
    demo.seed(TODAY, patients=len(demo.STAGES))
    return tmp_path / "outcomes" / "facts"


def test_the_program_report_s_retention_is_the_outcomes_measure_s(clinic: Path) -> None:
    run = compute_measures(actor=DIRECTOR, at=at(TODAY), start=EARLIEST, end=END)
    milestones = {row[0]: row for row in run.results["measures"]["retention_milestones"]["rows"]}
    report = build_report(END - timedelta(days=89), END, TODAY)
    shown = {m.name: m for m in report.measures if m.name.startswith("Retained at day")}
    assert len(shown) == len(RETENTION_DAYS)
    for days in RETENTION_DAYS:
        _day, eligible, retained, _rate = milestones[days]
        row = shown[f"Retained at day {days} from the first dose"]
        assert (row.value, row.of) == (retained, eligible)
    assert any(milestones[d][1] for d in RETENTION_DAYS)  # the demo has episodes to count


def test_compute_now_extracts_computes_and_the_page_shows_the_run(clinic: Path) -> None:
    client = login(Role.DIRECTOR, "olive.outcomes")
    answer = client.post("/outcomes/compute/", {"start": str(EARLIEST), "end": str(END)})
    assert answer.status_code == 302
    run = MeasureRun.objects.get()
    assert (run.period_start, run.period_end, run.as_of) == (EARLIEST, END, END)
    assert (clinic / "doses").is_dir()  # the extract ran first, into the clinic's folder
    assert AuditEvent.objects.filter(object_type="outcomes_extract").count() == 1
    assert AuditEvent.objects.filter(object_type="outcomes_compute").count() == 1
    page = client.get("/outcomes/").content.decode()
    assert run.results["measures"]["continuity_180"]["title"] in page
    assert "<svg" in page and "Retention by formulation" in page
    curves = run.results["km"]
    assert "all" in curves and any(label.startswith("formulation: ") for label in curves)


def test_the_commands_compute_and_export_from_the_console(
    clinic: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outcomes", "compute", "--start", str(EARLIEST), "--end", str(END)]) == 0
    printed = capsys.readouterr()
    summary = json.loads(printed.out)
    assert "continuity_180" in summary["measures"] and summary["as_of"] == str(END)
    # Progress on standard error: the extract's steps, then one line per measure (not a tty).
    bars = printed.err.splitlines()
    assert any(line.startswith("extract [") for line in bars)
    measured = [line for line in bars if line.startswith("measures [")]
    steps = len(summary["measures"])  # one line before each, then "done"
    assert len(measured) == steps + 1 and measured[-1].endswith(f"{steps}/{steps} done")
    assert main(["outcomes", "compute", "--quiet", "--no-extract", "--start", str(EARLIEST),
                 "--end", str(END)]) == 0  # fmt: skip
    assert capsys.readouterr().err == ""
    out = tmp_path / "export.zip"
    code = main(["outcomes", "export", "--recipient", "State university evaluation team",
                 "--purpose", "program evaluation", "--out", str(out)])  # fmt: skip
    assert code == 0 and json.loads(capsys.readouterr().out)["file"] == str(out)
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        dictionary = list(csv.DictReader(io.StringIO(z.read("data_dictionary.csv").decode())))
    assert {"episodes.csv", "doses.csv", "data_dictionary.csv", "README.txt"} <= names
    assert dictionary
    event = AuditEvent.objects.get(object_type="deidentified_export")
    assert event.actor.startswith("console:") and "State university" in event.detail


def test_compute_refuses_a_period_ending_in_the_future_and_keeps_nothing(
    clinic: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["outcomes", "compute", "--start", str(EARLIEST),
                 "--end", "2100-01-01"])  # fmt: skip
    assert code == 2 and "end: is in the future" in capsys.readouterr().err
    assert not MeasureRun.objects.exists()
