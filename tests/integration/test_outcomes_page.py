"""The director's Outcomes page (issue 14): the last stored measures run, never computed in the
request; its plots with their tables; a CSV per measure equal to the stored rows; reads and
downloads audited; the roles of the program report; "Compute now" for the director."""

from __future__ import annotations

import csv
import io
import sys
import types
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditEvent
from naltrack.outcomes.models import MeasureRun
from tests.integration.conftest import NOW, login
from tests.outcomes_results import AS_OF, results, store_run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


_clients: dict[str, Client] = {}


@pytest.fixture(autouse=True)
def _forget_clients() -> None:
    _clients.clear()


def director_page(path: str = "/outcomes/") -> str:
    """The page as the director sees it (signed in once per test)."""
    if "director" not in _clients:
        _clients["director"] = login(Role.DIRECTOR, "dana.director")
    response = _clients["director"].get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_without_a_run_the_page_says_so_and_how_to_compute() -> None:
    page = director_page()
    assert "No outcome measures have been computed yet" in page
    assert "naltrack outcomes compute" in page
    assert "Compute now" in page  # the director's button
    assert "<svg" not in page.split("<main", 1)[1]


def test_the_prescriber_reads_it_but_has_no_compute_button() -> None:
    response = login(Role.PRESCRIBER, "pat.prescriber").get("/outcomes/")
    assert response.status_code == 200
    assert "Compute now" not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "name"),
    [(Role.NURSE, "nina.nurse"), (Role.COUNSELOR, "cole.counselor"),
     (Role.COORDINATOR, "cora.coordinator")],
)  # fmt: skip
def test_other_roles_are_refused_the_page_and_the_downloads(role: Role, name: str) -> None:
    store_run(computed_at=NOW)
    client = login(role, name)
    assert client.get("/outcomes/").status_code == 403
    assert client.get("/outcomes/pdc.csv").status_code == 403
    assert client.post("/outcomes/compute/", {"start": "2026-01-01"}).status_code == 403
    assert not AuditEvent.objects.filter(object_type="outcomes").exists()


def test_the_page_shows_the_last_run_with_its_plots() -> None:
    store_run(computed_at=NOW - timedelta(days=3), results_={"measures": {}, "km": {}})
    last = store_run(computed_at=NOW)
    page = director_page()
    assert "No outcome measures have been computed yet" not in page
    assert AS_OF.strftime("%-d %b %Y") in page  # as of
    assert "duckdb" in page and last.policy_version in page
    # the three plots, each an accessible SVG with its title, and its table beneath
    assert '<svg class="plot"' in page
    assert '<title id="km-plot-title">Retention by formulation' in page
    assert '<title id="cohort-plot-title">Continuity for 180 days by start cohort' in page
    assert '<title id="craving-plot-title">Craving by days since the last injection' in page
    assert 'aria-labelledby="km-plot-title km-plot-desc"' in page
    for name in ("XR injection", "Tablets", "Implant"):
        assert name in page
    assert 'id="t-km"' in page and "at risk" in page
    assert "next injection due (day 28)" in page  # the policy's injection interval
    # every measure has its table and its download
    for measure_id in results()["measures"]:
        assert f"/outcomes/{measure_id}.csv" in page


def test_the_craving_plot_marks_the_injection_interval_the_run_was_computed_under() -> None:
    data = results()
    data["terms"] = {"injection_due_day": 30}  # a clinic policy other than today's
    store_run(computed_at=NOW, results_=data)
    page = director_page()
    assert "next injection due (day 30)" in page and "(day 28)" not in page


def test_the_group_chooser_draws_the_curves_of_that_grouping() -> None:
    store_run(computed_at=NOW)
    page = director_page("/outcomes/?group=age_band")
    assert "Retention by age band" in page
    assert "26-34" in page and "Tablets</th>" not in page
    # an unknown grouping falls back to the formulation
    assert "Retention by formulation" in director_page("/outcomes/?group=shoe_size")


def test_the_chooser_answers_htmx_with_the_curves_section_only() -> None:
    store_run(computed_at=NOW)
    client = login(Role.DIRECTOR, "dana.director")
    response = client.get("/outcomes/?group=sex", headers={"HX-Request": "true", "HX-Target": "km"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Retention by sex" in body and "<html" not in body


def test_a_run_holding_only_the_whole_programs_curve_draws_it() -> None:
    data = results()
    data["km"] = {"all": data["km"]["all"]}
    store_run(computed_at=NOW, results_=data)
    page = director_page()
    assert "Retention, all patients" in page and "All patients" in page


def test_the_csv_holds_the_stored_rows_and_is_audited_as_an_export() -> None:
    run = store_run(computed_at=NOW)
    client = login(Role.DIRECTOR, "dana.director")
    for measure_id, measure in run.results["measures"].items():
        response = client.get(f"/outcomes/{measure_id}.csv")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == ["as_of", "period_start", "period_end", "policy_version",
                           *measure["columns"]]  # fmt: skip
        stored = [["" if v is None else str(v) for v in row] for row in measure["rows"]]
        assert [r[4:] for r in rows[1:]] == stored
        assert {r[0] for r in rows[1:]} <= {AS_OF.isoformat()}
    exports = AuditEvent.objects.filter(object_type="outcomes", action="export")
    assert exports.count() == len(run.results["measures"])
    assert {e.object_id for e in exports} == {str(run.pk)}
    assert all(e.actor == "dana.director" for e in exports)
    assert exports.filter(detail__startswith="csv pdc").exists()


def test_a_long_table_shows_its_first_rows_and_the_csv_holds_them_all() -> None:
    data = results()
    many = [["all", "All patients", day, 1, 0] for day in range(1, 501)]
    data["measures"]["time_on_treatment"] = {
        "title": "Time on treatment (the Kaplan-Meier input), for all and by group",
        "columns": ["dimension", "group", "days", "discontinued", "censored"],
        "rows": many,
        "note": "",
    }
    store_run(computed_at=NOW, results_=data)
    page = director_page()
    assert "The first 200 of 500 rows; the CSV below holds all of them." in page
    assert "<td>200</td>" in page and "<td>201</td>" not in page
    csv_rows = (
        _clients["director"].get("/outcomes/time_on_treatment.csv").content.decode().splitlines()
    )
    assert len(csv_rows) == 1 + 500


def test_an_unknown_measure_or_no_run_is_not_found_and_not_audited() -> None:
    client = login(Role.DIRECTOR, "dana.director")
    assert client.get("/outcomes/pdc.csv").status_code == 404  # nothing computed yet
    store_run(computed_at=NOW)
    assert client.get("/outcomes/no_such_measure.csv").status_code == 404
    assert not AuditEvent.objects.filter(object_type="outcomes", action="export").exists()


def test_reading_the_page_is_audited_like_the_program_report() -> None:
    run = store_run(computed_at=NOW)
    director_page()
    event = AuditEvent.objects.get(object_type="outcomes", action="read")
    assert event.actor == "dana.director" and event.object_id == str(run.pk)
    assert str(run.period_start) in event.detail


def test_reading_with_no_run_is_audited_too() -> None:
    director_page()
    assert AuditEvent.objects.filter(object_type="outcomes", action="read").count() == 1


def fake_services(monkeypatch: pytest.MonkeyPatch, calls: list[dict[str, Any]],
                  error: Exception | None = None) -> None:  # fmt: skip
    module = types.ModuleType("naltrack.outcomes.runs")

    def compute_measures(**kw: Any) -> MeasureRun:
        calls.append(kw)
        if error is not None:
            raise error
        return store_run(computed_at=kw["at"])

    module.compute_measures = compute_measures  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "naltrack.outcomes.runs", module)


def test_compute_now_runs_the_measures_for_the_director(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    fake_services(monkeypatch, calls)
    client = login(Role.DIRECTOR, "dana.director")
    response = client.post("/outcomes/compute/", {"start": "2025-01-01", "end": "2026-11-27"})
    assert response.status_code == 302 and response["Location"] == "/outcomes/"
    assert len(calls) == 1
    assert calls[0]["start"] == date(2025, 1, 1) and calls[0]["end"] == date(2026, 11, 27)
    assert calls[0]["actor"].username == "dana.director"
    assert isinstance(calls[0]["at"], datetime)
    page = client.get("/outcomes/").content.decode()
    assert "Outcome measures computed" in page and "km-plot" in page
    assert MeasureRun.objects.count() == 1


def test_compute_now_shows_a_bad_period_and_computes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []
    fake_services(monkeypatch, calls)
    client = login(Role.DIRECTOR, "dana.director")
    client.post("/outcomes/compute/", {"start": "yesterday", "end": "2026-11-27"})
    assert calls == []
    assert "start: must be a date" in client.get("/outcomes/").content.decode()


def test_compute_now_shows_the_services_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    from naltrack.clinical.errors import InputError

    fake_services(monkeypatch, [], InputError("no facts extracted yet", "facts"))
    client = login(Role.DIRECTOR, "dana.director")
    client.post("/outcomes/compute/", {"start": "2025-01-01", "end": "2026-11-27"})
    assert "no facts extracted yet" in client.get("/outcomes/").content.decode()
    assert not MeasureRun.objects.exists()


def test_the_prescriber_may_not_compute(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    fake_services(monkeypatch, calls)
    client = login(Role.PRESCRIBER, "pat.prescriber")
    response = client.post("/outcomes/compute/", {"start": "2025-01-01", "end": "2026-11-27"})
    assert response.status_code == 403 and calls == []


def test_the_navigation_links_the_page_for_those_who_read_reports() -> None:
    store_run(computed_at=NOW)
    page = director_page("/reports/")
    assert 'href="/outcomes/"' in page
    nurse_page = login(Role.NURSE, "nina.nurse").get("/today/").content.decode()
    assert 'href="/outcomes/"' not in nurse_page


def test_compute_is_a_post() -> None:
    client = login(Role.DIRECTOR, "dana.director")
    assert client.get("/outcomes/compute/").status_code == 405
