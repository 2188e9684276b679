"""Accessibility (WCAG 2.1 AA): axe-core in headless Chromium finds no violation in the index or
an area document. axe-core comes from npm (package-lock.json), the browser from Debian."""

from __future__ import annotations

import pytest
from browser_support import browser_mark, describe_violations, run_axe, start_chromium, stop_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow, browser_mark(axe=True)]  # Chromium starts in about a second


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    stop_chromium(driver)


@pytest.mark.build
@pytest.mark.parametrize("page", ["index.html", "36_fi.html", "../catalogue/index.html"])
def test_no_axe_violations(built_period, browser, page):
    browser.get((built_period / page).resolve().as_uri())
    assert browser.execute_script("return document.documentElement.lang") == "fi"
    violations = run_axe(browser)
    assert not violations, f"{page}: axe-core found {len(violations)} violation(s):\n" + describe_violations(violations)


@pytest.mark.build
def test_index_after_a_search_and_a_sort_has_no_violations(built_period, browser):
    from selenium.webdriver.common.by import By

    browser.get((built_period / "index.html").as_uri())
    browser.find_element(By.ID, "ohti-q").send_keys("Enonkoski")
    browser.find_elements(By.CSS_SELECTOR, "table.key-table thead button")[3].click()
    violations = run_axe(browser)
    assert not violations, describe_violations(violations)


def test_axe_finds_what_it_should(tmp_path, browser):
    """The check can fail: a page with a missing alt text, no lang and a skipped heading level."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><title>x</title></head><body><main><h1>a</h1><h3>b</h3>'
                    '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>', encoding="utf-8")
    browser.get(page.as_uri())
    found = {violation["id"] for violation in run_axe(browser)}
    assert {"image-alt", "html-has-lang", "heading-order"} <= found
