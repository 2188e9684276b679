"""Where a document's figures come from: sources, extraction dates, division, software."""

from __future__ import annotations

import functools
import re

from ohti.i18n import label
from ohti.paths import DATA_DIR, DATA_DIR_USER
from ohti.sources.files import load_manifest
from ohti.sources.loaders import data_dir_manifest, is_pxweb_file
from ohti.sources.pxweb import read_response
from ohti.sources.variables import SOURCES

_SPAN = re.compile(r"(\d{4}(?:-\d{2})?)\s*(?:\.\.|…)\s*(\d{4}(?:-\d{2})?)")
_SINGLE = re.compile(r"^(\d{4}(?:-\d{2})?)\b")
#: Where a file's figures came from, as the documents name it.
ORIGINS = ("shipped", "refresh", "import")


@functools.lru_cache(maxsize=1)
def sources_used() -> list[dict]:
    """The manifest rows of the shipped data, one dict per file."""
    return load_manifest().to_dict("records")


def _periods_of(path, coverage: str) -> tuple[str, str]:
    """The first and last period of a data file: read from a PxWeb response, else from the
    manifest's coverage text ('2006-01..2023-10 monthly; ...')."""
    if is_pxweb_file(path):
        periods = read_response(path).periods()
        return (periods[0], periods[-1]) if periods else ("", "")
    match = _SPAN.search(coverage or "")
    if match:
        return match.group(1), match.group(2)
    single = _SINGLE.match(coverage or "")
    return (single.group(1), single.group(1)) if single else ("", "")


@functools.lru_cache(maxsize=4)
def _source_records(data_manifest_key: str) -> tuple:
    records = []
    by_file = {name: source for source in SOURCES.values() for name in source.files}
    for row in load_manifest().to_dict("records"):
        source = by_file.get(row["file"])
        if source is None:  # a key, a list of names or the map outlines: not a statistic
            continue
        first, last = _periods_of(DATA_DIR / row["file"], row.get("coverage", ""))
        records.append({
            "source": source.id if source else "", "title": source.title if source else "", "file": row["file"],
            "table": row.get("table", ""), "publisher": row["publisher"], "attribution": row["attribution"],
            "licence": row["licence"], "origin": "shipped", "updated": row.get("updated", ""),
            "retrieved": row["extracted"], "first_period": first, "last_period": last,
            "coverage": row.get("coverage", ""), "url": "",
        })
    for row in data_dir_manifest().to_dict("records"):
        source = SOURCES.get(row["source"])
        publisher = row.get("publisher", "")
        records.append({
            "source": row["source"], "title": source.title if source else "", "file": row["file"],
            "table": row.get("table", ""), "publisher": publisher,
            "attribution": f"Lähde: {publisher}" if publisher else "", "licence": row.get("licence") or "CC BY 4.0",
            "origin": row.get("origin") or "refresh", "updated": row.get("updated", ""),
            "retrieved": (row.get("fetched") or "")[:10], "first_period": row.get("first_period", ""),
            "last_period": row.get("last_period", ""), "coverage": "", "url": row.get("url", ""),
        })
    return tuple(records)


def source_records() -> list[dict]:
    """Every data file the loaders read, shipped, refreshed or imported, one dict per file.

    Returns
    -------
    list of dict
        ``source, title, file, table, publisher, attribution, licence, origin`` (shipped,
        refresh or import), ``updated`` (the publisher's update time of the table, where the
        response gives it), ``retrieved`` (extraction or fetch date), ``first_period,
        last_period, coverage, url``.
    """
    manifest = DATA_DIR_USER / "MANIFEST.csv"
    key = manifest.read_text(encoding="utf-8") if manifest.is_file() else ""
    return [dict(r) for r in _source_records(key)]


def _date(text: str) -> str:
    return str(text or "")[:10]


def source_rows(language: str = "fi") -> list[dict]:
    """One row per source and span, as documents and the index show them: ``name`` (the
    attribution and title), ``period``, ``updated`` (the publisher's update of the table, or
    '—') and ``origin`` (shipped, refreshed or imported, with the copy's date). A source of
    two files with the same span (2310, 12u4) is one row."""
    rows = []
    for record in source_records():
        span = record["first_period"] if record["first_period"] == record["last_period"] else \
            f"{record['first_period']} … {record['last_period']}"
        row = {"name": f"{record['attribution']}. {record['title'] or record['publisher']}; "
                       f"{label('licence', language)} {record['licence']}",
               "period": span, "updated": _date(record["updated"]) or "—",
               "origin": label(f"origin_{record['origin']}", language, date=_date(record["retrieved"]))}
        if row not in rows:
            rows.append(row)
    return rows


def regional_division(period: str) -> str:
    """The regional division in force in a period: 'ely' (ELY centres, up to 2025) or 'evk'
    (elinvoimakeskus areas, from 1.1.2026)."""
    return "evk" if str(period)[:4] >= "2026" else "ely"
