"""Fixtures and helpers shared by the tests.

What a test costs is declared by its markers (``pyproject.toml``): ``slow`` (more than a
second or two, fixtures included), ``build`` (runs a notebook in a Jupyter kernel: a real
build of documents, or the tiny fixture notebook) and ``browser`` (drives Chromium).
``pytest -m "not slow"`` runs the rest in well under a minute.

No test writes into the checkout: :func:`outputs_dir` points ohti's outputs folder at a
temporary one for the whole session (so its caches start cold: reading the sources and the
validity analysis cost about 8 s of CPU once a session). Documents built from the real
notebooks are built once per session by :func:`built_period`; a test that changes a build
works on :func:`copy_of_build`. Under pytest-xdist (``make test``: ``-n 2 --dist loadfile``)
each worker is a session of its own: its own outputs folder, and its own shared build if it
runs a test that needs one. Helpers that are plain functions (:func:`soup_of`, :func:`edit_page`,
:func:`csv_rows`, :func:`clear_ohti_caches`) are imported with ``from conftest import ...``
(``tests/`` is on ``sys.path``, as for ``browser_support``).
"""

from __future__ import annotations

import csv
import gzip
import shutil
import sys
from pathlib import Path

import pytest

import ohti.paths
from ohti.paths import DATA_DIR
from ohti.sources.variables import SOURCES

#: The variable that names the folder of ohti's outputs (read by ``ohti.paths``, and by the
#: kernels and processes a build starts, which inherit the environment).
OUTPUTS_VARIABLE = "OHTI_OUTPUTS_DIR"
#: The areas of the shared build (:func:`built_period`): Mikkelin seutu and Savonlinna.
BUILT_AREAS = "23,36"


# --------------------------------------------------------------------------- plain helpers

def soup_of(page):
    """A page parsed with BeautifulSoup's ``html.parser``: `page` is a path or the markup."""
    from bs4 import BeautifulSoup

    markup = page.read_text(encoding="utf-8") if isinstance(page, Path) else page
    return BeautifulSoup(markup, "html.parser")


def edit_page(page: Path, edit) -> Path:
    """Change a built page in place: ``edit(soup)`` edits its parsed HTML (plants a value)."""
    soup = soup_of(page)
    edit(soup)
    page.write_text(str(soup), encoding="utf-8")
    return page


def csv_rows(path, *, delimiter=",", encoding="utf-8") -> list[dict]:
    """The rows of a CSV file as dictionaries keyed by its header."""
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def clear_ohti_caches() -> None:
    """Clear every ``functools`` cache of the loaded ohti modules (after the data they read
    were swapped), so that the next call reads them again."""
    for name, module in list(sys.modules.items()):
        if name == "ohti" or name.startswith("ohti."):
            for value in list(vars(module).values()):
                if hasattr(value, "cache_clear"):
                    value.cache_clear()


# --------------------------------------------------------------------------- markers

#: What a test that uses a fixture must be marked with: the shared build costs a real build.
FIXTURE_MARKS = {"built_period": {"build", "slow"}}


def pytest_collection_modifyitems(config, items):
    """Refuse to run a test that does not say what its fixtures cost (:data:`FIXTURE_MARKS`)."""
    unmarked = [f"{item.nodeid} (uses {fixture}, not marked {', '.join(sorted(missing))})"
                for item in items for fixture, marks in FIXTURE_MARKS.items() if fixture in item.fixturenames
                for missing in [marks - {mark.name for mark in item.iter_markers()}] if missing]
    if unmarked:
        raise pytest.UsageError("tests that do not say what they cost:\n  " + "\n  ".join(unmarked))


# --------------------------------------------------------------------------- outputs folder

def _moved(value, old: Path, new: Path):
    """`value` moved from under `old` to under `new` if it is a path there, else None."""
    if isinstance(value, Path) and (value == old or old in value.parents):
        return new / value.relative_to(old)
    return None


@pytest.fixture(scope="session", autouse=True)
def outputs_dir(tmp_path_factory):
    """The session's outputs folder, a temporary one: no test writes into the checkout's
    ``outputs/``.

    ``OHTI_OUTPUTS_DIR`` names it for the kernels and processes that builds start, and every
    loaded ohti module's path under the checkout's outputs folder (``OUTPUTS_DIR`` imported by
    name, ``SOURCE_CACHE_DIR``) is moved under it; modules imported later read the moved
    ``ohti.paths.OUTPUTS_DIR``.
    """
    folder = tmp_path_factory.mktemp("outputs")
    original = ohti.paths.OUTPUTS_DIR
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(OUTPUTS_VARIABLE, str(folder))
        for name, module in list(sys.modules.items()):
            if module is None or not (name == "ohti" or name.startswith("ohti.")):
                continue
            for attribute, value in list(vars(module).items()):
                moved = _moved(value, original, folder)
                if moved is not None:
                    patch.setattr(module, attribute, moved)
        yield folder


# --------------------------------------------------------------------------- shared data

@pytest.fixture(scope="session")
def real_12r5_lines():
    """The shipped 12r5 snapshot as text lines (header first)."""
    return gzip.decompress((DATA_DIR / SOURCES["tyonv_12r5"].files[0]).read_bytes()).decode("utf-8").splitlines()


@pytest.fixture
def write_12r5(tmp_path, real_12r5_lines):
    """Write a small 12r5 extract made of real lines, optionally edited."""

    def write(lines, name="12r5.csv", encoding="utf-8"):
        path = Path(tmp_path) / name
        path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
        return str(path)

    return write


# --------------------------------------------------------------------------- the shared build

@pytest.fixture(scope="session")
def built_period(tmp_path_factory, outputs_dir):
    """``outputs/<period>`` of one real build, shared by the session: the area documents of
    Mikkelin seutu (23) and Savonlinna (36) for the latest complete month, in Finnish HTML and
    PDF, with their executed notebooks, data packages and index (the catalogue beside it).

    Read it, never change it: a test that changes a build works on :func:`copy_of_build`.
    """
    from ohti.publish.edition import build_area_documents

    outputs = tmp_path_factory.mktemp("built")
    summary = build_area_documents(codes=BUILT_AREAS, formats=("html", "pdf"), jobs=1, language="fi",
                                   progress=False, outputs_dir=outputs)
    assert summary.ok, summary.text()
    return outputs / summary.period


@pytest.fixture
def copy_of_build(built_period, tmp_path) -> Path:
    """A copy of :func:`built_period` (the period's folder and the catalogue beside it) in the
    test's own folder, to change."""
    copy = tmp_path / "outputs" / built_period.name
    shutil.copytree(built_period, copy)
    catalogue = built_period.parent / ohti.paths.CATALOGUE_DIR
    if catalogue.is_dir():
        shutil.copytree(catalogue, copy.parent / ohti.paths.CATALOGUE_DIR)
    return copy

