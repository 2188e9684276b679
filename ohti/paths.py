"""The one place for paths, derived from the package root."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
MANIFEST_PATH = DATA_DIR / "MANIFEST.csv"
#: The indicator registry; OHTI_REGISTRY points ohti at another one (e.g. a researcher's draft).
REGISTRY_PATH = Path(os.environ.get("OHTI_REGISTRY", PACKAGE_DIR / "indicators.yaml"))
TEMPLATES_DIR = PACKAGE_DIR / "templates"

#: The project checkout (notebooks, parameters, outputs live beside the package).
PROJECT_DIR = Path(os.environ.get("OHTI_PROJECT_DIR", PACKAGE_DIR.parent)).resolve()
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
PARAMETERS_DIR = PROJECT_DIR / "parameters"
OUTPUTS_DIR = Path(os.environ.get("OHTI_OUTPUTS_DIR", PROJECT_DIR / "outputs")).resolve()
#: The data folder outside the installed package: StatFin tables refreshed (ohti refresh) or
#: imported (ohti import), with their MANIFEST.csv; OHTI_DATA_DIR points elsewhere.
DATA_DIR_USER = Path(os.environ.get("OHTI_DATA_DIR", PROJECT_DIR / "data")).resolve()

#: Expert assessment texts (Markdown); OHTI_ASSESSMENTS_DIR points elsewhere (e.g. in tests).
ASSESSMENTS_DIR = Path(os.environ.get("OHTI_ASSESSMENTS_DIR", PARAMETERS_DIR / "assessments")).resolve()

AREA_NOTEBOOK = NOTEBOOKS_DIR / "area_evaluation.ipynb"
REGION_NOTEBOOK = NOTEBOOKS_DIR / "region_evaluation.ipynb"
NATIONAL_NOTEBOOK = NOTEBOOKS_DIR / "national_overview.ipynb"
VALIDITY_NOTEBOOK = NOTEBOOKS_DIR / "indicator_validity.ipynb"


CATALOGUE_DIR = "catalogue"


CATALOGUE_FILE = "index.html"
