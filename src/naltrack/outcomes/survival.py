"""Kaplan-Meier retention curves with numpy (clinical-reference.md Part B §9: retention as time to
discontinuation or loss to follow-up, censored at the data's end or a transfer).

The estimate, its confidence band and the median are those of lifelines' `KaplanMeierFitter`
with its defaults, so that an independent implementation confirms them (issue 14; the tests
compare to 1e-9):

- the timeline is day 0 and every distinct duration (an event's or a censoring's), ascending;
- at each time t with n_t at risk (durations >= t) and d_t events, S(t) = prod (1 - d_i / n_i)
  over the times up to t; a censoring at the same time as an event is still at risk for it;
- the band is the exponential Greenwood ("log(-log)") interval: with V(t) = sum d_i / (n_i (n_i -
  d_i)) (a term with n_i = d_i counts 0), v = log S(t) and z the normal quantile at 1 - alpha/2,
  lower/upper = exp(-exp(log(-v) -/+ z sqrt(V) / v)); where S is 1 the band is 1, where S is 0 it
  is 0;
- the median is the first time S(t) <= 0.5; None when the curve never gets there (lifelines: inf).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import numpy.typing as npt

from naltrack.clinical.errors import InputError

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class KaplanMeier:
    """One curve: the values at each time of `timeline` (days), ascending from 0."""

    timeline: tuple[float, ...]
    survival: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    at_risk: tuple[int, ...]  # n_t: durations >= t
    events: tuple[int, ...]  # d_t: events at t
    median: float | None  # the first day S <= 0.5; None when not reached

    def _index(self, day: float) -> int:
        """The last time on the timeline at or before `day` (-1 before the first)."""
        return int(np.searchsorted(np.asarray(self.timeline), day, side="right")) - 1

    def at(self, day: float) -> float:
        """S(day), the share still retained at that day (a step function: the value at the last
        time on or before it; 1 before the first)."""
        i = self._index(day)
        return 1.0 if i < 0 else self.survival[i]

    def band_at(self, day: float) -> tuple[float, float]:
        i = self._index(day)
        return (1.0, 1.0) if i < 0 else (self.lower[i], self.upper[i])

    def at_risk_at(self, day: float) -> int:
        """How many were still followed at `day` (duration >= day): the numbers-at-risk row under
        a plot. 0 past the last duration."""
        j = int(np.searchsorted(np.asarray(self.timeline), day, side="left"))
        return self.at_risk[j] if j < len(self.timeline) else 0

    def as_dict(self) -> dict[str, Any]:
        """The "km" shape of the stored results (the BRIEF): plain lists, JSON-able."""
        return {
            "timeline": list(self.timeline),
            "survival": list(self.survival),
            "lower": list(self.lower),
            "upper": list(self.upper),
            "at_risk": list(self.at_risk),
            "events": list(self.events),
            "median": self.median,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> KaplanMeier:
        """A stored curve back (the Outcomes page reads the last run's results); `events` may be
        missing from results written by other code."""
        n = len(d["timeline"])
        return cls(
            timeline=tuple(float(x) for x in d["timeline"]),
            survival=tuple(float(x) for x in d["survival"]),
            lower=tuple(float(x) for x in d["lower"]),
            upper=tuple(float(x) for x in d["upper"]),
            at_risk=tuple(int(x) for x in d["at_risk"]),
            events=tuple(int(x) for x in d.get("events", [0] * n)),
            median=None if d.get("median") is None else float(d["median"]),
        )


def _checked(
    durations: Sequence[float] | Floats, events: Sequence[int | bool] | npt.NDArray[Any]
) -> tuple[Floats, npt.NDArray[np.int64]]:
    try:
        t = np.asarray(durations, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InputError("must be numbers of days", "durations") from None
    if t.size == 0:
        raise InputError("no durations: a curve needs at least one subject", "durations")
    if not np.all(np.isfinite(t)):
        raise InputError("must be finite numbers of days", "durations")
    if np.any(t < 0):
        raise InputError("must not be negative", "durations")
    try:
        e_raw = np.asarray(events, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InputError("must be 0 (censored) or 1 (event)", "events") from None
    if e_raw.size != t.size:
        raise InputError(f"has {e_raw.size} values for {t.size} durations", "events")
    if not np.all((e_raw == 0) | (e_raw == 1)):
        raise InputError("must be 0 (censored) or 1 (event)", "events")
    return t, e_raw.astype(np.int64)


def kaplan_meier(
    durations: Sequence[float] | Floats,
    events: Sequence[int | bool] | npt.NDArray[Any],
    alpha: float = 0.05,
) -> KaplanMeier:
    """The Kaplan-Meier curve of `durations` (days from the start to the event or censoring) with
    `events` 1 where discontinuation or loss was observed and 0 where censored."""
    if not 0 < alpha < 1:
        raise InputError("must be between 0 and 1", "alpha")
    t, e = _checked(durations, events)
    times, inverse = np.unique(t, return_inverse=True)
    removed = np.bincount(inverse, minlength=times.size)
    died = np.bincount(inverse, weights=e, minlength=times.size).astype(np.int64)
    if times[0] != 0:  # the timeline starts at day 0, where everyone is at risk
        times = np.concatenate(([0.0], times))
        removed = np.concatenate(([0], removed))
        died = np.concatenate(([0], died))
    at_risk = t.size - np.concatenate(([0], np.cumsum(removed)[:-1]))
    n = at_risk.astype(float)
    d = died.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.cumsum(np.log(n - d) - np.log(n))
        var_terms = np.where(n == d, 0.0, d / (n * (n - d)))
    var = np.cumsum(var_terms)
    survival = np.exp(log_s)
    z = NormalDist().inv_cdf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = z * np.sqrt(var) / log_s
        lower = np.exp(-np.exp(np.log(-log_s) - spread))
        upper = np.exp(-np.exp(np.log(-log_s) + spread))
    lower = np.where(np.isnan(lower), 1.0, lower)
    upper = np.where(np.isnan(upper), 1.0, upper)
    below = np.nonzero(survival <= 0.5)[0]
    median = float(times[below[0]]) if below.size else None
    return KaplanMeier(
        timeline=tuple(float(x) for x in times),
        survival=tuple(float(x) for x in survival),
        lower=tuple(float(x) for x in lower),
        upper=tuple(float(x) for x in upper),
        at_risk=tuple(int(x) for x in at_risk),
        events=tuple(int(x) for x in died),
        median=None if median is None or math.isinf(median) else median,
    )
