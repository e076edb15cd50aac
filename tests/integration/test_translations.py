"""Spanish through Django's translation machinery (issue 11): the catalogue is complete (no msgid
left untranslated or fuzzy, every placeholder kept), the committed .mo says what the .po says,
every translatable string of the portal and the wallet card is in the catalogue (found without
gettext's tools), and a page rendered for a Spanish-speaking patient is in Spanish."""

from __future__ import annotations

import ast
import gettext
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

import naltrack
from naltrack.treatment.services import PlanInput, change_plan
from tests.integration.conftest import PRESCRIBER, TODAY, at, started_on_injection
from tests.integration.portal_helpers import give_portal_account, portal_client
from tests.po import Entry, read_po

SRC = Path(naltrack.__file__).resolve().parent
LOCALE = SRC / "locale"
PO = LOCALE / "es" / "LC_MESSAGES" / "django.po"
# Django merges the project's catalogue with each app's own (reminders, selfreport keep theirs):
# a string is translated when it is in any of them.
CATALOGUES = (PO, *sorted(p for p in SRC.glob("*/locale/es/LC_MESSAGES/django.po")))
# The patient-facing areas: every string they mark for translation must be in the catalogue.
AREAS = (SRC / "portal", SRC / "card")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")
CALLS = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy",
         "npgettext", "npgettext_lazy"}  # fmt: skip
LITERAL = r"u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
TEMPLATE_CALL = re.compile(rf"\b(n?p?gettext)\(\s*({LITERAL}(?:\s*,\s*{LITERAL})*)")


def entries(catalogues: tuple[Path, ...] = CATALOGUES) -> list[Entry]:
    return [e for po in catalogues for e in read_po(po)]


def test_no_msgid_is_left_untranslated_or_fuzzy_in_spanish() -> None:
    found = entries()
    assert len(found) > 150  # the portal, the card, the letter and the Learn pages
    untranslated = [e.msgid for e in found if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in found if e.fuzzy]
    assert untranslated == [] and fuzzy == []


def test_every_translation_keeps_the_placeholders_of_its_msgid() -> None:
    for e in entries():
        wanted = sorted(PLACEHOLDER.findall(e.msgid))
        for text in e.msgstr.values():
            assert sorted(PLACEHOLDER.findall(text)) == wanted, e.msgid


def test_the_committed_mo_is_the_compiled_po() -> None:
    """make messages compiles the .po; the .mo is committed so that a fresh machine (with no
    gettext tools) has it: this test fails when one was changed without the other."""
    assert len(CATALOGUES) >= 3
    for source in CATALOGUES:
        with source.with_suffix(".mo").open("rb") as f:
            catalogue = gettext.GNUTranslations(f)
        compiled = catalogue._catalog  # type: ignore[attr-defined]
        po: dict[object, str] = {}
        for e in entries((source,)):
            if e.msgid_plural is None:
                po[e.key] = e.msgstr[0]
            else:  # gettext keys each plural form by (msgid, form)
                po.update({(e.key, n): text for n, text in e.msgstr.items()})
        mo = {k: v for k, v in compiled.items() if k}
        assert mo == po, source


def marked_in_python(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        args = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]  # fmt: skip
        if name in CALLS and args:
            out.add(f"{args[0]}\x04{args[1]}" if name.startswith(("pgettext", "npgettext")) else args[0])  # fmt: skip
    return out


def marked_in_template(path: Path) -> set[str]:
    out: set[str] = set()
    for name, literals in TEMPLATE_CALL.findall(templatize(path.read_text(encoding="utf-8"))):
        values = [ast.literal_eval(x.lstrip("u")) for x in re.findall(LITERAL, literals)]
        out.add(f"{values[0]}\x04{values[1]}" if name in ("pgettext", "npgettext") else values[0])
    return out


def test_every_string_the_portal_and_the_card_mark_is_in_the_catalogue() -> None:
    marked: set[str] = set()
    for area in AREAS:
        for path in area.rglob("*.py"):
            if "migrations" not in path.parts:
                marked |= marked_in_python(path)
        for path in area.rglob("*.html"):
            marked |= marked_in_template(path)
    assert len(marked) > 150
    catalogue = {e.key for e in entries()}
    assert sorted(marked - catalogue) == []  # run `make messages` and translate what it adds


@pytest.mark.django_db
def test_a_spanish_speaking_patient_sees_the_portal_card_and_learn_pages_in_spanish(settings: object) -> None:  # fmt: skip
    import dataclasses

    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)  # type: ignore[attr-defined]
    first = TODAY - timedelta(days=5)
    p = started_on_injection("MRN-0950", first)
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection"), reason="start",
                actor=PRESCRIBER, at=at(first, 8))  # fmt: skip
    c = portal_client(give_portal_account(p, language="es"))
    home = c.get("/portal/").content.decode()
    assert "Su protección hoy" in home and "Ahora está protegido." in home
    assert "Your protection today" not in home
    card = c.get("/portal/card/")
    html = card.content.decode()
    assert card.status_code == 200 and card["Content-Language"] == "es"
    assert '<html lang="es">' in html
    for spanish in ("Mi tarjeta de bolsillo", "Tomo naltrexona", "Última inyección: 16 de noviembre de 2026.",
                    "Los analgésicos opioides (como morfina, oxicodona o fentanilo) no funcionarán como se espera.",
                    "Inicio", "Aprender"):  # fmt: skip
        assert spanish in html, spanish
    assert "I take naltrexone" not in html and "Last injection" not in html
    learn = c.get("/portal/learn/overdose-risk/").content.decode()
    assert "Por qué los opioides pueden matar después de dejarlos" in learn
    assert "Después de dar naloxona, siempre llame al 911." in learn
    assert "After giving naloxone" not in learn
