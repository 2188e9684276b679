"""The PDFs are for everyone: tagged (PDF/UA-1) with the document's language, bookmarks from
the headings, a running header with the document's title and period, and page numbers."""

from __future__ import annotations

import io

import pytest
from pdfminer.high_level import extract_text
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfparser import PDFParser

from ohti.build.convert import html_to_pdf
from ohti.paths import TEMPLATES_DIR

pytestmark = pytest.mark.slow  # prints PDFs

PAGE = """<!DOCTYPE html><html lang="fi"><head><meta charset="utf-8"><title>Savonlinna (36) 2026-06</title>
<style>{css}</style></head><body><h1>Savonlinna (36)</h1>
<p class="period">Ajankohta: <span class="period-value">kesäkuu 2026</span></p><p>Johdanto.</p>
<h2>Tiivistelmä</h2>{filler}<h2>Indikaattorit</h2>{filler}<h3>Työttömyys</h3>{filler}</body></html>"""


def _document(tmp_path):
    css = (TEMPLATES_DIR / "document.css").read_text(encoding="utf-8")
    filler = "".join(f"<p>Kappale {i}: työttömyysaste on 12,3 % ja koko maassa 12,8 %.</p>" for i in range(40))
    path = html_to_pdf(PAGE.format(css=css, filler=filler), tmp_path / "36_fi.pdf")
    data = path.read_bytes()
    return data, PDFDocument(PDFParser(io.BytesIO(data)))


def test_the_pdf_is_tagged_with_its_language(tmp_path):
    data, document = _document(tmp_path)
    catalog = document.catalog
    assert "StructTreeRoot" in catalog and catalog["MarkInfo"]["Marked"] is True
    assert catalog["Lang"] in (b"fi", "fi")


def test_the_headings_are_bookmarks(tmp_path):
    _, document = _document(tmp_path)
    titles = [title for _, title, *_ in document.get_outlines()]
    assert titles == ["Savonlinna (36)", "Tiivistelmä", "Indikaattorit", "Työttömyys"]


def test_every_page_after_the_first_has_the_title_and_period_on_top_and_its_number(tmp_path):
    data, _ = _document(tmp_path)
    pages = extract_text(io.BytesIO(data)).split("\f")
    pages = [page for page in pages if page.strip()]
    assert len(pages) >= 3
    assert f"1 / {len(pages)}" in pages[0] and not pages[0].lstrip().startswith("Savonlinna (36)\n\nSavonlinna")
    for number, page in enumerate(pages[1:], start=2):
        assert page.lstrip().startswith("Savonlinna (36) · kesäkuu 2026"), page[:80]
        assert f"{number} / {len(pages)}" in page
