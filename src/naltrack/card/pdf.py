"""The wallet card as a PDF (fpdf2): credit-card size (ID-1, 85.6 x 54 mm; front and back pages)
and a full page to print and fold, each with a QR code (segno) to the card's verification page;
and the procedures letter. Helvetica covers Latin-1, so Spanish (á é í ó ú ñ ¿ ¡) prints with
no font file (naltrack.disclosure.pdf.latin1 for anything beyond)."""

from __future__ import annotations

import io

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from naltrack.disclosure.pdf import latin1

from .render import CardText, LetterText

CARD_W, CARD_H = 85.6, 54.0  # ISO/IEC 7810 ID-1, millimetres
DARK_RED = (150, 20, 30)


def qr_png(url: str, scale: int = 8) -> io.BytesIO:
    """The QR code of `url` as a PNG (error correction M: survives a worn card)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=scale, border=4)
    out.seek(0)
    return out


def _line(pdf: FPDF, h: float, text: str, *, style: str = "", size: float = 6.5, w: float = 0) -> None:  # fmt: skip
    pdf.set_font("helvetica", style=style, size=size)
    pdf.multi_cell(w, h, latin1(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def wallet_card_pdf(text: CardText, url: str) -> bytes:
    """Two credit-card pages: the front (who, what, when, the clinic), the back (what it means,
    the emergency contact, the QR code)."""
    w = text.words
    pdf = FPDF(unit="mm", format=(CARD_H, CARD_W))  # (height, width) for a landscape card
    pdf.set_title(latin1(f"{w['card_title']}: {text.name}"))
    pdf.set_author("naltrack")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(4, 3, 4)
    # Front
    pdf.add_page(orientation="landscape")
    pdf.set_fill_color(*DARK_RED)
    pdf.rect(0, 0, CARD_W, 12, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(4, 1.8)
    _line(pdf, 5, w["card_title"].upper(), style="B", size=12)
    pdf.set_x(4)
    _line(pdf, 3, w["card_subtitle"], size=6.5)
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(14)
    _line(pdf, 4, f"{w['name']}: {text.name}", style="B", size=8)
    _line(pdf, 3.2, text.formulation, size=6.5)
    for fact in text.facts:
        _line(pdf, 3.1, fact, size=6.2)
    pdf.set_y(CARD_H - 8.5)
    _line(pdf, 3.2, f"{w['clinic']}: {text.clinic}", style="B", size=6.5)
    if text.clinic_phone:
        _line(pdf, 3.2, f"{w['clinic_phone']}: {text.clinic_phone}", style="B", size=6.5)
    # Back
    pdf.add_page(orientation="landscape")
    qr = 26.0
    pdf.image(qr_png(url), x=CARD_W - qr - 2.5, y=3, w=qr, h=qr)
    pdf.set_xy(CARD_W - qr - 2.5, 3 + qr)
    pdf.set_font("helvetica", size=5)
    pdf.multi_cell(qr, 2.3, latin1(f"{w['scan']} ({w['valid_until'].lower()} {text.valid_until})"), align="C")  # fmt: skip
    pdf.set_xy(4, 3.5)
    pdf.set_font("helvetica", style="B", size=6.5)
    pdf.multi_cell(
        CARD_W - qr - 8, 3.2, latin1(text.takes), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    for line in text.meaning_short:
        pdf.set_font("helvetica", size=6)
        pdf.multi_cell(CARD_W - qr - 8, 2.9, latin1("- " + line), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_y(CARD_H - 9)
    if text.emergency_contact:
        _line(pdf, 3.2, f"{w['emergency_contact']}: {text.emergency_contact}", style="B", size=6.5)
    _line(pdf, 3, f"{w['issued']} {text.issued_on}", size=5.5)
    return bytes(pdf.output())


def full_page_pdf(text: CardText, url: str) -> bytes:
    """The same card on a letter-size page, with every statement in full."""
    w = text.words
    pdf = FPDF(format="letter")
    pdf.set_title(latin1(f"{w['card_title']}: {text.name}"))
    pdf.set_author("naltrack")
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    pdf.set_fill_color(*DARK_RED)
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("helvetica", style="B", size=24)
    pdf.cell(0, 14, latin1(w["card_title"].upper()), fill=True, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_font("helvetica", size=11)
    pdf.cell(0, 7, latin1(w["card_subtitle"]), fill=True, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    _line(pdf, 7, f"{w['name']}: {text.name}", style="B", size=14)
    _line(pdf, 6, text.takes, size=12)
    _line(pdf, 6, text.formulation, size=12)
    for fact in text.facts:
        _line(pdf, 6, fact, style="B", size=12)
    pdf.ln(3)
    _line(pdf, 7, w["meaning"], style="B", size=13)
    for line in text.meaning:
        _line(pdf, 6, "- " + line, size=11.5)
    pdf.ln(3)
    if text.emergency_contact:
        _line(pdf, 6, f"{w['emergency_contact']}: {text.emergency_contact}", style="B", size=12)
    _line(pdf, 6, f"{w['clinic']}: {text.clinic}", style="B", size=12)
    if text.clinic_phone:
        _line(pdf, 6, f"{w['clinic_phone']}: {text.clinic_phone}", style="B", size=12)
    pdf.ln(3)
    y = pdf.get_y()
    pdf.image(qr_png(url), x=20, y=y, w=40, h=40)
    pdf.set_xy(64, y + 10)
    pdf.multi_cell(0, 6, latin1(f"{w['scan']}.\n{w['valid_until']}: {text.valid_until}.\n{w['issued']} {text.issued_on}."))  # fmt: skip
    return bytes(pdf.output())


def letter_pdf(text: LetterText) -> bytes:
    w = text.words
    pdf = FPDF(format="letter")
    pdf.set_title(latin1(f"{text.title}: {text.name}"))
    pdf.set_author("naltrack")
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    _line(pdf, 6, text.clinic + (f" - {text.clinic_phone}" if text.clinic_phone else ""), style="B", size=11)  # fmt: skip
    pdf.ln(2)
    _line(pdf, 8, text.title, style="B", size=15)
    _line(pdf, 5.5, w["letter_intro"], size=10.5)
    pdf.ln(2)
    _line(pdf, 6, f"{w['patient']}: {text.name}", style="B", size=11)
    _line(pdf, 6, f"{w['written_on']}: {text.written_on}", size=11)
    if text.procedure_on:
        _line(pdf, 6, f"{w['procedure_on']}: {text.procedure_on}", style="B", size=11)
    _line(pdf, 6, text.takes, size=11)
    for heading, lines in ((w["before"], text.before), (w["pain"], text.pain), (w["after"], text.after)):  # fmt: skip
        pdf.ln(2)
        _line(pdf, 7, heading, style="B", size=12)
        for line in lines:
            _line(pdf, 5.5, "- " + line, size=10.5)
    pdf.ln(3)
    _line(pdf, 5, w["not_advice"], style="I", size=9.5)
    _line(pdf, 4.5, f"{w['sources']} {text.policy}.", size=8)
    for said, source in text.sources:
        _line(pdf, 3.8, f"{said} [{source}]", size=7)
    return bytes(pdf.output())
