"""One finding of the integrity check: the table, the rule broken, the first ids."""

from __future__ import annotations

from dataclasses import dataclass

SHOWN = 20  # ids listed per finding


@dataclass(frozen=True, slots=True)
class Finding:
    table: str
    problem: str
    ids: tuple[object, ...] = ()

    def __str__(self) -> str:
        if not self.ids:
            return f"{self.table}: {self.problem}"
        shown = ", ".join(str(i) for i in self.ids[:SHOWN])
        more = f" and {len(self.ids) - SHOWN} more" if len(self.ids) > SHOWN else ""
        return f"{self.table}: {len(self.ids)} {self.problem}: ids {shown}{more}"
