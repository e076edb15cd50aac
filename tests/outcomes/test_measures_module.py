"""The measures module itself: cheap to import (pages import it), and the Kaplan-Meier input
handed to `naltrack.outcomes.survival` when that module is there."""

from __future__ import annotations

import subprocess
import sys
import types
from typing import Any

import pytest

from naltrack.outcomes import measures as m


def test_importing_the_measures_loads_neither_ibis_nor_pyarrow() -> None:
    code = (
        "import sys, naltrack.outcomes.measures; "
        "print(sorted(n for n in ('ibis', 'pyarrow') if n in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_curves_get_each_group_s_durations_and_events(monkeypatch: pytest.MonkeyPatch) -> None:

    class Curve:
        def __init__(self, durations: list[int], events: list[bool]) -> None:
            self.durations, self.events = durations, events

        def as_dict(self) -> dict[str, Any]:
            return {"durations": self.durations, "events": self.events}

    fake = types.ModuleType("naltrack.outcomes.survival")
    fake.kaplan_meier = Curve  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "naltrack.outcomes.survival", fake)
    rows = [["All", 10, 1, 2], ["All", 30, 0, 1], ["oral", 10, 1, 0], ["implant", 5, 0, 0]]
    calls = m.kaplan_meier_curves(rows)
    assert calls == {
        "All": {"durations": [10, 10, 10, 30], "events": [True, False, False, False]},
        "oral": {"durations": [10], "events": [True]},
    }


def test_without_the_survival_module_there_are_no_curves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "naltrack.outcomes.survival", None)
    assert m.kaplan_meier_curves([["All", 10, 1, 0]]) == {}
