"""Nothing leaks: no figure the disclosure gate suppresses appears anywhere a build publishes it.

An adversary's registry draft raises every ``suppression_threshold`` from 5 to 2500, and one
area document is built with it (``OHTI_REGISTRY``), in HTML and PDF. In 2026-06 Savonlinna
(36) has 1 981 unemployed job seekers, below 2500: the gate suppresses them and every figure
computed from them (its unemployment rate 12,3 %, its unemployed per 1 000 inhabitants 52,4,
...), and every other count of persons of the area below 2500. Each of those figures is looked
for, as the document writes it, in every place a build writes numbers: the HTML's text and
tables, the alt texts of its images, the text drawn in its SVG charts, the PDF's text, the
executed notebook, the data package and the index. The whole country's figures (352 001
unemployed) are far above the threshold and are published.

The build (about a minute) is shared by the tests marked ``slow``. The library functions behind
the regional and national documents too (funnel plots, peers, expected values, league tables,
the whole country's values) are checked directly, with the gate's threshold raised in this
process.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
from conftest import soup_of

from ohti.analysis import peers
from ohti.documents import content, sections
from ohti.i18n import format_number, label
from ohti.indicators import disclosure
from ohti.indicators.compute import compute_values
from ohti.paths import PACKAGE_DIR

PERIOD = "2026-06"
AREA = "36"  # Savonlinna
THRESHOLD = 2500

#: Savonlinna's counts of persons in 2026-06 below 2500, as a Finnish document writes them (the
#: smaller ones, under 100, would match too many other numbers to be looked for by value).
COUNTS = {"unemployed": "1 981", "unemployed_men": "1 165", "long_term_unemployed": "836",
          "unemployed_women": "816", "persons_in_services": "427", "in_other_services": "243",
          "foreign_unemployed": "157", "in_labour_market_training": "113"}
#: Its rates whose numerator is one of those counts: suppressed with it (a rate and the published
#: denominator give the count back). Rates that happen to equal a published figure of another
#: unit (its under-25 share 12,1 is also its peers' unemployment rate) cannot be looked for.
RATES = {"unemployment_rate": "12,3", "unemployed_per_1000_inhabitants": "52,4",
         "long_term_unemployed_share": "42,2", "unemployed_over_50_share": "43,0",
         "foreign_unemployed_share": "7,9", "activation_rate": "17,7", "women_share_of_unemployed": "41,2"}
#: The whole country's unemployed: published.
NATIONAL_UNEMPLOYED = "352 001"


# --- the build with the draft registry ----------------------------------------------------------

@pytest.fixture(scope="module")
def draft_build(tmp_path_factory) -> Path:
    """outputs/2026-06 of a build of area 36 (HTML and PDF) with every threshold at 2500."""
    folder = tmp_path_factory.mktemp("leaks")
    registry = (PACKAGE_DIR / "indicators.yaml").read_text(encoding="utf-8")
    assert registry.count("suppression_threshold: 5") > 50
    draft = folder / "draft.yaml"
    draft.write_text(registry.replace("suppression_threshold: 5", f"suppression_threshold: {THRESHOLD}"),
                     encoding="utf-8")
    outputs = folder / "outputs"
    with pytest.MonkeyPatch.context() as patch:
        # ohti.paths reads OHTI_REGISTRY when it is imported, and this process imported it long
        # ago: the build runs in a process of its own, whose workers and kernels inherit it.
        patch.setenv("OHTI_REGISTRY", str(draft))
        patch.setenv("OHTI_OUTPUTS_DIR", str(outputs))
        patch.delenv("OHTI_EXTRACT", raising=False)
        patch.delenv("OHTI_SHARED_RESULTS", raising=False)
        done = subprocess.run([sys.executable, "-m", "ohti", "build", "--areas", AREA, "--period", PERIOD,
                               "--formats", "html,pdf", "--jobs", "1", "--quiet"],
                              capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    period_dir = outputs / PERIOD
    # The build used the draft: its data package suppresses the area's unemployed.
    with open(next(period_dir.glob(f"data/{AREA}_*/values.csv")), encoding="utf-8-sig", newline="") as handle:
        row = next(r for r in csv.DictReader(handle)
                   if (r["level"], r["area_code"], r["indicator"]) == ("area", AREA, "unemployed"))
    assert row["value"] == "" and row["note"].startswith(f"suppressed: fewer than {THRESHOLD} persons"), row
    return period_dir


@pytest.fixture(scope="module")
def hidden() -> dict:
    """What must not be published: name → (the figure as a document writes it, its value)."""
    figures = {}
    for table in (COUNTS, RATES):
        for ident, text in table.items():
            row = compute_values(ident, "area", periods=[PERIOD], codes=[AREA]).iloc[0]
            shown = _normal(format_number(row["value"], _decimals(ident), "fi"))
            assert shown == text, (ident, shown)  # the figures of the shipped data
            assert 0 < row["numerator"] < THRESHOLD, ident
            figures[f"{ident} {PERIOD}"] = (text, float(row["value"]))
    # every month of the area's unemployed over the five years its chart spans
    series = compute_values("unemployed", "area", periods=_months(), codes=[AREA])
    assert series["value"].notna().sum() > 12 and (series["value"] < THRESHOLD).all()
    for period, value in zip(series["period"], series["value"]):
        if not np.isnan(value):
            figures[f"unemployed {period}"] = (_normal(format_number(value, 0, "fi")), float(value))
    return figures


def _decimals(ident: str) -> int:
    from ohti.indicators.registry import get_indicator

    return get_indicator(ident).decimals


def _months() -> list[str]:
    from ohti.indicators.compute import shift_period
    from ohti.sources.access import periods

    return [p for p in periods("month") if shift_period(PERIOD, -60) < p <= PERIOD]


# --- what a build publishes, as text ------------------------------------------------------------

def _normal(text: str) -> str:
    return " ".join(str(text).replace("\u202f", " ").replace("\u00a0", " ").split())


def _svg_texts(svg: str) -> str:
    soup = soup_of(re.sub(r"^\s*<\?xml[^>]*\?>", "", svg))  # no XML prolog: no warning
    return " | ".join(element.get_text(" ") for element in soup.find_all("text"))


def _data_uri_svg(src: str) -> str | None:
    head, _, data = src.partition(",")
    if not head.startswith("data:image/svg+xml"):
        return None
    return base64.b64decode(data).decode("utf-8") if ";base64" in head else urllib.parse.unquote(data)


def _html_parts(markup: str, where: str) -> list[tuple[str, str]]:
    """An HTML page or fragment as (where, text): its text and tables, each image's alt text,
    the text of its SVG charts (inline or as data URIs) and its script data (search data)."""
    soup = soup_of(markup)
    parts = []
    for number, image in enumerate(soup.find_all("img"), start=1):
        parts.append((f"{where}, alt text of image {number}", image.get("alt", "")))
        svg = _data_uri_svg(image.get("src", ""))
        if svg is not None:
            parts.append((f"{where}, SVG of image {number}", _svg_texts(svg)))
        image.decompose()
    for number, svg in enumerate(soup.find_all("svg"), start=1):
        parts.append((f"{where}, inline SVG {number}", _svg_texts(str(svg))))
        svg.decompose()
    for script in soup.find_all(["script", "style"]):
        if script.name == "script" and "json" in (script.get("type") or ""):
            parts.append((f"{where}, script data", script.get_text()))
        script.decompose()
    parts.append((f"{where}, text", soup.get_text(" | ")))
    return parts


def _pdf_text(path: Path) -> str:
    try:
        from pdfminer.high_level import extract_text
    except ImportError:
        extract_text = None
    if extract_text is not None:
        return extract_text(str(path))
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    pytest.skip("neither pdfminer.six nor pdftotext (poppler-utils) is installed to read the PDF")


def _notebook_parts(path: Path) -> list[tuple[str, str]]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for number, cell in enumerate(notebook["cells"], start=1):
        for output in cell.get("outputs", []):
            where = f"{path.name}, cell {number}"
            data = output.get("data", {})
            if "text/html" in data:
                parts += _html_parts("".join(data["text/html"]), where)
            if "image/svg+xml" in data:
                parts.append((f"{where}, SVG", _svg_texts("".join(data["image/svg+xml"]))))
            for key in ("text/plain", "text/markdown"):
                if key in data:
                    parts.append((f"{where}, {key}", "".join(data[key])))
            if "text" in output:
                parts.append((f"{where}, {output.get('name', 'stream')}", "".join(output["text"])))
    return parts


def _package_parts(period_dir: Path) -> list[tuple[str, str]]:
    from openpyxl import load_workbook

    parts = []
    for path in sorted(period_dir.glob("data/**/*.csv")):
        text = path.read_text(encoding="utf-8-sig")
        delimiter = ";" if path.stem.endswith(("_fi", "_sv")) else ","
        for line, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            if _another_areas_row(path, row):
                continue
            parts += [(f"{path.name}, line {line}", cell) for cell in row]
    for path in sorted(period_dir.glob("data/**/*.xlsx")):
        workbook = load_workbook(path, read_only=True, data_only=True)
        for sheet in workbook.worksheets:
            for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if _another_areas_row(path, row):
                    continue
                parts += [(f"{path.name} {sheet.title}, row {line}", str(cell)) for cell in row if cell is not None]
        workbook.close()
    return parts


def _another_areas_row(path: Path, row) -> bool:
    """A row of another area in the all-areas tables (one row per area and indicator, the area
    code first): its figures are that area's own, and a number that happens to equal one of
    Savonlinna's (Kouvola's 427 new vacancies, Savonlinna's 427 persons in services) is not a
    leak. Savonlinna's own rows, and every row of the area packages, are scanned."""
    first = str(row[0]).strip() if row and row[0] is not None else ""
    return path.stem.startswith("all_areas") and re.fullmatch(r"\d{2}", first) is not None and first != AREA


def published_texts(period_dir: Path) -> list[tuple[str, str]]:
    """Everything of a built period that a reader gets, as (where, text)."""
    parts = []
    for path in sorted(period_dir.glob("*.html")):
        parts += _html_parts(path.read_text(encoding="utf-8"), path.name)
    for path in sorted(period_dir.glob("*.pdf")):
        parts.append((path.name, _pdf_text(path)))
    for path in sorted(period_dir.glob("notebooks/*.ipynb")):
        parts += _notebook_parts(path)
    return parts + _package_parts(period_dir)


def _figure(text: str):
    """A figure as written, not as part of a longer number: '836' is not in '1 836' nor in
    '8 836 1', '12,3' not in '112,34'; but '12,3' is in '6/2026 12,3'."""
    before, after = r"(?<![\d,.])", r"(?!\d|[,.]\d)"
    if re.match(r"\d{3}(?!\d)", text):  # its first group could follow others: '1 836'
        before += r"(?<!\d )"
    if "," not in text:  # a whole number could go on with more groups: '836 112'
        after += r"(?! \d{3}(?!\d))"
    return re.compile(before + re.escape(text) + after)


def _cell_number(text: str) -> float | None:
    """A CSV or workbook cell as a number: '1981', '12.296', '12,296' (Finnish dialect)."""
    try:
        return float(str(text).strip().replace(",", "."))
    except ValueError:
        return None


def _found(parts, hidden) -> list[str]:
    found = []
    patterns = {name: _figure(text) for name, (text, _) in hidden.items()}
    for where, text in parts:
        if ".csv" in where or ".xlsx" in where:
            # a cell holds the full value: the count itself, the rate to many decimals
            number = _cell_number(text)
            if number is not None:
                found += [f"{where}: {name} {text!r}" for name, (_, value) in hidden.items()
                          if number == pytest.approx(value, rel=1e-7)]
            continue
        normal = _normal(text)
        for name, pattern in patterns.items():
            for match in pattern.finditer(normal):
                found.append(f"{where}: {name} {hidden[name][0]!r} in "
                             f"…{normal[max(0, match.start() - 80):match.end() + 40]}…")
    return found


# --- the built document -------------------------------------------------------------------------

@pytest.mark.build
@pytest.mark.slow
def test_no_suppressed_figure_of_savonlinna_is_published_anywhere(draft_build, hidden):
    parts = published_texts(draft_build)
    kinds = {where.split(",")[0].rsplit(".", 1)[-1].split()[0] for where, _ in parts}
    assert {"html", "pdf", "ipynb", "csv", "xlsx"} <= kinds, kinds
    # The scan reads what it should: the whole country's unemployed are in the page, the PDF
    # and the notebook, where the area's own figures would be too.
    for suffix in (".html", ".pdf", ".ipynb"):
        assert any(NATIONAL_UNEMPLOYED in _normal(text) for where, text in parts
                   if where.startswith(f"{AREA}_fi{suffix}")), suffix
    # the all-areas tables are read too, Savonlinna's rows among them
    assert any(where.startswith("all_areas") and text == "Savonlinna" for where, text in parts)
    found = _found(parts, hidden)
    assert not found, f"{len(found)} suppressed figure(s) published:\n" + "\n".join(found[:40])


@pytest.mark.build
@pytest.mark.slow
def test_the_audit_finds_no_count_below_the_draft_threshold(draft_build):
    from ohti.publish.audit import audit

    files, findings = audit([draft_build], threshold=THRESHOLD, jobs=1)
    assert {path.suffix for path in files} >= {".html", ".csv"}
    assert not findings, "\n".join(map(str, findings))


@pytest.mark.build
@pytest.mark.slow
def test_a_series_suppressed_throughout_is_said_in_words(draft_build):
    soup = soup_of(draft_build / f"{AREA}_fi.html")
    words = [figure.get_text(" ") for figure in soup.select("figure.no-chart")]
    # Savonlinna's unemployed, its unemployment rate and its vacancies per unemployed: every
    # month of the five years is suppressed, and each chart says so instead of being drawn.
    for ident in ("unemployment_rate", "unemployed", "vacancies_per_unemployed"):
        name = _indicator_name(ident)
        assert any(_normal(text).startswith(f"{name}, Savonlinna: luvut on salattu") for text in words), (ident, words)
    starts = [label(key, "fi").split("{")[0] for key in ("chart_alt_series", "chart_alt_area")]
    alts = [image.get("alt", "") for image in soup.find_all("img")]
    assert not [alt for alt in alts if any(alt.startswith(start) for start in starts)], alts
    # the funnel plots leave Savonlinna out and say so
    assert sum("Savonlinna puuttuu kuviosta, koska sen luvut on salattu." in alt for alt in alts) == 2, alts


def _indicator_name(ident: str) -> str:
    from ohti.indicators.registry import get_indicator

    return get_indicator(ident).label("fi")


# --- the library functions of every document, with the gate's threshold raised ------------------

@pytest.fixture
def high_threshold(monkeypatch):
    """Every indicator's threshold 2500 for the gate in this process (as the draft registry)."""
    monkeypatch.setattr(disclosure, "threshold_for", lambda indicator_id=None: THRESHOLD)


def test_area_series_leave_suppressed_months_out(high_threshold):
    series = content.area_series(AREA, "unemployed", PERIOD)
    months = series["note"] != content.NO_DATA_MONTH
    assert months.sum() > 12
    assert series.loc[months, "suppressed"].all() and series["area"].isna().all()
    assert series["area_adjusted"].isna().all()
    assert series.loc[months, "note"].str.startswith(f"suppressed: fewer than {THRESHOLD} persons").all()
    html = sections.series_html(AREA, "unemployed", PERIOD, "fi", area_name="Savonlinna")
    assert 'class="no-chart"' in html and "<img" not in html and "1 981" not in _normal(html)


def test_a_partly_suppressed_series_is_drawn_without_its_suppressed_months(monkeypatch):
    # with 2000 as the threshold, 5 of Savonlinna's months (2 058 … 2 118 unemployed) are shown
    monkeypatch.setattr(disclosure, "threshold_for", lambda indicator_id=None: 2000)
    series = content.area_series(AREA, "unemployed", PERIOD)
    shown, hidden = series["area"].notna(), series["suppressed"]
    assert shown.sum() >= 3 and hidden.sum() >= 12 and not (shown & hidden).any()
    assert (series.loc[shown, "area"] >= 2000).all()
    html = sections.series_html(AREA, "unemployed", PERIOD, "fi", area_name="Savonlinna")
    parts = dict(_html_parts(html, "chart"))
    assert label("suppressed_span", "fi") in parts["chart, SVG of image 1"]  # the hatched months say why
    latest = re.search(r"Viimeisin arvo (.+?)\.(?: |$)", parts["chart, alt text of image 1"]).group(1)
    assert float(_normal(latest).replace(" ", "")) >= 2000  # the latest month published, not the latest month


def test_funnel_plots_leave_suppressed_areas_out(high_threshold):
    funnel = content.funnel_data("unemployment_rate", PERIOD)
    assert AREA in funnel.suppressed and AREA not in set(funnel.values["area_code"])
    assert len(funnel.values) + len(funnel.suppressed) == 45
    smallest_published = funnel.values["denominator"].min()
    assert funnel.limits["denominator"].min() == pytest.approx(0.8 * smallest_published)  # the axis too
    html = sections.funnel_html("unemployment_rate", PERIOD, "fi", focal=AREA)
    assert "Savonlinna puuttuu kuviosta" in html and "12,3" not in html


def test_peer_table_hides_the_area_and_any_peers_value_that_is_suppressed(high_threshold):
    from ohti.indicators.comparison import compare_values

    shown = ["unemployment_rate", "unemployed", "unemployed_men"]
    table = peers.peer_comparison(AREA, dict.fromkeys(shown, PERIOD)).set_index("indicator")
    assert table[["value", "difference"]].isna().all(axis=None)  # Savonlinna's own: suppressed
    groups = peers.peer_groups(PERIOD)
    codes = groups.loc[groups["area_code"] == AREA, "peer_code"].tolist()
    for ident in shown:
        values = compare_values(ident, "area", periods=[PERIOD]).set_index("area_code").loc[codes, "value"]
        # the peers' combined value would reveal a suppressed peer beside the published ones
        assert np.isnan(table.at[ident, "peers"]) == values.isna().any(), ident
    assert np.isnan(table.at["unemployed_men", "peers"]) and not np.isnan(table.at["unemployed", "peers"])
    assert table.at["unemployed", "national"] == 352001


def test_expected_values_hide_the_areas_observed_and_expected_events(high_threshold):
    from ohti.analysis.expected import fit_expected

    result = fit_expected("unemployment_rate", PERIOD)
    row = result.table.set_index("area_code").loc[AREA]
    assert row[["observed", "expected", "events", "expected_events", "ratio", "lower", "upper"]].isna().all()
    assert row["significance"] == "not compared" and row["note"].startswith("suppressed:")
    html = sections.expected_area_html([result], AREA, "fi")
    assert "12,3" not in html and "salattu" in html


def test_whole_country_values_pass_the_gate_too(high_threshold):
    # 536 persons in coaching in the whole country in 2026-06: below 2500
    national = content.unit_indicator_table("national", "SSS", PERIOD, indicators=["in_coaching"])
    assert np.isnan(national.loc[0, "value"]) and np.isnan(national.loc[0, "national"])
    table = content.area_indicator_tables(PERIOD, indicators=["in_coaching"])
    assert table["national"].isna().all() and table["national_change"].isna().all()
    assert (table["value"].isna() | (table["value"] == 0)).all()  # a zero reveals no one: published


def test_no_trend_is_computed_from_a_suppressed_count(high_threshold):
    # October 2023: five Octobers of data (the months of 2024-2025 have gaps, so no area has a
    # trend in 2026-06); Savonlinna had 1 562 unemployed, its trend was "better" before the gate
    league = content.league_table("unemployment_rate", "2023-10").set_index("area_code")
    suppressed = league["value"].isna()
    assert suppressed[AREA] and suppressed.sum() >= 5
    assert (league.loc[suppressed, "trend_label"] == "not calculated").all()
    # published areas have one, unless one of their five Octobers is suppressed
    assert (league.loc[~suppressed, "trend_label"] != "not calculated").sum() >= 10
    tables = content.area_indicator_tables("2023-10", indicators=["unemployment_rate"]).set_index("area_code")
    assert tables.at[AREA, "trend_label"] == "not calculated" and not tables.at[AREA, "red_red"]


def test_a_map_whose_every_area_is_suppressed_says_so(high_threshold):
    # laid off per 1 000 in the labour force: every area's laid off are fewer than 2500
    html = sections.choropleth_html("laid_off_per_1000_labour_force", PERIOD, "fi")
    assert 'class="no-chart map"' in html and "<img" not in html
    assert "karttaa ei piirretä, koska alueiden luvut on salattu" in html
    # five areas published: the map is drawn, the others white as "no data or suppressed"
    drawn = sections.choropleth_html("activation_rate", PERIOD, "fi")
    assert "<img" in drawn and "Savonlinna 17,7" not in drawn
