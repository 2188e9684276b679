"""The indicator catalogue: every registry entry with its metadata and where it can be computed.

``ohti indicators`` prints :func:`catalogue_table`; ``make catalogue`` publishes
:func:`write_catalogue` beside the reports, and each area document links its indicators there.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ohti._files import write_text
from ohti.analysis.validity import analyse
from ohti.build.convert import render_template
from ohti.documents.validity_section import catalogue_fact
from ohti.errors import OhtiError
from ohti.indicators.compute import coverage, indicator_coverage, indicator_frequency
from ohti.indicators.registry import THEMES, load_registry
from ohti.paths import CATALOGUE_DIR, CATALOGUE_FILE
from ohti.sources.areas import LEVELS
from ohti.sources.variables import SOURCES

THEME_NAMES = {
    "job_seekers": "Työnhakijat / Arbetssökande / Job seekers",
    "employers": "Työnantajat / Arbetsgivare / Employers",
    "koto": "Kotoutuminen (KOTO) / Integration / Integration (KOTO)",
    "resources": "Resurssit ja palvelut / Resurser och tjänster / Resources and services",
    "labour_market": "Työmarkkinat / Arbetsmarknad / Labour market",
}


def where_computable(indicator_id: str) -> dict:
    """For each level, how many units ever have a value, and the periods covered."""
    frequency = indicator_frequency(indicator_id)
    found = {}
    for level in (*LEVELS, "national"):
        first, last, units = coverage(indicator_id, level, frequency)
        if units:
            found[level] = (units, first, last)
    return found


def _describe_derivation(derive: dict) -> str:
    of = derive["of"] if isinstance(derive["of"], str) else " / ".join(derive["of"])
    relative = " (relative, %)" if derive.get("relative") else ""
    return f"{derive['op']}({of}){relative}"


def catalogue_table(key_year: int | None = None) -> pd.DataFrame:
    """One row per indicator with its metadata and coverage (the ``ohti indicators`` CSV).

    Columns include ``id``, names in fi/sv/en, ``availability``, ``statistic``, ``unit``,
    ``multiplier``, ``numerator``, ``denominator``, ``derive``, ``polarity``, ``kind``,
    ``theme``, ``source``, ``frequency``, ``first_period``, ``last_period``, ``ci_method``,
    ``suppression_threshold``, ``legal_basis``, ``rule_version``, ``key``, ``areas_computable``
    (employment areas with a value, of 45) and ``levels`` (where it can be computed).
    """
    rows = []
    for indicator in load_registry().values():
        if key_year is not None and key_year not in indicator.key:
            continue
        computable = indicator.computable
        found = where_computable(indicator.id) if computable else {}
        rows.append({
            "id": indicator.id,
            "name_fi": indicator.name["fi"], "name_sv": indicator.name["sv"], "name_en": indicator.name["en"],
            "availability": indicator.availability,
            "statistic": indicator.statistic,
            "unit": indicator.unit["fi"],
            "multiplier": indicator.multiplier,
            "numerator": " + ".join(indicator.numerator),
            "denominator": " + ".join(indicator.denominator),
            "derive": _describe_derivation(indicator.derive) if indicator.derive else "",
            "polarity": indicator.polarity, "kind": indicator.kind, "theme": indicator.theme,
            "source": indicator.source,
            "frequency": indicator_frequency(indicator.id) if computable else "",
            "first_period": indicator_coverage(indicator.id)[0] if computable else "",
            "last_period": indicator_coverage(indicator.id)[1] if computable else "",
            "ci_method": indicator.ci_method,
            "suppression_threshold": indicator.suppression_threshold,
            "legal_basis": indicator.legal_basis or "",
            "rule_version": indicator.rule_version or "",
            "key": ";".join(str(year) for year in indicator.key),
            "areas_computable": found.get("area", (0,))[0],
            "levels": ";".join(f"{level}:{units}" for level, (units, _, _) in found.items()),
        })
    return pd.DataFrame(rows)


def _facts(indicator, row, extract: dict | None = None) -> list[tuple[str, str]]:
    source = SOURCES[indicator.source].title if indicator.source in SOURCES else "TE-asiakasrekisteri / customer register (not public)"
    definition = (f"{_describe_derivation(indicator.derive)}" if indicator.derive
                  else f"{' + '.join(indicator.numerator)}" + (f" / ({' + '.join(indicator.denominator)})" if indicator.denominator else ""))
    facts = [
        ("availability", "public statistics" if indicator.computable else "customer register only: not measured in these documents"),
        ("statistic", f"{indicator.statistic} × {indicator.multiplier:g}"),
        ("definition", definition),
        ("polarity", indicator.polarity.replace("_", " ")),
        ("kind", indicator.kind),
        ("theme", indicator.theme),
        ("source", source),
        ("periods", f"{row['first_period']} … {row['last_period']} ({row['frequency']})" if indicator.computable else "—"),
        ("where computable", row["levels"].replace(";", ", ") or "—"),
        ("confidence interval", indicator.ci_method),
        ("suppression threshold", f"{indicator.suppression_threshold} persons"),
        ("legal basis", indicator.legal_basis or "—"),
        ("rule version", indicator.rule_version or "—"),
        ("key set", ", ".join(str(y) for y in indicator.key) or "—"),
    ]
    facts.append(("validity", validity_fact(indicator.id)))
    if extract and not indicator.computable:
        facts[0] = ("availability", "customer register: measured in the area documents from the extract below")
        facts.append(("measured from", extract_text(extract)))
    return facts


def validity_fact(indicator_id: str) -> str:
    """The indicator's validity scorecard in one line (:mod:`ohti.analysis.validity`, computed once and
    kept while ohti's files are unchanged), or why it has none."""
    try:
        result = analyse()
    except OhtiError as error:
        return f"not assessed: {error}"
    if _VALIDITY_FACTS.get("result") is not result:  # one table of facts per analysis
        facts = {row["indicator"]: catalogue_fact(row) for row in result.scorecard.to_dict("records")}
        facts.update({row["indicator"]: f"not assessed: {row['reason']}" for row in result.not_computable.to_dict("records")})
        _VALIDITY_FACTS.clear()
        _VALIDITY_FACTS.update(result=result, facts=facts)
    return _VALIDITY_FACTS["facts"].get(indicator_id, "not assessed")


_VALIDITY_FACTS: dict = {}


def extract_text(extract: dict) -> str:
    """How the catalogue names the customer-register extract the documents were measured from."""
    text = f"{extract['name']} (SHA-256 {extract['sha256'][:12]}…)"
    return text + (" — synthetic demonstration data, not real register data" if extract.get("synthetic") else "")


def write_catalogue(outputs_dir, *, extract: dict | None = None) -> Path:
    """Publish the HTML catalogue at ``<outputs_dir>/catalogue/index.html`` (atomically)."""
    registry = load_registry()
    table = catalogue_table().set_index("id")
    themes = []
    for theme in THEMES:
        members = [i for i in registry.values() if i.theme == theme]
        if not members:
            continue
        themes.append({"name": THEME_NAMES[theme], "indicators": [
            {"id": i.id, "name_fi": i.name["fi"], "name_sv": i.name["sv"], "name_en": i.name["en"],
             "computable": i.computable, "description": i.description, "interpretation": i.interpretation,
             "unit": i.unit, "facts": _facts(i, table.loc[i.id], extract)}
            for i in members]})
    computable = int((table["availability"] == "public").sum())
    page = render_template(
        "catalogue.html.j2", language="fi", title="Indikaattoriluettelo / Indikatorkatalog / Indicator catalogue",
        summary=f"{len(table)} indicators: {computable} computed from public statistics, "
                f"{len(table) - computable} needing customer-register data."
                + (f" The area documents measure these from the extract {extract_text(extract)}." if extract else ""),
        themes=themes,
        labels={"contents": "Sisällys", "register": "asiakasrekisteri", "description": "Kuvaus / Beskrivning / Description",
                "interpretation": "Tulkinta / Tolkning / Interpretation", "unit": "Yksikkö / Enhet / Unit"},
    )
    path = Path(outputs_dir) / CATALOGUE_DIR / CATALOGUE_FILE
    write_text(path, page)
    return path

