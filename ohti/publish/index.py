"""The index page of a period: every document, grouped by region, with its data package, the
summary table of key indicators and the links to the catalogue and the validity document.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from pathlib import Path

from markupsafe import Markup  # noqa: E402

from ohti._files import write_text
from ohti.build.convert import _labels, _templates, without_paths
from ohti.build.results import STATUSES
from ohti.errors import ParameterError
from ohti.publish.site import search_data, site_labels

INDEX_TEMPLATE = "index.html.j2"


def write_index(entries, period, path, *, title=None, language="fi", links=(), packages=None,
                directory=None, summary=None, data_sources=None) -> Path:
    """Write the index page of one period's documents.

    Parameters
    ----------
    entries : iterable of dict
        One per document, with keys ``code``, ``name``, ``html`` and ``pdf`` (paths, relative
        to the folder of `path` or absolute; None when not published), ``status`` (``"ok"`` or
        ``"failed"``), ``error`` (text or None) and optionally ``group`` (e.g. the ELY centre):
        when any entry has a group, rows are shown under one heading per group: the national
        overview first, then the regional documents, the areas by region (alphabetically) and
        the validity document in the researchers' section; entries without a group last. The
        build status is not shown (readers see a document or a dash; the build reports why). The results of
        :func:`build_documents` can be passed as they are.
    period : str
        The period of the documents, e.g. ``"2023-10"``, used in the default title.
    path : str or pathlib.Path
        The file to write, usually ``outputs/<period>/index.html``.
    title : str, optional
        Page title; by default "Alueraportit <period>" in `language`.
    language : {'fi', 'sv', 'en'}
        Language of the page.
    links : iterable of (text, href)
        Further pages to link from the top of the index (e.g. the indicator catalogue).
    packages : dict, optional
        Area code → ``{"xlsx": path, "zip": path}`` of its data package
        (:mod:`ohti.publish.packages`), linked from the area's rows.
    directory : dict, optional
        Area code → names of its municipalities and regions (:func:`ohti.publish.site.area_directory`):
        listed in the area's rows and matched by the search.
    summary : dict, optional
        The national summary table of key indicators (:func:`ohti.publish.site.summary_table`).

    The page searches and sorts with a script embedded in it, with the search data embedded as
    JSON: it works from the file system and loads nothing. Without a script every document is
    listed.

    Returns
    -------
    pathlib.Path
        `path`.

    Raises
    ------
    ParameterError
        `language` is not supported, or entries lack a key or have an unknown status (all such
        problems are listed at once).
    """
    labels = _labels(language)
    path = Path(path)
    entries = list(entries)
    problems = []
    for number, entry in enumerate(entries, start=1):
        problems.extend(_index_entry_problems(number, entry))
    if problems:
        raise ParameterError(f"index entries: {len(problems)} problem(s): " + "; ".join(problems))


    base_dir = path.parent.resolve()
    packages, directory = dict(packages or {}), dict(directory or {})
    rows = [
        {
            "code": str(entry["code"]),
            "name": str(entry["name"]),
            "html": _href(entry.get("html"), base_dir),
            "pdf": _href(entry.get("pdf"), base_dir),
            "failed": entry["status"] == "failed",
            "error": without_paths(entry.get("error")),
            "group": entry.get("group") or "",
            "language": entry.get("language") or "",
            **_index_area_columns(str(entry["code"]), entry.get("language"), packages, directory, base_dir),
        }
        for entry in entries
    ]
    rows.sort(key=lambda row: _code_sort_key(row["code"]))
    if summary is not None:
        summary = dict(summary)
        summary["rows"] = [
            {**row, "href": _href(row.get("href"), base_dir)} for row in summary.get("rows", [])
        ]
    page = (
        _templates()
        .get_template(INDEX_TEMPLATE)
        .render(
            language=language,
            title=title or labels["title"].format(period=period),
            labels=labels,
            groups=_group_rows(rows, other=labels["other"], language=language),
            links=list(links),
            site=site_labels(language),
            languages=sorted({row["language"] for row in rows if row["language"]}),
            search_json=Markup(search_data(entries, directory)),  # noqa: S704 - JSON, '<' escaped
            key_table=summary,
            period=period,
            data_sources=data_sources or [],
        )
    )
    write_text(path, page)
    return path


def _index_area_columns(code, language, packages, directory, base_dir) -> dict:
    """The index row's municipalities and data-package links of an employment area."""
    info = directory.get(code)
    municipalities = []
    if info:
        by_language = info["municipalities"]
        municipalities = by_language.get(language) or by_language.get("fi") or []
    package = packages.get(code) or {}
    return {
        "municipalities": list(municipalities),
        "xlsx": _href(package.get("xlsx"), base_dir),
        "zip": _href(package.get("zip"), base_dir),
    }


def _index_entry_problems(number: int, entry) -> list[str]:
    if not isinstance(entry, Mapping):
        return [f"entry {number}: expected a dict, not {type(entry).__name__}"]
    where = f"entry {number}" + (f" (code {entry['code']!r})" if "code" in entry else "")
    problems = [
        f"{where}: missing key {key!r}" for key in ("code", "name", "status") if key not in entry
    ]
    if "status" in entry and entry["status"] not in STATUSES:
        problems.append(
            f"{where}: unknown status {entry['status']!r}; use one of {', '.join(STATUSES)}"
        )
    return problems


def _href(target, base_dir: Path) -> str | None:
    """A URL for `target` relative to `base_dir` (None stays None)."""
    if target is None or str(target) == "":
        return None
    target = Path(target)
    if target.is_absolute():
        target = Path(os.path.relpath(target, base_dir))
    return urllib.parse.quote(target.as_posix())


def _code_sort_key(code: str):
    """Numeric codes in numeric order, then other codes alphabetically."""
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


#: The order of the index's sections: the national overview first, then the regional documents,
#: then the areas by region, and the researchers' validity document last.
KIND_ORDER = {"national": 0, "region": 1, "area": 2, "validity": 3}


def document_kind(code: str) -> str:
    """national, region (``ely-07``, ``evk-03``, ``maakunta-10``), validity or area, by code."""
    if code in ("national", "validity"):
        return code
    return "region" if "-" in code else "area"


def _group_rows(rows: list[dict], *, other: str, language: str = "fi") -> list[dict]:
    """Rows under their group's heading, in :data:`KIND_ORDER`, the index's language before the
    others, then alphabetically; one unnamed group when no row has a group."""
    if not any(row["group"] for row in rows):
        return [{"name": None, "rows": rows}]
    rank = {}
    for row in rows:
        if row["group"]:
            kind = KIND_ORDER[document_kind(row["code"])]
            rank[row["group"]] = min(rank.get(row["group"], kind), kind)
    foreign = {row["group"]: bool(row["language"]) and row["language"] != language for row in rows if row["group"]}
    names = sorted(rank, key=lambda name: (rank[name], foreign[name], name.casefold()))
    groups = [
        {"name": name, "rows": [row for row in rows if row["group"] == name]} for name in names
    ]
    ungrouped = [row for row in rows if not row["group"]]
    if ungrouped:
        groups.append({"name": other, "rows": ungrouped})
    return groups

