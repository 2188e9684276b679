"""Headless Chromium for the browser and accessibility tests: Debian's chromium driven through
its chromedriver with Selenium, and axe-core from the project's node_modules.

Nothing is downloaded: the driver is given explicitly (so Selenium Manager stays idle), and the
browser is started with every background network feature off. Where the browser or axe-core is
missing, :func:`skip_reason` says what to install (``make browser-tools`` as root).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
AXE_PATH = PROJECT_DIR / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER_CANDIDATES = ("/usr/bin/chromedriver",)

#: Options that keep Chromium off the network and free of first-run work.
CHROMIUM_ARGUMENTS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-default-apps", "--disable-extensions",
    "--window-size=1280,1600", "--allow-file-access-from-files",
)


def _first(paths) -> str | None:
    return next((p for p in paths if os.access(p, os.X_OK)), None)


def chromium_path() -> str | None:
    return _first(CHROMIUM_CANDIDATES) or shutil.which("chromium")


def driver_path() -> str | None:
    return _first(DRIVER_CANDIDATES) or shutil.which("chromedriver")


def skip_reason(*, axe: bool = False) -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -e '.[test]'"
    if not chromium_path() or not driver_path():
        root = hasattr(os, "geteuid") and os.geteuid() == 0
        how = "run `make browser-tools`" if root else "ask an administrator (root) to run `apt-get install chromium chromium-driver`"
        return f"Debian's chromium and chromedriver are not installed; {how}"
    if axe and not AXE_PATH.is_file():
        return "axe-core is not installed in node_modules/; run `make browser-tools` (npm ci)"
    return None


def browser_mark(*, axe: bool = False):
    """The mark of a browser test module: skip, saying why, where the browser cannot run; but
    where the setup should have installed it (``OHTI_REQUIRE_BROWSER=1``, set by ``make test``
    when run as root) a missing browser is an error, never a silent skip."""
    import pytest

    reason = skip_reason(axe=axe)
    if reason and os.environ.get("OHTI_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"the browser tests must run here (OHTI_REQUIRE_BROWSER=1): {reason}")
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def start_chromium():
    """A headless Chromium WebDriver with a fresh profile (quit it when done)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="ohti-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium_path()
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(driver_path()), options=options)
    driver.set_script_timeout(60)
    driver.set_page_load_timeout(60)
    driver.ohti_profile = profile
    return driver


def stop_chromium(driver) -> None:
    try:
        driver.quit()
    finally:
        shutil.rmtree(getattr(driver, "ohti_profile", ""), ignore_errors=True)


def run_axe(driver) -> list[dict]:
    """Inject axe-core into the open page and return its violations (WCAG 2.0/2.1 A and AA and
    axe's best practices)."""
    driver.execute_script(AXE_PATH.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ["violations"]})
          .then(r => done({violations: r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help, tags: v.tags,
              nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))}))}))
          .catch(e => done({error: String(e)}));
        """
    )
    if "error" in result:
        raise RuntimeError(f"axe-core failed: {result['error']}")
    return result["violations"]


def describe_violations(violations) -> str:
    """Violations as readable lines: rule, impact, help, and each failing element."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:10]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            for detail in (node.get("summary") or "").splitlines()[:4]:
                lines.append(f"        {detail}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)
