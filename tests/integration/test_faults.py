"""Under faults (issue 10, Operations), against the production server (gunicorn) on each database:

- the server (master and workers) is killed with SIGKILL during a burst of writes through the API,
  then started again: every write it acknowledged is there, `naltrack check` finds no half-written
  record and no record without its audit event, and the restarted server takes writes;
- the database refuses a write in the middle of a use case (a trigger refusing the audit event,
  after the record itself was written): the request fails whole with the API's one error shape,
  nothing is left half-written, and once the database accepts writes again so does the server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.audit.models import AuditEvent
from naltrack.integrity.checks import check_integrity
from naltrack.monitoring.models import Observation
from naltrack.patients.careteam import add_to_care_team
from naltrack.patients.models import Patient
from naltrack.treatment.models import TreatmentPlan
from tests.integration import prodserver
from tests.integration.committed import append_only_restored, committed_data  # noqa: F401
from tests.integration.conftest import COORDINATOR, NOW, TODAY, make_patient
from tests.integration.test_integrity_check import ALLOW, REFUSE, database_says

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_data")]

WRITERS = 6
ACKNOWLEDGED_BEFORE_KILL = 40  # the kill comes once this many writes were answered 201
BURST_LIMIT_S = 60  # a bound, never an assertion: a slow machine just kills sooner


def observation(n: int) -> dict[str, object]:
    return {"kind": "craving", "observed_on": TODAY.isoformat(), "data": {"value": n % 11}}


def plan(n: int) -> dict[str, object]:
    return {"formulation": "xr_injection", "regimen": "xr_injection", "goals": f"Goal {n}",
            "reason": f"Review {n}"}  # fmt: skip


def naltrack_check(server_env_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("NALTRACK_") and k != "DJANGO_SETTINGS_MODULE"}  # fmt: skip
    env.update(
        NALTRACK_DEBUG="true", NALTRACK_DATABASE_URL=server_env_url, NALTRACK_TIME_ZONE="UTC"
    )
    return subprocess.run([str(prodserver.NALTRACK), "check"], env=env, capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip


def on_care_teams(mrns: list[str]) -> None:
    """The production server opens charts to the care team only (NALTRACK_CARE_TEAM_REQUIRED)."""
    for mrn in mrns:
        for username in ("nina.nurse", "pat.prescriber"):
            add_to_care_team(Patient.objects.get(mrn=mrn), username, actor=COORDINATOR, at=NOW)


def test_sigkill_during_a_burst_of_writes_leaves_nothing_half_written(tmp_path: Path) -> None:
    mrns = [make_patient(f"MRN-K{i:03d}").mrn for i in range(3)]
    create_staff("nina.nurse", "a-long-demo-password-1", Role.NURSE)
    create_staff("pat.prescriber", "a-long-demo-password-1", Role.PRESCRIBER)
    nurse = create_token("nina.nurse", at=NOW)
    prescriber = create_token("pat.prescriber", at=NOW)
    on_care_teams(mrns)
    server = prodserver.start(tmp_path)
    acknowledged: list[tuple[str, int]] = []  # (what, id or version) answered 201
    failures: list[str] = []  # what the clients saw once the server was gone
    lock = threading.Lock()
    enough = threading.Event()

    def writer(w: int) -> None:
        for n in range(10_000):
            mrn = mrns[(w + n) % len(mrns)]  # writers contend for the same patients' locks
            try:
                if w % 3 == 0:
                    r = prodserver.api(
                        server, "POST", f"/patients/{mrn}/plans", prescriber, plan(n)
                    )
                    what, key = "plan", "version"
                else:
                    r = prodserver.api(server, "POST", f"/patients/{mrn}/observations", nurse,
                                       observation(n))  # fmt: skip
                    what, key = "observation", "id"
            except OSError as err:  # refused, reset, or cut mid-answer: the server is gone
                with lock:
                    failures.append(type(err).__name__)
                return
            assert r.status == 201, (r.status, r.body[:300])
            with lock:
                acknowledged.append((f"{what} {mrn}", r.json()[key]))
                if len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL:
                    enough.set()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    try:
        enough.wait(BURST_LIMIT_S)
        # The crash: master and workers at once, while the writers keep sending.
        server.stop(signal.SIGKILL)
    finally:
        for t in threads:
            t.join(60)
    assert server.proc.returncode == -signal.SIGKILL
    assert len(failures) == WRITERS  # every writer was cut off by the crash, none by an error
    assert acknowledged  # (how many depends on the machine: the kill comes at 40 or at the bound)

    # Every write the server acknowledged is there, with its audit event; nothing half-written.
    observations = {str(pk) for pk in Observation.objects.values_list("pk", flat=True)}
    for what, key in acknowledged:
        if what.startswith("observation"):
            assert str(key) in observations, what
        else:
            mrn = what.split()[1]
            assert TreatmentPlan.objects.filter(patient__mrn=mrn, version=key).exists(), what
    audited = set(
        AuditEvent.objects.filter(object_type="observation", action="create").values_list(
            "object_id", flat=True
        )
    )
    assert observations == audited
    report = check_integrity()
    assert report.ok, [str(f) for f in report.findings]
    done = naltrack_check(prodserver.database_url())
    assert done.returncode == 0, done.stderr
    assert "integrity check passed" in done.stdout

    # Started again, the server takes writes where it left off.
    again = prodserver.start(tmp_path)
    try:
        r = prodserver.api(again, "POST", f"/patients/{mrns[0]}/plans", prescriber, plan(99_999))
        assert r.status == 201, r.body[:300]
        latest = TreatmentPlan.objects.filter(patient__mrn=mrns[0]).order_by("-version").first()
        assert latest is not None and r.json()["version"] == latest.version
        r = prodserver.api(
            again, "POST", f"/patients/{mrns[1]}/observations", nurse, observation(1)
        )
        assert r.status == 201
    finally:
        again.stop()
    assert check_integrity().ok


def test_a_write_the_database_refuses_mid_use_case_is_not_half_written(tmp_path: Path) -> None:
    mrn = make_patient("MRN-F001").mrn
    create_staff("nina.nurse", "a-long-demo-password-1", Role.NURSE)
    create_staff("pat.prescriber", "a-long-demo-password-1", Role.PRESCRIBER)
    nurse = create_token("nina.nurse", at=NOW)
    prescriber = create_token("pat.prescriber", at=NOW)
    on_care_teams([mrn])
    server = prodserver.start(tmp_path)
    try:
        assert (
            prodserver.api(server, "POST", f"/patients/{mrn}/plans", prescriber, plan(1)).status
            == 201
        )
        before = (
            Observation.objects.count(),
            TreatmentPlan.objects.count(),
            AuditEvent.objects.count(),
        )
        # From now on the database refuses every audit event: each use case has written its
        # record (the observation, plan version 2) when the refusal comes.
        database_says(REFUSE)
        try:
            refused = [
                prodserver.api(
                    server, "POST", f"/patients/{mrn}/observations", nurse, observation(1)
                ),
                prodserver.api(server, "POST", f"/patients/{mrn}/plans", prescriber, plan(2)),
            ]
        finally:
            database_says(ALLOW)
        for r in refused:
            # the API's last handler: one shape, no detail of the database's error
            assert r.status == 500, (r.status, r.body[:300])
            assert r.json() == {"message": r.json()["message"], "field": None}
            assert "disk full" not in r.body.decode()
        assert (Observation.objects.count(), TreatmentPlan.objects.count(),
                AuditEvent.objects.count()) == before  # fmt: skip
        report = check_integrity()
        assert report.ok, [str(f) for f in report.findings]
        # The database accepts writes again: so does the server, with the next version in order.
        again = prodserver.api(server, "POST", f"/patients/{mrn}/plans", prescriber, plan(3))
        assert (again.status, again.json()["version"]) == (201, 2)
    finally:
        server.stop()
    assert check_integrity().ok
