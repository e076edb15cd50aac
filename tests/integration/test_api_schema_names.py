"""Every API schema class has its own name: the OpenAPI document names its components by class
name, so two areas' `ReportOut` (the program report's and intake's) made one of them describe the
other's answers (found when issue 15's areas were merged)."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

import naltrack.api  # noqa: F401  (every area's router and schemas)
from naltrack.api import api


def _subclasses(cls: type) -> set[type]:
    out: set[type] = set()
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        out |= {sub} | _subclasses(sub)
    return out


def test_no_two_api_schemas_share_a_name() -> None:
    api.get_openapi_schema()  # builds every router's schemas
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("naltrack."):
            by_name[cls.__name__].add(cls.__module__)
    assert {name: mods for name, mods in by_name.items() if len(mods) > 1} == {}
