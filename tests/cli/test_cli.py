"""The `naltrack` command as other programs call it: a subprocess, JSON in and out.

Per shared/contracts/screening.md: exit 0 when evaluated (whatever the decision), exit 2 with only
{"error", "field"} on standard output when the input is invalid; input from a file or from `-`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

NALTRACK = Path(sys.executable).with_name("naltrack")

CONTRACT_EXAMPLE = {
    "as_of": "2026-11-21",
    "indications": ["OUD", "AUD"],
    "formulation": "xr_injection",
    "age_years": 34,
    "sex_at_birth": "female",
    "pregnant": False,
    "breastfeeding": False,
    "last_opioid_use": {"date": "2026-11-10", "kind": "short_acting"},
    "last_alcohol_use": "2026-11-18",
    "urine_drug_screen": {"date": "2026-11-20", "opioids": "negative", "fentanyl": "negative",
                          "methadone": "negative", "buprenorphine": "negative", "oxycodone": "negative"},
    "naloxone_challenge": {"date": "2026-11-20", "result": "negative"},
    "cows_score": 2,
    "ciwa_ar_score": 3,
    "liver": {"acute_hepatitis": False, "liver_failure": False, "alt": 40, "ast": 35, "alt_uln": 40, "ast_uln": 40, "date": "2026-11-01"},
    "renal_impairment": "none",
    "coagulation_disorder": False,
    "platelets_10e9_per_l": 250,
    "bmi": 31.0,
    "phq9": {"total": 6, "item9": 0},
    "medications": ["sertraline", "Suboxone", {"name": "oxycodone", "rxnorm": "7804"}],
    "allergies": ["naltrexone"],
    "needs_opioid_analgesia": False,
    "planned_surgery_date": "2026-12-30",
}  # fmt: skip


def run(*args: str, stdin: str = "") -> tuple[int, Any, str]:
    proc = subprocess.run(
        [str(NALTRACK), *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else None, proc.stderr


def test_screen_contract_example_from_standard_input() -> None:
    code, out, _ = run("screen", "-", stdin=json.dumps(CONTRACT_EXAMPLE))
    assert code == 0
    assert set(out) >= {"decision", "earliest_start_date", "findings", "policy"}
    assert out["decision"] == "contraindicated"
    assert out["earliest_start_date"] is None
    assert out["policy"] == "naltrack-default-2026.1"
    got = {f["code"] for f in out["findings"]}
    assert {"OPIOID_MEDICATION", "HYPERSENSITIVITY", "NEEDLE_LENGTH", "OVERDOSE_EDUCATION"} <= got
    assert "SURGERY_PLANNED" not in got  # 39 days away, beyond the 30-day injection window
    for f in out["findings"]:
        assert set(f) >= {"code", "severity", "message", "action", "source"}
        if f["severity"] == "block":
            assert f["block_kind"] in ("contraindication", "deferral")
            if f["block_kind"] == "deferral":
                assert "until" in f


def test_screen_from_a_file_gives_not_yet_with_the_date(tmp_path: Path) -> None:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({
        "as_of": "2026-11-21", "indications": ["OUD"], "formulation": "oral",
        "last_opioid_use": {"date": "2026-11-17", "kind": "short_acting"},
    }))  # fmt: skip
    code, out, _ = run("screen", str(path))
    assert code == 0
    assert (out["decision"], out["earliest_start_date"]) == ("not_yet", "2026-11-24")
    deferral = next(f for f in out["findings"] if f["code"] == "OPIOID_FREE_INTERVAL")
    assert deferral == {
        "code": "OPIOID_FREE_INTERVAL", "severity": "block", "block_kind": "deferral", "until": "2026-11-24",
        "message": "Last short-acting opioid use 2026-11-17; at least 7 opioid-free days are needed before the first dose.",
        "action": "Book induction on or after 2026-11-24.",
        "source": deferral["source"],
    }  # fmt: skip
    assert "label" in deferral["source"]


MINIMAL = {"as_of": "2026-11-21", "indications": ["OUD"], "formulation": "oral"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"as_of": None}, "as_of"),
        ({"as_of": "21/11/2026"}, "as_of"),
        ({"indications": []}, "indications"),
        ({"indications": ["OUD", "GAMBLING"]}, "indications[1]"),
        ({"formulation": "patch"}, "formulation"),
        ({"pregnent": True}, "pregnent"),
        ({"age_years": -1}, "age_years"),
        ({"age_years": "thirty"}, "age_years"),
        ({"cows_score": 49}, "cows_score"),
        ({"last_opioid_use": {"date": "2026-11-22", "kind": "fentanyl"}}, "last_opioid_use.date"),
        ({"last_opioid_use": {"date": "2026-11-10", "kind": "heroin"}}, "last_opioid_use.kind"),
        ({"last_opioid_use": {"kind": "fentanyl"}}, "last_opioid_use.date"),
        ({"urine_drug_screen": {"date": "2026-11-20"}}, "urine_drug_screen"),
        (
            {"urine_drug_screen": {"date": "2026-11-20", "opioids": "pos"}},
            "urine_drug_screen.opioids",
        ),
        (
            {"urine_drug_screen": {"date": "2026-11-20", "cocaine": "negative"}},
            "urine_drug_screen.cocaine",
        ),
        ({"liver": {"alt": 80}}, "liver.alt_uln"),
        ({"phq9": {"total": 3, "item9": 2, "x": 1}}, "phq9.x"),
        ({"phq9": {"total": 1, "item9": 2}}, "phq9.item9"),
        ({"medications": ["sertraline", 42]}, "medications[1]"),
        ({"medications": [{"name": "oxycodone", "rxnorm": "ABC"}]}, "medications[0].rxnorm"),
        ({"allergies": [""]}, "allergies[0]"),
        ({"needs_opioid_analgesia": "no"}, "needs_opioid_analgesia"),
    ],
)
def test_screen_invalid_input_exits_2_naming_the_field(change: dict[str, Any], field: str) -> None:
    doc = {**MINIMAL, **change}
    doc = {k: v for k, v in doc.items() if v is not None}
    code, out, _ = run("screen", stdin=json.dumps(doc))
    assert code == 2
    assert set(out) == {"error", "field"}
    assert out["field"] == field
    assert out["error"]


@pytest.mark.parametrize("text", ["", "{", "[1, 2]", "null"])
def test_screen_refuses_a_document_that_is_not_an_object(text: str) -> None:
    code, out, _ = run("screen", "-", stdin=text)
    assert code == 2 and set(out) == {"error", "field"}


def test_missing_file_exits_2() -> None:
    code, out, _ = run("screen", "/nonexistent/facts.json")
    assert code == 2 and out["field"] == "input"


def test_score_phq9() -> None:
    code, out, _ = run("score", "phq9", stdin=json.dumps({"items": [2, 2, 1, 1, 1, 1, 1, 1, 2]}))
    assert code == 0
    assert {k: out[k] for k in ("instrument", "total", "band", "flags")} == {
        "instrument": "phq9", "total": 12, "band": "moderate", "flags": ["SUICIDE_RISK"],
    }  # fmt: skip
    assert "Kroenke" in out["source"]


@pytest.mark.parametrize(
    ("instrument", "doc", "field"),
    [
        ("cows", {"items": [3] + [0] * 10}, "items[0]"),
        ("phq9", {"items": [0] * 8}, "items"),
        ("audit_c", {"items": [1, 1, 1]}, "sex_at_birth"),
        ("dsm5_sud", {"criteria_met": ["not_a_criterion"]}, "criteria_met[0]"),
        ("bogus", {"items": []}, "instrument"),
    ],
)
def test_score_invalid_input_exits_2(instrument: str, doc: dict[str, Any], field: str) -> None:
    code, out, _ = run("score", instrument, stdin=json.dumps(doc))
    assert (code, out["field"]) == (2, field)


def test_schedule_with_injection_timing() -> None:
    doc = {
        "regimen": "xr_injection", "start_date": "2026-11-21", "indications": ["OUD"], "count": 2,
        "last_injection": {"date": "2026-10-10", "side": "right"}, "as_of": "2026-11-21",
    }  # fmt: skip
    code, out, _ = run("schedule", stdin=json.dumps(doc))
    assert code == 0
    assert [(d["date"], d["side"]) for d in out["doses"]] == [
        ("2026-11-21", "left"),
        ("2026-12-19", "right"),
    ]
    assert out["injection_timing"]["tier"] == "late_uds_required"  # day 42


def test_schedule_refusals_exit_2() -> None:
    code, out, _ = run(
        "schedule",
        stdin=json.dumps(
            {"regimen": "oral_targeted", "start_date": "2026-11-21", "indications": ["OUD"]}
        ),
    )
    assert (code, out["field"]) == (2, "regimen")
    bad = {
        "regimen": "oral_custom",
        "start_date": "2026-11-21",
        "indications": ["AUD"],
        "weekly_mg": {"mon": 50, "wed": 50, "fri": 100},
    }
    code, out, _ = run("schedule", stdin=json.dumps(bad))
    assert (code, out["field"]) == (2, "weekly_mg")


def test_coverage_with_risk_windows() -> None:
    doc = {
        "period_start": "2026-01-01", "period_end": "2026-01-31", "as_of": "2026-01-27",
        "administrations": [{"date": "2026-01-01", "formulation": "xr_injection", "dose_mg": 380}],
    }  # fmt: skip
    code, out, _ = run("coverage", stdin=json.dumps(doc))
    assert code == 0
    assert (out["days_covered"], out["pdc"], out["adherent"]) == (28, 0.9032, True)
    assert [w["kind"] for w in out["risk_windows"]] == ["blockade_waning"]


def test_coverage_invalid_administration_exits_2() -> None:
    doc = {
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "administrations": [{"date": "2026-01-01", "formulation": "pill"}],
    }
    code, out, _ = run("coverage", stdin=json.dumps(doc))
    assert (code, out["field"]) == (2, "administrations[0].formulation")


def test_a_clinic_policy_file_changes_the_result_and_its_version(tmp_path: Path) -> None:
    policy = tmp_path / "clinic.toml"
    policy.write_text(
        'version = "riverside-1"\n[opioid_free_interval.short_acting]\ndeferral_days = 10\nreview_days = 10\n'
    )
    doc = {**MINIMAL, "last_opioid_use": {"date": "2026-11-12", "kind": "short_acting"}}
    code, out, _ = run("screen", "--policy", str(policy), stdin=json.dumps(doc))
    assert (code, out["policy"], out["earliest_start_date"]) == (0, "riverside-1", "2026-11-22")
    policy.write_text("cows_withdrawal_min = 3\n")
    code, out, _ = run("screen", "--policy", str(policy), stdin=json.dumps(doc))
    assert (code, out["field"]) == (2, "version")


def test_help_lists_the_commands() -> None:
    proc = subprocess.run([str(NALTRACK), "--help"], capture_output=True, text=True, check=True)
    for command in ("screen", "score", "schedule", "coverage", "rules-doc"):
        assert command in proc.stdout


@pytest.mark.parametrize(
    ("env", "variable"),
    [({}, "NALTRACK_SECRET_KEY"), ({"NALTRACK_DEBUG": "maybe"}, "NALTRACK_DEBUG")],
)
def test_manage_refuses_bad_configuration_with_one_plain_line(
    env: dict[str, str], variable: str
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NALTRACK_")}
    proc = subprocess.run(
        [str(NALTRACK), "manage", "check"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith(f"naltrack: configuration error: {variable}:")
    assert "Traceback" not in proc.stderr
