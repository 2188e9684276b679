"""The index in a real browser: find a municipality, follow it to its area's document.

Headless Chromium (Debian's package) driven by Selenium through Debian's chromedriver; the
screenshot is kept in tests/artifacts/ (ignored by git) for a reader to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import browser_mark, start_chromium, stop_chromium

from ohti.i18n import format_number
from ohti.indicators.comparison import compare_values

ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.slow, browser_mark()]  # Chromium starts in about a second


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    stop_chromium(driver)


def _visible_rows(driver):
    from selenium.webdriver.common.by import By

    return [row for row in driver.find_elements(By.CSS_SELECTOR, "tr[data-code]") if row.is_displayed()]


@pytest.mark.build
def test_find_a_municipality_and_open_its_area(built_period, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get((built_period / "index.html").as_uri())
    assert browser.find_element(By.ID, "ohti-search").is_displayed()  # the script ran
    assert [row.get_attribute("data-code") for row in _visible_rows(browser)] == ["23", "36"]

    field = browser.find_element(By.ID, "ohti-q")
    field.send_keys("Kangasniemi")  # a municipality of Mikkelin seutu
    WebDriverWait(browser, 10).until(lambda d: len(_visible_rows(d)) == 1)
    assert [row.get_attribute("data-code") for row in _visible_rows(browser)] == ["23"]
    field.clear()
    field.send_keys("ei tällaista kuntaa")
    WebDriverWait(browser, 10).until(lambda d: not _visible_rows(d))
    assert browser.find_element(By.ID, "ohti-status").text == "Hakuehdoilla ei löytynyt asiakirjoja."
    field.clear()
    field.send_keys("Enonkoski")  # a municipality of Savonlinna's area
    WebDriverWait(browser, 10).until(lambda d: len(_visible_rows(d)) == 1)
    (row,) = _visible_rows(browser)
    assert row.get_attribute("data-code") == "36"
    assert row.find_element(By.CSS_SELECTOR, ".search-hit").text.endswith("Kunta Enonkoski kuuluu tähän alueeseen")
    status = browser.find_element(By.ID, "ohti-status").text
    assert status == "Näytetään 1 / 2 asiakirjaa."

    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "index_search_enonkoski.png"))

    field.clear()
    field.send_keys("etela-savo")  # a region; case and accents do not matter
    WebDriverWait(browser, 10).until(lambda d: len(_visible_rows(d)) == 2)
    assert not browser.find_element(By.CSS_SELECTOR, "tr[data-code='36'] .search-hit").text
    field.clear()
    field.send_keys("enonkoski")
    WebDriverWait(browser, 10).until(lambda d: len(_visible_rows(d)) == 1)

    row = _visible_rows(browser)[0]
    row.find_element(By.LINK_TEXT, "HTML").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("36_fi.html"))
    text = browser.find_element(By.TAG_NAME, "body").text
    assert "Savonlinna" in browser.find_element(By.TAG_NAME, "h1").text
    for indicator in ("unemployed", "unemployment_rate"):
        value = compare_values(indicator, "area", periods=[built_period.name], codes=["36"])["value"].iloc[0]
        decimals = 0 if indicator == "unemployed" else 1
        assert format_number(value, decimals, "fi") in text, indicator
    browser.save_screenshot(str(ARTIFACTS / "area_36_fi.png"))
    assert (ARTIFACTS / "area_36_fi.png").stat().st_size > 10_000


@pytest.mark.build
def test_summary_table_sorts_by_a_column(built_period, browser):
    from selenium.webdriver.common.by import By

    browser.get((built_period / "index.html").as_uri())
    table = browser.find_element(By.CSS_SELECTOR, "table.key-table")
    heads = table.find_elements(By.CSS_SELECTOR, "thead th")
    rate = next(h for h in heads if h.text.startswith("Työttömyysaste"))
    position = heads.index(rate)

    def column():
        cells = [row.find_elements(By.CSS_SELECTOR, "th, td")[position]
                 for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
        return [float(c.get_attribute("data-sort")) for c in cells if c.get_attribute("data-sort")]

    rate.find_element(By.TAG_NAME, "button").click()
    assert rate.get_attribute("aria-sort") == "ascending"
    ascending = column()
    assert len(ascending) == 45 and ascending == sorted(ascending)
    rate.find_element(By.TAG_NAME, "button").click()
    assert rate.get_attribute("aria-sort") == "descending"
    assert column() == sorted(ascending, reverse=True)
    assert heads[0].get_attribute("aria-sort") is None


def test_language_filter_and_swedish_municipality_names(tmp_path, browser):
    """An index of a bilingual area's two editions: the language menu and Swedish names."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from ohti.publish.index import write_index
    from ohti.publish.site import area_directory

    entries = [{"code": "25", "name": f"Pietarsaaren seutu [{language}]", "language": language,
                "group": "Pohjanmaan ELY-keskus", "html": None, "pdf": None, "status": "ok", "error": None}
               for language in ("fi", "sv")]
    index = write_index(entries, "2023-10", tmp_path / "index.html", directory=area_directory())
    browser.get(index.as_uri())
    assert len(_visible_rows(browser)) == 2
    Select(browser.find_element(By.ID, "ohti-language")).select_by_value("sv")
    WebDriverWait(browser, 10).until(lambda d: len(_visible_rows(d)) == 1)
    assert _visible_rows(browser)[0].get_attribute("data-language") == "sv"
    Select(browser.find_element(By.ID, "ohti-language")).select_by_value("")
    browser.find_element(By.ID, "ohti-q").send_keys("Jakobstad")  # Pietarsaari in Swedish
    WebDriverWait(browser, 10).until(lambda d: browser.find_element(By.ID, "ohti-status").text)
    assert len(_visible_rows(browser)) == 2
    hits = {row.find_element(By.CSS_SELECTOR, ".search-hit").text for row in _visible_rows(browser)}
    assert hits == {"Kunta Jakobstad kuuluu tähän alueeseen"}
