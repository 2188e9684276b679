"""The reader's view of a period: the index page as a small static site, and its data.

``outputs/<period>/index.html`` (written by :func:`ohti.publish.index.write_index`) lets a reader

- find a document by area, region (ELY centre, maakunta), municipality or language: a search
  field filters the list as one types, and a municipality's name finds the area it belongs to;
- compare the 45 employment areas in a national summary table of the key indicators, sortable
  by any column;
- open each area's HTML and PDF document and download its data package (:mod:`ohti.publish.packages`).

The page works from the file system and on any static host: the stylesheet and the script are
in the page, and the search data is a JSON script element in it (nothing is fetched). Without
JavaScript every document is listed and the table is in area order.

This module prepares what the page shows; :func:`ohti.publish.index.write_index` renders it.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from ohti import cache
from ohti.build import stamps
from ohti.i18n import check_language, format_number, label
from ohti.indicators.registry import get_indicator, indicator_ids, key_year_for
from ohti.publish.packages import period_values, write_packages
from ohti.sources import areas
from ohti.sources.provenance import source_rows

#: Words of the index page by language (the document list's words are in ohti.build.LABELS).
SITE_LABELS = {
    "fi": {
        "search": "Hae asiakirjaa",
        "search_field": "Alue, kunta, ELY-keskus, maakunta tai koodi",
        "search_help": "Kunnan nimellä löytyy alue, johon kunta kuuluu.",
        "language": "Kieli",
        "all_languages": "Kaikki kielet",
        "found": "Näytetään {shown} / {total} asiakirjaa.",
        "none_found": "Hakuehdoilla ei löytynyt asiakirjoja.",
        "municipality_hit": "Kunta {municipality} kuuluu tähän alueeseen",
        "municipalities": "Kunnat",
        "n_municipalities": "{n} kuntaa",
        "one_municipality": "1 kunta",
        "data": "Data",
        "data_xlsx": "XLSX",
        "data_zip": "CSV (zip)",
        "data_help": "Datapaketti: alueen ja sen kuntien indikaattoriarvot luottamusväleineen, "
                     "määritelmät ja lähteet (CSV puolipisteellä ja desimaalipilkulla sekä pilkulla, XLSX). "
                     "Lisenssi CC BY 4.0.",
        "documents": "Asiakirjat",
        "summary_title": "Keskeiset indikaattorit alueittain",
        "summary_caption": "Keskeiset indikaattorit, {period}. Lajittele napsauttamalla sarakkeen otsikkoa.",
        "summary_help": "Merkki arvon perässä kertoo eron koko maahan (95 %:n luottamusväli): "
                        "▲ parempi, ▼ huonompi, ● ei eroa; ↑ suurempi ja ↓ pienempi, kun suunta ei ole "
                        "hyvä eikä huono. Ilman merkkiä: ei verrattu. – = ei tietoa tai salattu.",
        "sort": "Lajittele: {column}",
        "area": "Alue",
        "period_note": "Vuositiedot: {periods}.",
        "lang_fi": "suomi", "lang_sv": "ruotsi", "lang_en": "englanti",
    },
    "sv": {
        "search": "Sök dokument",
        "search_field": "Område, kommun, NTM-central, landskap eller kod",
        "search_help": "En kommuns namn hittar området som kommunen hör till.",
        "language": "Språk",
        "all_languages": "Alla språk",
        "found": "Visar {shown} av {total} dokument.",
        "none_found": "Inga dokument motsvarar sökningen.",
        "municipality_hit": "Kommunen {municipality} hör till detta område",
        "municipalities": "Kommuner",
        "n_municipalities": "{n} kommuner",
        "one_municipality": "1 kommun",
        "data": "Data",
        "data_xlsx": "XLSX",
        "data_zip": "CSV (zip)",
        "data_help": "Datapaket: områdets och kommunernas indikatorvärden med konfidensintervall, "
                     "definitioner och källor (CSV med semikolon och decimalkomma samt med komma, XLSX). "
                     "Licens CC BY 4.0.",
        "documents": "Dokument",
        "summary_title": "Nyckelindikatorer per område",
        "summary_caption": "Nyckelindikatorer, {period}. Sortera genom att klicka på kolumnrubriken.",
        "summary_help": "Tecknet efter värdet anger skillnaden mot hela landet (95 % konfidensintervall): "
                        "▲ bättre, ▼ sämre, ● ingen skillnad; ↑ högre och ↓ lägre när riktningen inte "
                        "värderas. Utan tecken: inte jämfört. – = uppgift saknas eller skyddad.",
        "sort": "Sortera: {column}",
        "area": "Område",
        "period_note": "Årsuppgifter: {periods}.",
        "lang_fi": "finska", "lang_sv": "svenska", "lang_en": "engelska",
    },
    "en": {
        "search": "Find a document",
        "search_field": "Area, municipality, ELY centre, region or code",
        "search_help": "A municipality's name finds the area it belongs to.",
        "language": "Language",
        "all_languages": "All languages",
        "found": "Showing {shown} of {total} documents.",
        "none_found": "No document matches the search.",
        "municipality_hit": "The municipality {municipality} belongs to this area",
        "municipalities": "Municipalities",
        "n_municipalities": "{n} municipalities",
        "one_municipality": "1 municipality",
        "data": "Data",
        "data_xlsx": "XLSX",
        "data_zip": "CSV (zip)",
        "data_help": "Data package: the area's and its municipalities' indicator values with intervals, "
                     "definitions and sources (CSV with semicolons and decimal commas, and with commas; XLSX). "
                     "Licence CC BY 4.0.",
        "documents": "Documents",
        "summary_title": "Key indicators by area",
        "summary_caption": "Key indicators, {period}. Sort by clicking a column heading.",
        "summary_help": "The mark after a value gives the difference from the whole country (95 % interval): "
                        "▲ better, ▼ worse, ● similar; ↑ higher and ↓ lower where the direction is not "
                        "judged. No mark: not compared. – = no data or suppressed.",
        "sort": "Sort: {column}",
        "area": "Area",
        "period_note": "Annual data: {periods}.",
        "lang_fi": "Finnish", "lang_sv": "Swedish", "lang_en": "English",
    },
}

#: Marks of the comparison with the whole country (text, never colour alone).
SIGNIFICANCE_MARKS = {"better": "▲", "worse": "▼", "similar": "●", "higher": "↑", "lower": "↓"}


#: Labels of the index's sources table, kept in labels.yaml with the documents' own.
SOURCE_TABLE_LABELS = ("sources_heading", "sources_help", "source_column", "period_column", "updated_column",
                       "origin_column")


def site_labels(language: str) -> dict:
    check_language(language)
    return {**SITE_LABELS[language], **{key: label(key, language) for key in SOURCE_TABLE_LABELS}}


def area_directory() -> dict[str, dict]:
    """Per employment area: its names, its municipalities' and regions' names in every language
    and the names of the municipalities merged into its members (what the search matches), from
    the 2025 municipality key and the mergers."""
    key = areas.load_key()
    units = areas.units("area")
    mergers = areas.load_mergers()
    directory = {}
    for code in units.index:
        members = key[key["area_code"] == code]
        names = lambda column: list(dict.fromkeys(members[column]))  # noqa: E731
        directory[code] = {
            # a merged municipality (Pertunmaa, in Mäntyharju since 2025) finds its present area
            "former": sorted(set(mergers.loc[mergers["new_code"].isin(members.index), "old_name"])),
            "names": list(dict.fromkeys(units.loc[code, ["name_fi", "name_sv", "name_en"]])),
            "municipalities": {language: names(f"name_{language}") for language in ("fi", "sv")},
            "regions": list(dict.fromkeys(
                names("ely_name_fi") + names("ely_name_sv") + names("maakunta_name_fi")
                + names("maakunta_name_sv") + names("evk_name_fi") + names("evk_name_sv"))),
        }
    return directory


def key_indicators(period: str) -> list[str]:
    """The key set of the period's year (or the latest before it) that public data can compute."""
    year = key_year_for(period)
    return [] if year is None else indicator_ids(year, computable=True)


def summary_table(period: str, language: str = "fi", *, documents: dict | None = None) -> dict:
    """The national summary table: the key indicators for every employment area.

    Parameters
    ----------
    documents : dict, optional
        Area code → href of its document (the area's name links there).

    Returns
    -------
    dict
        ``columns`` (``id, name, unit, period``) and ``rows`` (``code, name, href, cells``;
        each cell ``text`` in the language's number format, ``mark`` and ``mark_text`` for the
        significance, and ``sort``, the unformatted value or None), ``national`` (the whole
        country's row: ``name, cells``), ``caption`` and ``help``.
    """
    words = site_labels(language)
    area, _, periods = period_values(period)
    shown = periods.set_index("indicator")["period_area"]
    ids = [ident for ident in key_indicators(period) if shown.get(ident)]
    values = area[area["level"] == "area"].set_index(["indicator", "area_code"])
    columns = []
    for ident in ids:
        indicator = get_indicator(ident)
        columns.append({"id": ident, "name": indicator.label(language), "unit": indicator.unit[language],
                        "period": shown[ident]})
    rows = []
    names = areas.units("area")[f"name_{language}"]
    for code, name in names.items():
        cells = []
        for ident in ids:
            indicator = get_indicator(ident)
            try:
                row = values.loc[(ident, code)]
                value, significance = row["value"], row["significance"]
            except KeyError:
                value, significance = float("nan"), "not compared"
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            mark = SIGNIFICANCE_MARKS.get(significance, "")
            cells.append({
                "text": "–" if missing else format_number(value, indicator.decimals, language),
                "sort": None if missing else float(value),
                "mark": mark,
                "mark_text": label(f"sig_{significance}", language) if mark else "",
                "significance": significance if mark else "",
            })
        rows.append({"code": code, "name": name, "href": (documents or {}).get(code), "cells": cells})
    nation = area[area["level"] == "national"].set_index("indicator")["value"]
    national = {"name": label("national", language), "cells": []}
    for ident in ids:
        value = nation.get(ident, float("nan"))
        missing = value is None or math.isnan(float(value))
        national["cells"].append({
            "text": "–" if missing else format_number(value, get_indicator(ident).decimals, language),
            "sort": None if missing else float(value), "mark": "", "mark_text": "", "significance": "",
        })
    annual = sorted({column["period"] for column in columns if len(column["period"]) == 4})
    caption = words["summary_caption"].format(period=period)
    if annual:
        caption += " " + words["period_note"].format(periods=", ".join(annual))
    return {"columns": columns, "rows": rows, "national": national, "caption": caption,
            "help": words["summary_help"]}


def search_data(entries, directory: dict) -> str:
    """The search data embedded in the page: per area code, the names to match (JSON)."""
    codes = {str(entry["code"]) for entry in entries}
    data = {
        code: {
            "names": info["names"],
            "municipalities": sorted({m for names in info["municipalities"].values() for m in names}
                                     | set(info.get("former", []))),
            "regions": info["regions"],
        }
        for code, info in directory.items() if code in codes
    }
    # '</' cannot end the script element early: every '<' is escaped.
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def index_extras(results, period: str, outputs_dir, *, language: str = "fi", progress: bool = True,
                 packages: dict | None = None) -> dict:
    """Return what the index shows besides the document list (keyword arguments of
    :func:`ohti.publish.index.write_index`), writing the data packages of the area documents unless
    `packages` (area code → :class:`ohti.publish.packages.Package`, e.g. written while the documents
    were built) is given."""
    period_dir = Path(outputs_dir).resolve() / period
    known = set(areas.units("area").index)
    if packages is None:
        codes = sorted({str(r["code"]) for r in results if str(r["code"]) in known})
        packages = write_packages(codes, period, outputs_dir, progress=progress) if codes else {}
    documents = {}
    for result in results:
        code = str(result["code"])
        if code in known and result.get("html") and (code not in documents or result.get("language") == language):
            documents[code] = os.path.relpath(result["html"], period_dir)
    return {
        "packages": {code: {"xlsx": str(p.xlsx), "zip": str(p.zip)} for code, p in packages.items()},
        "directory": area_directory(),
        "summary": _kept_summary(period, language, documents, period_dir),
        "data_sources": data_sources(language),
    }


def data_sources(language: str = "fi") -> list[dict]:
    """How current each source is, for the index: the table, the periods it covers, when the
    publisher last updated it and whether the copy was shipped, refreshed or imported."""
    return source_rows(language)


def _kept_summary(period: str, language: str, documents: dict, period_dir: Path) -> dict:
    """:func:`summary_table`, kept in the period's stamps folder while its inputs are the same
    (so that a build with nothing to do rewrites the index without computing anything)."""
    shared = stamps.shared_digests()
    shared.pop("git", None)
    key = stamps.combine_parts({**shared, "summary": cache.value_digest([period, language, documents])})
    return cache.memo(period_dir / ".stamps", f"summary-{language}", key,
                       lambda: summary_table(period, language, documents=documents))
