"""One clinical truth (issue 9): a clinical threshold or policy field is read only in
src/naltrack/clinical/. Everywhere else the application passes the Policy object to the core and
shows what the core decided; it never reads `policy.injection_overdue_from_day` itself, and never
writes its own day-count threshold such as `timedelta(days=28)`.

The check parses every module outside the core with `ast`:
- an attribute access `<anything>.<name>` where <name> is a field of the Policy dataclass (or of its
  IntervalRule), except `version`, which every stored decision records;
- `timedelta(days=N)` (or weeks) with a literal N of 2 or more: a count of days is a threshold
  (one day is calendar arithmetic: the day after, the end of a period).
And every call of a core function that takes a `policy` passes it: the core's own default is the
naltrack default policy, so a call that leaves it out would quietly ignore the clinic's file.
Generic code that lists every field (the director's policy page, like the rules document) reads
them with dataclasses.fields and getattr, naming none.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path

import naltrack.clinical
from naltrack.clinical.policy import IntervalRule, Policy

SRC = Path(__file__).resolve().parents[2] / "src" / "naltrack"
POLICY_NAMES = (
    {f.name for f in dataclasses.fields(Policy)}
    | {f.name for f in dataclasses.fields(IntervalRule)}
    | {"interval_for"}
) - {"version"}

# Known offenders, file by file: none is left (issue 9). Should one ever be needed, it is named
# here explicitly; an entry that no longer matches fails the check below, so it cannot outlive
# the code it excuses.
KNOWN: dict[str, set[str]] = {}
# The demo clinic's synthetic histories are test data, not decisions.
EXEMPT = {"demo.py"}


def _offences(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in POLICY_NAMES:
            found.add(node.attr)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name != "timedelta":
                continue
            for kw in node.keywords:
                value = kw.value
                if (
                    kw.arg in ("days", "weeks")
                    and isinstance(value, ast.Constant)
                    and isinstance(value.value, int | float)
                    and (value.value >= 2 or kw.arg == "weeks")
                ):
                    found.add(f"timedelta({kw.arg}={value.value})")
    return found


def scan() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("clinical/") or "/migrations/" in rel or rel in EXEMPT:
            continue
        found = _offences(ast.parse(path.read_text(encoding="utf-8"), filename=rel))
        if found:
            out[rel] = found
    return out


def test_no_clinical_threshold_is_read_outside_the_core() -> None:
    found = scan()
    new = {rel: names - KNOWN.get(rel, set()) for rel, names in found.items()}
    new = {rel: names for rel, names in new.items() if names}
    assert new == {}, (
        "clinical thresholds read outside src/naltrack/clinical/ (ask the core for the decision "
        f"and pass it the policy from naltrack.clinic.active_policy()): {new}"
    )


def test_the_allowance_list_only_excuses_what_is_still_there() -> None:
    found = scan()
    stale = {rel: names - found.get(rel, set()) for rel, names in KNOWN.items()}
    stale = {rel: names for rel, names in stale.items() if names}
    assert stale == {}, f"fixed: remove these from KNOWN in {__name__}: {stale}"


def test_the_check_notices_a_threshold() -> None:
    """The checker itself: each kind of offence is caught, and the version and day arithmetic
    are not."""
    source = (
        "late = policy.injection_overdue_from_day\n"
        "days = active_policy().opioid_free_interval\n"
        "x = rule.deferral_days\n"
        "due = last + timedelta(days=28)\n"
        "ok = policy.version\n"
        "tomorrow = on + timedelta(days=1)\n"
    )
    assert _offences(ast.parse(source)) == {
        "injection_overdue_from_day", "opioid_free_interval", "deferral_days", "timedelta(days=28)",
    }  # fmt: skip


def core_functions_taking_a_policy() -> dict[tuple[str, str], int]:
    """(module, function) -> the position of its `policy` parameter, for every core function."""
    out: dict[tuple[str, str], int] = {}
    for info in pkgutil.walk_packages(naltrack.clinical.__path__, "naltrack.clinical."):
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != info.name:
                continue
            params = list(inspect.signature(fn).parameters)
            if "policy" in params:
                out[(info.name, name)] = params.index("policy")
    return out


def _calls_without_policy(tree: ast.AST, wanted: dict[tuple[str, str], int]) -> set[str]:
    imported: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("naltrack.clinical"):
            for alias in node.names:
                index = wanted.get((node.module or "", alias.name))
                if index is not None:
                    imported[alias.asname or alias.name] = index
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            index = imported.get(node.func.id)
            if index is None:
                continue
            passed = any(kw.arg in ("policy", None) for kw in node.keywords) or any(
                isinstance(a, ast.Starred) for a in node.args
            )
            if not passed and len(node.args) <= index:
                found.add(f"{node.func.id}() without the policy")
    return found


def test_every_call_into_the_core_passes_the_clinics_policy() -> None:
    wanted = core_functions_taking_a_policy()
    assert ("naltrack.clinical.regimens", "injection_timing") in wanted  # the scan sees the core
    missing: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("clinical/") or "/migrations/" in rel:
            continue
        found = _calls_without_policy(ast.parse(path.read_text(encoding="utf-8")), wanted)
        if found:
            missing[rel] = found
    assert missing == {}, f"pass naltrack.clinic.active_policy() to the core: {missing}"


def test_the_call_check_notices_a_missing_policy() -> None:
    wanted = core_functions_taking_a_policy()
    source = (
        "from naltrack.clinical.regimens import injection_timing\n"
        "from naltrack.clinical.alerts import evaluate_alerts as ev\n"
        "a = injection_timing(last, on)\n"
        "b = ev(snapshot)\n"
        "c = injection_timing(last, on, policy)\n"
        "d = ev(snapshot, policy=p)\n"
    )
    assert _calls_without_policy(ast.parse(source), wanted) == {
        "injection_timing() without the policy", "ev() without the policy",
    }  # fmt: skip


# Where the naltrack default policy may be named outside the core: loading the clinic's policy
# (no file: the default), the director's page (each setting beside its default), and the core's
# own command line (`naltrack screen` without --policy).
DEFAULT_NAMED = {"config.py", "reports/policy.py", "cli/clinical.py"}


def test_the_application_asks_active_policy_instead_of_naming_the_default() -> None:
    naming = set()
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("clinical/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Name) and node.id == "DEFAULT_POLICY") or (
                isinstance(node, ast.alias) and node.name == "DEFAULT_POLICY"
            ):
                naming.add(rel)
    assert naming <= DEFAULT_NAMED, f"use naltrack.clinic.active_policy(): {naming - DEFAULT_NAMED}"
