"""A small reader of gettext .po catalogues for the tests (no gettext tools needed): each entry's
context, msgid, plural and translations, and whether it is marked fuzzy."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    locations: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """The key gettext's .mo uses: context EOT msgid."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def _string(rest: str) -> str:
    value = ast.literal_eval(rest.strip())
    assert isinstance(value, str)
    return value


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header (msgid "") excluded; obsolete (#~) entries skipped."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] | None = None
    started = False

    def flush() -> None:
        nonlocal current, started
        if started and current.msgid:
            entries.append(current)
        current, started = Entry(), False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            target = None
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            current.fuzzy = "fuzzy" in line
            continue
        if line.startswith("#:"):
            current.locations += line[2:].split()
            continue
        if line.startswith("#"):
            continue
        started = True
        if line.startswith("msgctxt "):
            current.msgctxt, target = _string(line[8:]), ("msgctxt", 0)
        elif line.startswith("msgid_plural "):
            current.msgid_plural, target = _string(line[13:]), ("msgid_plural", 0)
        elif line.startswith("msgid "):
            current.msgid, target = _string(line[6:]), ("msgid", 0)
        elif line.startswith("msgstr["):
            n = int(line[7 : line.index("]")])
            current.msgstr[n] = _string(line[line.index("]") + 1 :])
            target = ("msgstr", n)
        elif line.startswith("msgstr "):
            current.msgstr[0], target = _string(line[7:]), ("msgstr", 0)
        elif line.startswith('"') and target is not None:
            name, n = target
            more = _string(line)
            if name == "msgstr":
                current.msgstr[n] += more
            else:
                setattr(current, name, (getattr(current, name) or "") + more)
    flush()
    return entries
