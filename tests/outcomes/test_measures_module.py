"""The measures module itself: cheap to import (pages import it), and the Kaplan-Meier input
handed to `naltrack.outcomes.survival` when that module is there."""

from __future__ import annotations

import subprocess
import sys

import pytest

from naltrack.outcomes import measures as m


def test_importing_the_measures_loads_neither_ibis_nor_pyarrow() -> None:
    code = (
        "import sys, naltrack.outcomes.measures; "
        "print(sorted(n for n in ('ibis', 'pyarrow') if n in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_curves_get_each_group_s_durations_and_events() -> None:
    rows = [
        ["all", "All patients", 10, 1, 2],
        ["all", "All patients", 30, 0, 1],
        ["formulation", "oral", 10, 1, 0],
        ["formulation", "implant", 5, 0, 0],
    ]
    curves = m.kaplan_meier_curves(rows)
    assert set(curves) == {"all", "formulation: oral"}  # a group with no one has no curve
    whole = curves["all"]
    # 4 followed: 1 discontinued at day 10, 2 censored there, 1 censored at 30
    assert whole["at_risk"][:3] == [4, 4, 1] and whole["survival"][1] == pytest.approx(
        0.75, abs=1e-12
    )
    assert curves["formulation: oral"]["survival"][-1] == 0.0
