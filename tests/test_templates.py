"""Document fragments come from Jinja2 templates with autoescape (ohti.documents.templating)."""

from __future__ import annotations

import re

import jinja2
import pandas as pd
import pytest
from markupsafe import Markup

from ohti.documents import sections, tables, templating, validity_section
from ohti.documents.templating import TEMPLATES_DIR, Html, environment, render
from ohti.paths import PACKAGE_DIR

#: The modules whose HTML is written by templates only.
CONVERTED = ["sections.py", "tables.py", "validity_section.py", "process_section.py", "assessments.py"]


def test_a_plain_string_is_escaped_once_and_markup_is_not_escaped_again():
    table = tables.html_table([{"name": "Kainuu & <script>alert(1)</script>"}], [("name", "Kunta", False)])
    assert "Kainuu &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in table and "<script>" not in table
    section = render("sections.html.j2", "breakdown", table=table, notes=["K & K"])
    assert section == table + '<ol class="footnotes small"><li>K &amp; K</li></ol>'
    assert "&amp;amp;" not in section
    # the same table as a plain string is text, not markup
    assert render("sections.html.j2", "breakdown", table=str(table), notes=[]).startswith("&lt;table&gt;")
    assert render("sections.html.j2", "paragraph", text=Markup("<em>a</em>")) == "<p><em>a</em></p>"


def test_quotes_are_escaped_as_the_documents_always_wrote_them():
    # html.escape's entities, not MarkupSafe's &#34; / &#39;, so that published pages keep their bytes
    figure = sections.words_html("Area's \"value\"", css_class='map" onload="x')
    assert figure == ('<figure class="no-chart map&quot; onload=&quot;x"><p>Area&#x27;s &quot;value&quot;</p>'
                      "</figure>")


def test_every_template_compiles_and_its_imports_resolve():
    names = sorted(path.name for path in TEMPLATES_DIR.iterdir() if path.suffix == ".j2")
    assert {"sections.html.j2", "tables.html.j2", "validity.html.j2", "process.html.j2",
            "assessments.html.j2"} <= set(names)
    for name in names:
        module = environment().get_template(name).module
        assert [key for key in vars(module) if not key.startswith("_")], f"{name} defines no macro"


def test_an_argument_not_given_or_not_taken_fails():
    with pytest.raises(jinja2.UndefinedError):
        render("sections.html.j2", "heading", level=2)
    with pytest.raises(TypeError, match="no keyword argument 'colour'"):
        render("sections.html.j2", "heading", text="a", colour="red")


def test_fragments_display_themselves_in_jupyter():
    fragment = sections.heading("summary", "sv", level=3)
    assert isinstance(fragment, Html) and isinstance(fragment, str)
    assert fragment._repr_html_() == "<h3>Sammanfattning</h3>" and fragment.__html__() == fragment
    assert templating.Html is Html
    assert isinstance(validity_section.title_html("2026-06", "fi"), Html)


def test_members_section_is_the_markup_written_out_by_hand():
    profile = {"ely": ["Etelä-Savo"], "maakunta": ["Etelä-Savo"], "evk": ["Itä-Suomi", "Savo & Karjala"],
               "members": pd.DataFrame([{"name": "Sulkava", "code": "768", "language": "yksikielinen suomi",
                                         "group": "maaseutu", "maakunta": "Etelä-Savo"}])}
    assert sections.members_html(profile, "fi") == (
        "<dl><dt>ELY-keskus</dt><dd>Etelä-Savo</dd><dt>Maakunta</dt><dd>Etelä-Savo</dd>"
        "<dt>Elinvoimakeskus (2026)</dt><dd>Itä-Suomi, Savo &amp; Karjala</dd></dl>"
        "<table><caption>Jäsenkunnat</caption><thead><tr><th scope=\"col\">Kunta</th><th scope=\"col\">Koodi</th>"
        "<th scope=\"col\">Kielisuhde</th><th scope=\"col\">Kuntaryhmä</th><th scope=\"col\">Maakunta</th></tr>"
        "</thead><tbody><tr><th scope=\"row\">Sulkava</th><td>768</td><td>yksikielinen suomi</td><td>maaseutu</td>"
        "<td>Etelä-Savo</td></tr></tbody></table>")


def test_red_red_and_title_blocks_are_the_markup_written_out_by_hand():
    flagged = pd.DataFrame({"name": ["Työttömyysaste, %", "Pitkäaikaistyöttömät <12 kk>"], "red_red": [True, True]})
    assert sections.red_red_html(flagged, "fi") == (
        '<p class="red-red"><strong>Huonompi kuin koko maa ja heikkenee:</strong></p>'
        "<ul><li>Työttömyysaste, %</li><li>Pitkäaikaistyöttömät &lt;12 kk&gt;</li></ul>")
    assert sections.national_title_html("2023-10", "sv") == (
        '<header><p class="kicker">Nationell översikt</p><h1>Hela landet</h1>'
        '<p class="period">Tidpunkt: <span class="period-value">oktober 2023</span></p></header>')


def test_trend_markers_read_the_label_table():
    assert sections.trend_text("no significant change", "fi") == "Ei merkitsevää muutosta"
    assert sections.trend_text("worse", "sv") == "Blir sämre"
    assert sections.trend_text("not calculated", "fi") == ""


@pytest.mark.parametrize("module", CONVERTED)
def test_converted_modules_write_no_html_by_hand(module):
    source = (PACKAGE_DIR / "documents" / module).read_text(encoding="utf-8")
    assert "html.escape(" not in source
    assert not re.search(r"""\bf["']<""", source), f"{module} builds HTML in an f-string"
