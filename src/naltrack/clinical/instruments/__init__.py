"""Standard instruments, scored per their published rules (clinical-reference.md Part B section 6).

`score(name, document)` reads the contract's input for one instrument and returns its Score;
each instrument module holds its own item ranges, bands and source.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InputError
from . import audit, ciwa_ar, cows, craving, dsm5, phq9
from .common import Score

SCORERS: dict[str, Callable[[object], Score]] = {
    "phq9": phq9.score,
    "cows": cows.score,
    "ciwa_ar": ciwa_ar.score,
    "audit": audit.score_audit,
    "audit_c": audit.score_audit_c,
    "dsm5_sud": dsm5.score,
    "craving_vas": craving.score_vas,
    "pacs": craving.score_pacs,
}


def score(instrument: str, document: object) -> Score:
    try:
        scorer = SCORERS[instrument]
    except KeyError:
        raise InputError(
            f"unknown instrument {instrument!r}; use one of {', '.join(SCORERS)}", "instrument"
        ) from None
    return scorer(document)


__all__ = ["SCORERS", "Score", "score"]
