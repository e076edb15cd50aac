"""The import contract (pyproject.toml, [tool.importlinter]) holds, and it fails on a wrong arrow:
run on a copy of the sources with one upward import added (issue 9, part 7)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import naltrack

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(naltrack.__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=src, env=env, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip


def with_line(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the sources with `line` appended to `module` (a path under src/naltrack)."""
    copy = tmp_path / "src"
    shutil.copytree(
        SRC / "naltrack", copy / "naltrack", ignore=shutil.ignore_patterns("__pycache__")
    )
    target = copy / "naltrack" / module
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a") as f:
        f.write(f"\n{line}\n")
    return copy


def test_the_sources_keep_the_contract() -> None:
    done = lint_imports(SRC)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 4 kept, 0 broken." in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # a record area reaching up into the chart that composes it
        ("patients/models.py", "import naltrack.chart.services  # noqa",
         "naltrack.patients is not allowed to import naltrack.chart"),
        # two record areas of one layer are independent
        ("counselling/services.py", "import naltrack.treatment.models  # noqa",
         "naltrack.counselling is not allowed to import naltrack.treatment"),
        # the page plumbing below the record areas
        ("web/pages.py", "import naltrack.patients.services  # noqa",
         "naltrack.web is not allowed to import naltrack.patients"),
        # the core stays pure
        ("clinical/regimens.py", "import django.db  # noqa",
         "naltrack.clinical is not allowed to import django"),
        ("clinical/policy.py", "import naltrack.clinic  # noqa",
         "naltrack.clinical is not allowed to import naltrack.clinic"),
        # inside an area: models below use cases, use cases below pages and the API
        ("patients/models.py", "import naltrack.patients.services  # noqa",
         "naltrack.patients.models is not allowed to import naltrack.patients.services"),
        ("monitoring/services.py", "import naltrack.web.pages  # noqa",
         "naltrack.monitoring.services is not allowed to import naltrack.web"),
        # a new area has to be given its layer
        ("kiosk/__init__.py", '"""A new area."""', "not listed as layers"),
    ],
)  # fmt: skip
def test_a_wrong_arrow_fails_the_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    done = lint_imports(with_line(tmp_path, module, line))
    assert done.returncode != 0
    assert broken in done.stdout + done.stderr
