"""`naltrack coverage --ndjson`: many requests, one per line; each answer is exactly the one-patient
answer (`naltrack coverage` on that request alone), a bad line answers its own error and the others
go on, and the exit status is 2 when any line failed."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from naltrack.clinical.coverage import parse_coverage_request

NALTRACK = Path(sys.executable).with_name("naltrack")
START = date(2026, 1, 1)
FORMS = ("xr_injection", "oral", "implant")


def request(n: int) -> dict[str, Any]:
    """The n-th of a fixed series of requests: each formulation, gaps, stops, risk windows."""
    form = FORMS[n % 3]
    step = {"xr_injection": 28 + n % 9, "oral": 1 + n % 3, "implant": 100}[form]
    admins: list[dict[str, Any]] = []
    for i in range(1 + n % 6):
        a: dict[str, Any] = {
            "date": (START + timedelta(days=i * step)).isoformat(),
            "formulation": form,
        }
        if form == "oral":
            a["dose_mg"] = (50, 100, 150)[(n + i) % 3]
        if form == "implant":
            a["covered_days"] = 84
            if n % 4 == 0:
                a["removed_on"] = (START + timedelta(days=i * step + 30)).isoformat()
        admins.append(a)
    doc: dict[str, Any] = {
        "period_start": START.isoformat(),
        "period_end": (START + timedelta(days=60 + n * 3)).isoformat(),
        "administrations": admins,
    }
    if n % 2:
        doc["as_of"] = (START + timedelta(days=20 + n)).isoformat()
    if n % 5 == 0:
        doc["treatment_stopped_on"] = (START + timedelta(days=40)).isoformat()
        doc["stop_reason"] = ("death", "transfer", "lost_to_follow_up")[n % 3]
    return doc


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(NALTRACK), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_patient(doc: dict[str, Any]) -> Any:
    proc = run("coverage", stdin=json.dumps(doc))
    assert proc.returncode == 0
    return json.loads(proc.stdout)


def test_every_answer_is_the_one_patient_answer(tmp_path: Path) -> None:
    docs = [request(n) for n in range(300)]
    source = tmp_path / "requests.ndjson"
    source.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    proc = run("coverage", "--ndjson", str(source))
    assert proc.returncode == 0, proc.stdout[-500:]
    lines = proc.stdout.splitlines()
    assert len(lines) == len(docs)
    answers = [json.loads(line) for line in lines]
    for doc, answer in zip(docs, answers, strict=True):
        assert answer == parse_coverage_request(doc).evaluate()
    # And the command itself, one patient at a time, prints the same (a sample: a subprocess each).
    for n in (0, 1, 2, 5, 7, 12, 299):
        assert answers[n] == one_patient(docs[n])


def test_a_bad_line_answers_its_error_and_the_others_go_on() -> None:
    good = request(1)
    missing = {k: v for k, v in request(2).items() if k != "period_end"}
    bad_form = {**request(3), "administrations": [{"date": "2026-01-01", "formulation": "pill"}]}
    stdin = "\n".join(
        [
            json.dumps(good),
            "{not json",
            json.dumps(missing),
            "",
            json.dumps(bad_form),
            json.dumps(good),
        ]
    )
    proc = run("coverage", "--ndjson", "-", stdin=stdin + "\n")
    assert proc.returncode == 2
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    expected = parse_coverage_request(good).evaluate()
    assert out[0] == expected and out[4] == expected  # the blank line 4 is skipped
    assert (
        out[1]["line"] == 2 and out[1]["field"] == "input" and "not valid JSON" in out[1]["error"]
    )
    assert (out[2]["line"], out[2]["field"]) == (3, "period_end")
    assert (out[3]["line"], out[3]["field"]) == (5, "administrations[0].formulation")
    assert one_patient(good) == expected
    # The same error as the one-patient command gives (with the line's number added).
    single = run("coverage", stdin=json.dumps(missing))
    assert single.returncode == 2 and {**json.loads(single.stdout), "line": 3} == out[2]


def test_a_line_that_is_not_utf8_fails_alone(tmp_path: Path) -> None:
    source = tmp_path / "mixed.ndjson"
    source.write_bytes(
        json.dumps(request(4)).encode() + b"\n\xff\xfe\n" + json.dumps(request(5)).encode() + b"\n"
    )
    proc = run("coverage", "--ndjson", str(source))
    assert proc.returncode == 2
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert out[1] == {"line": 2, "error": "the line is not UTF-8 text", "field": "input"}
    assert out[2] == parse_coverage_request(request(5)).evaluate()


def test_an_unreadable_file_is_one_error() -> None:
    proc = run("coverage", "--ndjson", "/nonexistent/requests.ndjson")
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["field"] == "input"


def test_an_empty_input_answers_nothing() -> None:
    proc = run("coverage", "--ndjson", "-", stdin="")
    assert (proc.returncode, proc.stdout) == (0, "")
