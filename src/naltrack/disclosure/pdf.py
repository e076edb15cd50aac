"""The patient's accounting of disclosures as a PDF (fpdf2): the same rows as the page and the CSV,
for the patient to take away (45 CFR 164.528; 42 CFR 2.24 and 2.25 as amended in 2024).

The PDF uses the standard Helvetica font, which every PDF reader has and which covers Latin-1:
a character outside it is written without its accent where it has one (typographic dashes and
quotes as plain ones), else as "?", rather than
embedding a font file the clinic's host may not have."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils.timezone import localtime
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from naltrack.clinical.consent import PURPOSE_LABELS, Purpose
from naltrack.patients.models import BreakGlass, Patient

from .models import Disclosure

TITLE = "Accounting of disclosures"
INTRO = (
    "Every disclosure of this patient's substance use disorder records out of the program: to "
    "whom, what, when, why, and under which consent or exception (42 CFR Part 2; HIPAA 45 CFR "
    "164.528). Below it, every time staff outside the patient's care team opened the chart "
    "(break-the-glass), with the reason they gave."
)


# Typographic punctuation people type or paste, as the standard fonts' nearest characters.
_PUNCTUATION = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                              "\u201c": '"', "\u201d": '"', "\u2026": "..."})  # fmt: skip


def latin1(text: str) -> str:
    """Text the standard PDF fonts can show: accents dropped where that is enough, else '?'."""
    out = []
    for ch in text.translate(_PUNCTUATION):
        try:
            ch.encode("latin-1")
            out.append(ch)
        except UnicodeEncodeError:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            out.append(base or "?")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Header:
    patient: Patient
    generated_at: datetime
    generated_by: str


class _Document(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=7)
        self.cell(0, 5, latin1(f"{self.footer_text} - page {self.page_no()}/{{nb}}"), align="C")


def _under(d: Disclosure) -> str:
    if d.basis == "medical_emergency":
        return f"Medical emergency (42 CFR 2.51): {d.emergency.reason if d.emergency else ''}"
    ids = [str(c.pk) for c in (d.consent, d.notes_consent) if c is not None]
    return "Consent " + " and ".join(ids)


def _table(pdf: FPDF, head: tuple[str, ...], widths: tuple[int, ...], rows: Sequence[Sequence[str]]) -> None:  # fmt: skip
    pdf.set_font("helvetica", size=8)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.2, first_row_as_headings=True) as table:  # fmt: skip
        table.row([latin1(h) for h in head])
        for r in rows:
            table.row([latin1(cell) for cell in r])


def accounting_pdf(header: Header, disclosures: list[Disclosure], accesses: list[BreakGlass]) -> bytes:  # fmt: skip
    p = header.patient
    when = localtime(header.generated_at)
    pdf = _Document(orientation="landscape", format="letter")
    pdf.set_title(f"{TITLE}: {p.mrn}")
    pdf.set_author("naltrack")
    pdf.footer_text = f"{TITLE} - {p.mrn} - generated {when:%Y-%m-%d %H:%M %Z}"
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=14)
    pdf.cell(0, 8, latin1(f"{TITLE}: {p.family_name}, {p.given_name}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font("helvetica", size=9)
    pdf.cell(0, 5, latin1(f"MRN {p.mrn} - born {p.birth_date:%Y-%m-%d} - generated "
                          f"{when:%Y-%m-%d %H:%M %Z} by {header.generated_by}"),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.multi_cell(0, 4.5, latin1(INTRO), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font("helvetica", style="B", size=11)
    pdf.cell(0, 7, f"Disclosures ({len(disclosures)})", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if disclosures:
        rows: list[tuple[str, ...]] = [(
            f"{localtime(d.disclosed_at):%Y-%m-%d %H:%M}", d.recipient_name + (f" ({d.recipient_affiliation})" if d.recipient_affiliation else ""),
            ", ".join(d.record_kind_labels()), PURPOSE_LABELS[Purpose(d.purpose)], _under(d),
            d.label_codes(), f"{d.disclosed_by}, {d.get_channel_display()}",
        ) for d in disclosures]  # fmt: skip
        _table(pdf, ("When", "To", "Records", "Purpose", "Under", "Labels", "By, how"),
               (27, 38, 42, 28, 52, 32, 40), rows)  # fmt: skip
    else:
        pdf.set_font("helvetica", size=9)
        pdf.cell(0, 6, "Nothing has been disclosed.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font("helvetica", style="B", size=11)
    pdf.cell(0, 7, f"Chart opened outside the care team ({len(accesses)})", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    if accesses:
        glass: list[tuple[str, ...]] = [(f"{localtime(g.opened_at):%Y-%m-%d %H:%M}", f"{g.username} ({g.role})", g.reason,
                 f"{localtime(g.ends_at):%Y-%m-%d %H:%M}") for g in accesses]  # fmt: skip
        _table(pdf, ("Opened", "By", "Reason given", "Access until"), (25, 45, 150, 28), glass)
    else:
        pdf.set_font("helvetica", size=9)
        pdf.cell(0, 6, "No one outside the care team opened the chart.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    return bytes(pdf.output())
