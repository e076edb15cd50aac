"""The patient version of the choice aid as a PDF to take home (fpdf2, letter size). Helvetica
covers Latin-1, so the Spanish prints with no font file (naltrack.disclosure.pdf.latin1)."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from naltrack.disclosure.pdf import latin1

from .words import Sheet


def sheet_pdf(sheet: Sheet) -> bytes:
    pdf = FPDF(format="letter")
    pdf.set_title(latin1(sheet.heading))
    pdf.set_author("naltrack")
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    pdf.set_font("helvetica", style="B", size=18)
    pdf.multi_cell(0, 9, latin1(sheet.heading), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("helvetica", size=11.5)
    pdf.ln(2)
    pdf.multi_cell(0, 6, latin1(sheet.intro), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for section in sheet.sections:
        pdf.ln(3)
        pdf.set_font("helvetica", style="B", size=13.5)
        pdf.multi_cell(0, 7, latin1(section.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("helvetica", size=11.5)
        for line in section.lines:
            pdf.multi_cell(0, 6, latin1("- " + line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font("helvetica", style="B", size=11.5)
    pdf.multi_cell(0, 6, latin1(sheet.footer), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
