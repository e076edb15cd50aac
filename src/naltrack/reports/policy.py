"""The clinic's running policy, for the program director (and prescribers): every setting with its
value, the naltrack default and whether the clinic changed it, and the rules document generated
from the same policy (clinical/rulesdoc.py), so what is reviewed is exactly what runs. Reading it
is audited as a read of configuration."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from markdown_it import MarkdownIt

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.policy import DEFAULT_POLICY, DEFAULT_VERSION, Policy
from naltrack.clinical.rulesdoc import render_rules_doc


@dataclass(frozen=True, slots=True)
class SettingRow:
    name: str
    value: str
    default: str
    changed: bool
    meaning: str
    source: str


@dataclass(frozen=True, slots=True)
class PolicyView:
    version: str
    is_default: bool
    settings: tuple[SettingRow, ...]
    rules_markdown: str

    @property
    def changed(self) -> tuple[SettingRow, ...]:
        return tuple(r for r in self.settings if r.changed)

    def rules_html(self) -> str:
        """The rules document as HTML. Raw HTML in the Markdown is not passed through (js-default
        preset), so the page shows the text of the knowledge files, never markup from them."""
        html: str = MarkdownIt("js-default").render(self.rules_markdown)
        return html


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "none"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return ", ".join(f"{k} {_shown(v)}" for k, v in dataclasses.asdict(value).items())
    return str(value)


def setting_rows(policy: Policy) -> tuple[SettingRow, ...]:
    """Every setting of `policy` beside the default, a table setting (the opioid-free interval)
    row by row. Generic over the dataclass's fields, as the rules document is: this page names no
    threshold, and a new setting appears here without a change to it."""
    rows: list[SettingRow] = []
    for f in dataclasses.fields(Policy):
        if f.name == "version":
            continue
        meaning, source = str(f.metadata.get("doc", "")), str(f.metadata.get("source", ""))
        value, default = getattr(policy, f.name), getattr(DEFAULT_POLICY, f.name)
        if isinstance(value, Mapping):  # a table: one row per key, its source said once
            for i, (key, item) in enumerate(value.items()):
                base = default.get(key)
                rows.append(SettingRow(f"{f.name}.{key}", _shown(item), _shown(base), item != base,
                                       f"{meaning}: {key}", source if i == 0 else ""))  # fmt: skip
        else:
            rows.append(SettingRow(f.name, _shown(value), _shown(default), value != default,
                                   meaning, source))  # fmt: skip
    return tuple(rows)


def read_clinic_policy(*, actor: Actor, at: datetime) -> PolicyView:
    actor.require(Action.VIEW_POLICY)
    policy = active_policy()
    view = PolicyView(
        policy.version,
        policy.version == DEFAULT_VERSION,
        setting_rows(policy),
        render_rules_doc(policy),
    )
    with transaction.atomic():
        record_by(
            actor, at, AuditAction.READ, "clinic_policy", policy.version,
            detail=f"policy {policy.version}: {len(view.changed)} settings changed from the default",
        )  # fmt: skip
    return view
