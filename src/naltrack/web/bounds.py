"""The bounds every entry point applies to what a person types, written once: the pages' forms
(web/fields.py) and the API's schemas (web/apiutil.py) both use these, so SQLite and PostgreSQL
receive the same values (a NUL byte or an over-long text is refused before the database sees it,
where PostgreSQL would fail and SQLite would store it).
"""

from __future__ import annotations

from datetime import date

# A plausible calendar for a clinic's record: birth dates of living patients, and no appointment or
# dose booked beyond this century. Dates outside are typing mistakes (9999-12-31), refused by name.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2099, 12, 31)
# The same range as a pattern of ISO days, so the OpenAPI document declares it.
DAY_PATTERN = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
DATETIME_PATTERN = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T"

# A free-text note or plan section with no column limit of its own (a TextField).
LONG_TEXT = 5000
# A search box, a filter value.
SHORT_TEXT = 100

# A medical record number: 1-32 letters, digits or dashes, as patients.services.MRN (which sits
# above this module; a test holds the two equal). An address with anything else names nobody.
MRN_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$"

NUL = "\x00"
NO_NUL_PATTERN = r"^[^\x00]*$"
NOT_BLANK_PATTERN = r"^[^\x00]*[^\x00\s][^\x00]*$"


def day_problem(value: date) -> str | None:
    """Why a day is refused, or None."""
    if not FIRST_DAY <= value <= LAST_DAY:
        return f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
    return None


def text_problem(value: str) -> str | None:
    if NUL in value:
        return "must not contain a NUL character"
    return None


def search_text(raw: str) -> str:
    """A search box or filter as typed: trimmed, at most SHORT_TEXT characters, without NUL
    characters (which match nothing, and which PostgreSQL refuses in a query)."""
    return raw.replace(NUL, "").strip()[:SHORT_TEXT]
