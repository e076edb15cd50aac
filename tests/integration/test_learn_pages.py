"""The Learn pages (issue 11): seven short pages, each naming where in the clinical reference it
comes from, written in plain language: each page's English text scores at most grade 8 on the
Flesch-Kincaid formula (0.39 words/sentence + 11.8 syllables/word - 15.59; syllables counted by a
vowel-group heuristic, each paragraph, list item and heading a sentence)."""

from __future__ import annotations

import html
import re

import pytest

from naltrack.portal.views_card import LEARN
from tests.integration.conftest import make_patient
from tests.integration.portal_helpers import give_portal_account, portal_client

pytestmark = pytest.mark.django_db

TOPICS = {
    "how-naltrexone-works", "after-an-injection", "side-effects", "overdose-risk", "alcohol",
    "pregnancy-and-liver", "counselling-and-support",
}  # fmt: skip


def syllables(word: str) -> int:
    w = re.sub(r"[^a-z]", "", word.lower())
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))


def fk_grade(text: str) -> float:
    sentences = max(1, len(re.findall(r"[.!?:]+(?:\s|$)", text)))
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    syl = sum(syllables(w) for w in words)
    return 0.39 * len(words) / sentences + 11.8 * syl / len(words) - 15.59


def article_text(page: str) -> str:
    found = re.search(r"<article.*?</article>", page, re.S)
    assert found is not None
    body = re.sub(r'<p class="small muted">.*?</p>', "", found.group(0), flags=re.S)
    body = re.sub(r"</(li|p|h1|h2)>", ". ", body)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_the_learn_pages_are_short_plain_and_cite_the_reference() -> None:
    assert {slug for slug, _ in LEARN} == TOPICS
    c = portal_client(give_portal_account(make_patient("MRN-0990")))
    index = c.get("/portal/learn/").content.decode()
    for slug, title in LEARN:
        assert f'href="/portal/learn/{slug}/"' in index and str(title) in index
        page = c.get(f"/portal/learn/{slug}/").content.decode()
        assert f'<h1 id="learn-title">{html.escape(str(title))}</h1>' in page
        assert re.search(r"from its clinical reference \(fact sheet [\d.]", page), slug
        text = article_text(page)
        words = len(re.findall(r"[A-Za-z][A-Za-z'-]*", text))
        assert 60 <= words <= 250, (slug, words)  # short
        assert fk_grade(text) <= 8.0, (slug, round(fk_grade(text), 1))
    assert c.get("/portal/learn/no-such-page/").status_code == 404


def test_the_overdose_page_says_what_the_reference_says_about_lost_tolerance() -> None:
    c = portal_client(give_portal_account(make_patient("MRN-0991")))
    text = " ".join(article_text(c.get("/portal/learn/overdose-risk/").content.decode()).split())
    for said in ("your body loses its tolerance", "near the end of the 4 weeks after a shot",
                 "after stopping naltrexone", "Keep naloxone", "always call 911"):  # fmt: skip
        assert said in text, said
