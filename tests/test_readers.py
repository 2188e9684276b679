"""Published documents speak to their readers: no command line, no file path of the project or
the build machine, no parameters dump and no build status, in any HTML page or PDF of a build."""

from __future__ import annotations

import re

import pytest
from conftest import soup_of
from pdfminer.high_level import extract_text

pytestmark = [pytest.mark.build, pytest.mark.slow]

MACHINERY = {
    "a command line": re.compile(r"\bohti (build|refresh|import|values|validity|catalogue|validate)\b|--extract|--areas"),
    "a project path": re.compile(r"parameters/|notebooks/|outputs/|\.ipynb|\.md\b|TEMPLATE"),
    "a machine path": re.compile(r"/tmp/|/work/|/home/|\.venv"),
    "a parameters dump": re.compile(r"\b(area_code|period|language|region_code|grouping) = "),
    "a build status": re.compile(r"\b(Tila|Status|epäonnistuneita|misslyckade)\b|Asiakirjoja:|Documents:"),
    "a language tag": re.compile(r"\[(fi|sv|en)\]"),
}


def _problems(where: str, text: str) -> list[str]:
    return [f"{where}: {what}: {match.group(0)!r}" for what, pattern in MACHINERY.items()
            for match in [pattern.search(text)] if match]


def test_no_page_or_pdf_shows_the_machinery(built_period):
    pages = sorted(built_period.glob("*.html"))
    pdfs = sorted(built_period.glob("*.pdf"))
    assert len(pages) >= 3 and len(pdfs) >= 2  # two areas and the index
    problems = []
    for page in pages:
        problems += _problems(page.name, soup_of(page).get_text(" "))
    for pdf in pdfs:
        problems += _problems(pdf.name, extract_text(str(pdf)))
    assert not problems, "\n".join(problems)


def test_the_check_finds_machinery():
    assert _problems("x", "Arvio kirjoitetaan tiedostoon parameters/assessments/2026-06/36.md")
    assert _problems("x", "ei ole määritetty (ohti build --extract)")
    assert _problems("x", "• period = 2026-06")
    assert _problems("x", "Koko maa [fi] 2026-06") and _problems("x", "Tila: Valmis")
    assert not _problems("x", "Savonlinna (36), kesäkuu 2026: työttömyysaste 12,3 %")


@pytest.mark.build
@pytest.mark.slow
def test_each_area_document_opens_with_key_findings_the_spine_chart_and_the_objectives(built_period):
    for path in sorted(built_period.glob("[0-9][0-9]_fi.html")):
        soup = soup_of(path)
        summary = soup.find("h2", string="Yhteenveto")
        following = summary.find_all_next(["section", "figure", "h2"])
        kinds = []
        for element in following:
            if element.name == "h2":
                break
            kinds.append(" ".join(element.get("class") or [element.name]))
        # key findings first, then the spine chart, then the five national objectives
        assert kinds[:3] == ["key-messages", "figure", "objectives"], (path.name, kinds)
        objectives = soup.select("table.objectives tr.objective th")
        assert len(objectives) == 5
        assert soup.find("h2", string="Mikä muuttui edellisestä arviosta") is not None
        assert soup.find("h2", string="Näin luet asiakirjaa") is not None
