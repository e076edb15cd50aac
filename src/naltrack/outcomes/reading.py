"""Reading the last computed measures for the Outcomes page and its CSV downloads (issue 14).

The page never computes: it shows the last `MeasureRun` with its as-of day and the time it was
computed. Reading it is audited like the program report's read; a CSV download is audited as an
export. The results are aggregates only (no patient is named), as the program report's are.

The stored results (the BRIEF's shape): `measures` {id: {title, columns, rows, note}} and `km`
{group label: curve}. A curve's label is "all" for the whole program, or "<grouping>: <value>"
(e.g. "formulation: xr_injection"), the groupings being those of `GROUPINGS`; the page draws
the curves of one grouping at a time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import NotFoundError
from naltrack.intake.models import Source

from .models import MeasureRun
from .survival import KaplanMeier

# The groupings a director can compare curves by (issue 14, "By group"), as the curve labels
# name them, with the words the page shows.
GROUPINGS: tuple[tuple[str, str], ...] = (
    ("formulation", "Formulation"),
    ("indication", "Indication"),
    ("sex", "Sex"),
    ("age_band", "Age band"),
    ("referral_source", "Referral source"),
    ("cohort", "Start cohort"),
    ("clinic", "Clinic"),
)
ALL = "all"  # the label of the whole program's curve

# The order the page shows the measures in; any other measure a run holds follows these.
ORDER = (
    "retention_milestones",
    "continuity_180",
    "continuity_by_cohort",
    "pdc",
    "abstinence_uds",
    "first_use",
    "use_in_coverage",
    "craving_by_day",
    "phq9_trajectory",
    "safety",
    "by_group",
)


SHOWN_MAX = 200  # rows a table on the page prints; the CSV holds them all


@dataclass(frozen=True)
class Measure:
    id: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""

    @property
    def headers(self) -> list[str]:
        """The column names as the page prints them ("retained_day_30": "retained day 30")."""
        return [c.replace("_", " ") for c in self.columns]

    @property
    def shown(self) -> list[list[str]]:
        """The rows as the page prints them (the first `SHOWN_MAX`): a share (a column named
        share, PDC, proportion or retained_..., 0-1) as a percentage, other fractions to one
        decimal, empty cells as a dash."""
        per = self.column("per")  # a rate per 100 of something, or a share when it says so
        shares = {
            i for i, c in enumerate(self.columns)
            if (any(w in c.lower() for w in ("share", "pdc", "proportion", "retained_"))
                or (per is None and (c.lower() == "rate" or c.lower().endswith("_rate"))))
            and "per_" not in c.lower() and "per " not in c.lower()
        }  # fmt: skip
        rate = self.column("rate")
        return [
            [
                _cell(
                    words(v), i in shares or (i == rate and per is not None and row[per] == "share")
                )
                for i, v in enumerate(row)
            ]
            for row in self.rows[:SHOWN_MAX]
        ]

    @property
    def not_shown(self) -> int:
        """Rows beyond `SHOWN_MAX` (in the CSV only: at a large program the Kaplan-Meier input
        holds a row per day and group, too many for a page)."""
        return max(0, len(self.rows) - SHOWN_MAX)

    def column(self, *names: str) -> int | None:
        """The index of the first column called one of `names` (case and spaces ignored)."""
        wanted = [n.lower().replace(" ", "_") for n in names]
        found = [c.lower().replace(" ", "_") for c in self.columns]
        for name in wanted:
            if name in found:
                return found.index(name)
        return None


# Codes the measures store (they are the facts' own values) in the words the page shows.
WORDS = {
    "oral": "Tablets",
    "xr_injection": "XR injection",
    "implant": "Implant",
    "formulation": "Formulation",
    "indication": "Indication",
    "sex": "Sex",
    "age_band": "Age band",
    "referral_source": "Referral source",
    "cohort": "Start cohort",
    "clinic": "Clinic",
    **dict(Source.choices),  # the referral sources (intake)
    "female": "Female",
    "male": "Male",
    "none": "None recorded",
}


def words(v: Any) -> Any:
    return WORDS.get(v, v) if isinstance(v, str) else v


def _cell(v: Any, share: bool) -> str:
    if v is None or v == "":
        return "\u2013"  # an en dash: no value
    if isinstance(v, bool) or not isinstance(v, int | float):
        return str(v)
    if share and 0 <= v <= 1:
        return f"{v:.0%}"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.1f}"
    return f"{v:g}" if isinstance(v, float) else str(v)


@dataclass(frozen=True)
class OutcomesView:
    run: MeasureRun
    measures: dict[str, Measure]
    curves: dict[str, KaplanMeier] = field(default_factory=dict)

    def groupings(self) -> list[tuple[str, str]]:
        """The groupings the run has curves for, in `GROUPINGS` order."""
        have = {label.split(":", 1)[0].strip() for label in self.curves if ":" in label}
        return [(key, words) for key, words in GROUPINGS if key in have]

    def curves_of(self, grouping: str) -> dict[str, KaplanMeier]:
        """The curves of one grouping, named by their value; the whole program's when the run has
        none of that grouping (or `grouping` is "all")."""
        prefix = f"{grouping}:"
        chosen = {
            words(label[len(prefix) :].strip()): km
            for label, km in self.curves.items()
            if label.startswith(prefix)
        }
        if chosen:
            return dict(sorted(chosen.items()))
        return {"All patients": self.curves[ALL]} if ALL in self.curves else {}


def _measures(results: Mapping[str, Any]) -> dict[str, Measure]:
    raw = results.get("measures") or {}
    ids = [m for m in ORDER if m in raw] + sorted(m for m in raw if m not in ORDER)
    return {
        m: Measure(
            id=m,
            title=str(raw[m].get("title", m)),
            columns=[str(c) for c in raw[m].get("columns", [])],
            rows=[list(r) for r in raw[m].get("rows", [])],
            note=str(raw[m].get("note", "")),
        )
        for m in ids
    }


def last_run() -> MeasureRun | None:
    return MeasureRun.objects.order_by("-computed_at", "-id").first()


def view_of(run: MeasureRun) -> OutcomesView:
    results = run.results or {}
    curves = {str(k): KaplanMeier.from_dict(v) for k, v in (results.get("km") or {}).items()}
    return OutcomesView(run=run, measures=_measures(results), curves=curves)


def read_outcomes(*, actor: Actor, at: datetime) -> OutcomesView | None:
    """The last computed measures (None when nothing was computed yet), audited as a read."""
    actor.require(Action.VIEW_REPORTS)
    with transaction.atomic():
        run = last_run()
        detail = "no measures computed yet" if run is None else _detail(run)
        record_by(actor, at, AuditAction.READ, "outcomes", "" if run is None else run.pk,
                  detail=detail)  # fmt: skip
    return None if run is None else view_of(run)


def _detail(run: MeasureRun) -> str:
    return f"as of {run.as_of}, period {run.period_start}..{run.period_end}"


def export_measure(measure_id: str, *, actor: Actor, at: datetime) -> tuple[str, str]:
    """One measure of the last run as CSV (its stored columns and rows, aggregates only), with the
    run's period and as-of day on every row; audited as an export. Returns (file name, body)."""
    actor.require(Action.VIEW_REPORTS)
    with transaction.atomic():
        run = last_run()
        if run is None:
            raise NotFoundError("no measures have been computed yet", "measure")
        measure = _measures(run.results or {}).get(measure_id)
        if measure is None:
            raise NotFoundError(f"the last run has no measure {measure_id!r}", "measure")
        record_by(actor, at, AuditAction.EXPORT, "outcomes", run.pk,
                  detail=f"csv {measure_id}, {_detail(run)}")  # fmt: skip
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["as_of", "period_start", "period_end", "policy_version", *measure.columns])
    for row in measure.rows:
        w.writerow([run.as_of, run.period_start, run.period_end, run.policy_version, *row])
    name = f"naltrack-{measure_id}-{run.period_start}-{run.period_end}.csv"
    return name, out.getvalue()
