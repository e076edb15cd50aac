"""Every example in docs/cli.md is run, and must print exactly what the doc shows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
NALTRACK = Path(sys.executable).with_name("naltrack")
EXAMPLE = re.compile(
    r"<!-- example: naltrack (?P<args>[^;]*?) - ; exit (?P<exit>\d) -->\n```json\n(?P<input>.*?)\n```\n\n"
    r"Output \(exit \d\):\n\n```json\n(?P<output>.*?)\n```",
    re.S,
)
EXAMPLES = list(EXAMPLE.finditer(DOC.read_text(encoding="utf-8")))


def test_the_doc_has_examples_of_every_command() -> None:
    commands = {m["args"].split()[0] for m in EXAMPLES}
    assert commands == {"screen", "score", "schedule", "coverage"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda m: m["args"])
def test_documented_example_matches_the_command(example: re.Match[str]) -> None:
    proc = subprocess.run(
        [str(NALTRACK), *example["args"].split(), "-"],
        input=example["input"], capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == int(example["exit"])
    assert json.loads(proc.stdout) == json.loads(example["output"])
