"""The index as a static site: search data, data-package links, the summary of key indicators."""

from __future__ import annotations

import json
import math
import re

import pytest
from conftest import soup_of

from ohti.i18n import format_number
from ohti.indicators.comparison import compare_values
from ohti.publish.index import write_index
from ohti.publish.site import (
    SIGNIFICANCE_MARKS,
    area_directory,
    index_extras,
    key_indicators,
    search_data,
    summary_table,
)
from ohti.sources import areas

PERIOD = "2023-10"


def _entries(folder):
    (folder / "36_fi.html").write_text("<html></html>", encoding="utf-8")
    return [
        {"code": "36", "name": "Savonlinna [fi]", "language": "fi", "group": "Etelä-Savon ELY-keskus",
         "html": str(folder / "36_fi.html"), "pdf": None, "status": "ok", "error": None},
        {"code": "26", "name": "Österbotten [sv]", "language": "sv", "group": "NTM-centralen i Österbotten",
         "html": None, "pdf": None, "status": "ok", "error": None},
        {"code": "ely-07", "name": "Etelä-Savo", "language": "fi", "group": "ELY-keskukset",
         "html": None, "pdf": None, "status": "ok", "error": None},
    ]


@pytest.fixture(scope="module")
def summary():
    return summary_table(PERIOD, "fi", documents={"36": "36_fi.html"})


def test_key_indicators_are_the_current_key_set():
    ids = key_indicators(PERIOD)
    assert "unemployment_rate" in ids and "unemployed" in ids
    assert "activation_rate" in ids
    assert "swedish_speakers_share" not in ids  # context, not in the key set


def test_area_directory_leads_from_municipality_to_area():
    directory = area_directory()
    assert len(directory) == 45
    assert "Enonkoski" in directory["36"]["municipalities"]["fi"]
    assert "Jakobstad" in directory["25"]["municipalities"]["sv"]  # Pietarsaari in Swedish
    assert any("Etelä-Savo" in region for region in directory["36"]["regions"])


def test_summary_table_values_and_marks(summary):
    assert len(summary["rows"]) == 45
    ids = [column["id"] for column in summary["columns"]]
    position = ids.index("unemployment_rate")
    expected = compare_values("unemployment_rate", "area", periods=[PERIOD]).set_index("area_code")
    for row in summary["rows"]:
        cell = row["cells"][position]
        value, significance = expected.at[row["code"], "value"], expected.at[row["code"], "significance"]
        assert cell["text"] == format_number(value, 1, "fi")
        assert math.isclose(cell["sort"], value)
        assert cell["mark"] == SIGNIFICANCE_MARKS.get(significance, "")
        assert cell["mark_text"] in ("parempi", "huonompi", "ei eroa")
    savonlinna = next(row for row in summary["rows"] if row["code"] == "36")
    assert savonlinna["href"] == "36_fi.html"
    assert summary["national"]["name"] == "Koko maa"
    assert summary["national"]["cells"][ids.index("unemployed")]["text"] == format_number(256070, 0, "fi")


def test_search_data_is_safe_json():
    data = json.loads(search_data([{"code": "36"}], {"36": {"names": ["</script><b>"], "regions": [],
                                                             "municipalities": {"fi": ["A"], "sv": ["A"]}}}))
    assert data == {"36": {"names": ["</script><b>"], "municipalities": ["A"], "regions": []}}
    assert "</" not in search_data([{"code": "36"}], {"36": {"names": ["</script>"], "regions": [],
                                                             "municipalities": {"fi": [], "sv": []}}})


def test_index_page(tmp_path, summary):
    entries = _entries(tmp_path)
    directory = area_directory()
    packages = {"36": {"xlsx": str(tmp_path / "data/36_savonlinna/36_savonlinna.xlsx"),
                       "zip": str(tmp_path / "data/36_savonlinna.zip")}}
    path = write_index(entries, PERIOD, tmp_path / "index.html", packages=packages, directory=directory,
                       summary=summary, links=[("Luettelo", "../catalogue/index.html")])
    html = path.read_text(encoding="utf-8")
    soup = soup_of(html)

    # nothing is loaded from elsewhere: no URLs with a scheme or protocol-relative in src/href,
    # no external scripts, stylesheets, images or fonts
    for element in soup.find_all(src=True) + soup.find_all(href=True):
        url = element.get("src") or element.get("href")
        assert not re.match(r"^([a-z][a-z0-9+.-]*:)?//", url, re.I), url
    assert all(not script.get("src") for script in soup.find_all("script"))
    assert soup.find_all("link") == []
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html) and "@import" not in html
    # the search data is in the page
    data = json.loads(soup.find("script", id="ohti-search-data").string)
    assert set(data) == {"36", "26"}
    assert "Enonkoski" in data["36"]["municipalities"] and "Vaasa" in data["26"]["municipalities"]

    row = soup.find("tr", attrs={"data-code": "36"})
    assert row["data-language"] == "fi"
    hrefs = [a["href"] for a in row.find_all("a")]
    assert hrefs == ["36_fi.html", "data/36_savonlinna/36_savonlinna.xlsx", "data/36_savonlinna.zip"]
    assert "Enonkoski" in row.get_text()
    swedish = soup.find("tr", attrs={"data-code": "26"})
    assert swedish.find("th")["lang"] == "sv"  # the Swedish name is marked as Swedish
    assert "Vasa" in swedish.get_text()  # its municipalities in Swedish
    assert soup.find("select", id="ohti-language") is not None  # two languages: a filter
    # the summary table: headers with scope, sort buttons, marks with text beside them
    table = soup.find("table", class_="key-table")
    assert table.find("caption").get_text().startswith("Keskeiset indikaattorit, 2023-10.")
    heads = table.find("thead").find_all("th")
    assert heads and all(th.get("scope") == "col" and th.find("button") for th in heads)
    assert len(table.find("tbody").find_all("tr")) == 45
    assert all(tr.find("th", scope="row") for tr in table.select("tbody tr, tfoot tr"))
    marks = table.find_all("span", class_="mark")
    assert marks and all(mark.find_next_sibling("span", class_="visually-hidden") for mark in marks)
    assert table.find("a", href="36_fi.html").get_text() == "Savonlinna"
    assert table.find("tfoot").find("th").get_text() == "Koko maa"
    headings = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    assert headings[0] == 1 and all(b - a <= 1 for a, b in zip(headings, headings[1:]))


def test_index_extras_write_packages_of_built_areas_only(tmp_path, monkeypatch):
    from ohti.publish import site

    written = []
    monkeypatch.setattr(site, "write_packages",
                        lambda codes, period, outputs_dir, progress: written.append(list(codes)) or {})
    results = [{"code": "36", "language": "fi", "html": str(tmp_path / PERIOD / "36_fi.html"), "status": "ok"},
               {"code": "ely-07", "language": "fi", "html": str(tmp_path / PERIOD / "ely-07_fi.html"),
                "status": "ok"},
               {"code": "national", "language": "fi", "html": None, "status": "failed"}]
    extras = index_extras(results, PERIOD, tmp_path, progress=False)
    assert written == [["36"]]
    assert set(extras) == {"packages", "directory", "summary", "data_sources"}
    current = {row["name"]: row for row in extras["data_sources"]}
    row = next(r for name, r in current.items() if "KEHA-keskus" in name and r["period"] == "2026-06")
    assert row["updated"] == "2026-07-21" and "2026-08-11" in row["origin"]  # the response's update time, the copy's date
    linked = {row["code"]: row["href"] for row in extras["summary"]["rows"] if row["href"]}
    assert linked == {"36": "36_fi.html"}
    assert len(areas.units("area")) == len(extras["summary"]["rows"])


def test_index_says_how_current_each_source_is(tmp_path):
    from ohti.publish.site import data_sources

    path = write_index(_entries(tmp_path), PERIOD, tmp_path / "index.html", directory=area_directory(),
                       data_sources=data_sources("fi"))
    table = soup_of(path).find("table", class_="sources")
    rows = [[cell.get_text(" ", strip=True) for cell in tr.find_all(["th", "td"])] for tr in table.find("tbody").find_all("tr")]
    keha = [r for r in rows if r[0].startswith("Lähde: KEHA-keskus")]
    assert keha == [["Lähde: KEHA-keskus, Työnvälitystilasto. TEM / KEHA-keskus, työnvälitystilasto (StatFin tyonv 12r5); lisenssi CC BY 4.0",
                     "2026-06", "2026-07-21", "ohtin mukana toimitettu aineisto (poimittu 2026-08-11)"]]
    assert len({tuple(r) for r in rows}) == len(rows)  # two files of one source with one span are one row


def test_a_merged_municipality_finds_its_present_area():
    import json

    from ohti.publish.site import area_directory, search_data

    directory = area_directory()
    (area,) = [code for code, info in directory.items() if "Pertunmaa" in info["former"]]
    assert "Mäntyharju" in directory[area]["municipalities"]["fi"]
    data = json.loads(search_data([{"code": area}], directory))
    assert "Pertunmaa" in data[area]["municipalities"]
