"""The customer-process section of an area document, from a configured extract or none.

With no extract configured the section says plainly that the process indicators are not
measured. With one, it shows the area's process and outcome indicators beside the whole
country's, pooled over the 12 months ending at the document's month (months whose follow-up
is incomplete or whose counts are suppressed are left out), with the rule version each was
measured under; a synthetic extract is labelled "synthetic demonstration data" above the
table, in its caption and in every row.

The aggregates of an extract are computed once per extract content and cached under
``outputs/extracts/.cache/`` (aggregates that passed the disclosure gate only, never person
ids), so that 45 documents do not each load the extract.

The section's markup is the macros of ``templates/process.html.j2`` (see
:mod:`ohti.documents.templating`).
"""

from __future__ import annotations

import pandas as pd

from ohti import cache
from ohti._files import file_digest
from ohti.documents import content
from ohti.documents.charts import figure_html, plot_area_vs_nation
from ohti.documents.sections import not_measured_html
from ohti.documents.tables import html_table
from ohti.documents.templating import Html, render
from ohti.i18n import format_number, label
from ohti.indicators.compute import shift_period
from ohti.indicators.registry import get_indicator, load_registry
from ohti.paths import OUTPUTS_DIR, REGISTRY_PATH
from ohti.register.extract import load_extract, resolve
from ohti.register.process import INDICATORS, compute_process, load_rules, pooled
from ohti.sources.areas import unit_name

#: The format of the kept aggregates; a change to it computes them again.
CACHE_VERSION = "1"

#: The code that computes the aggregates of an extract.
PROCESS_CODE = ("register", "rules.yaml", "stats", "indicators")


def _cache_key(digest: str, months: list[str]) -> str:
    """Key of an extract's aggregates: its content, the months, the code and the registry."""
    return cache.key(code=PROCESS_CODE, files=[REGISTRY_PATH],
                     extra={"version": CACHE_VERSION, "extract": digest, "months": months})


def extract_values(extract: str, period: str) -> tuple[pd.DataFrame, dict]:
    """The disclosed process values of the 12 months ending at `period`, and the extract's
    description (``path, name, sha256, synthetic, extract_date``); cached by content."""

    path = resolve(extract)
    months = [shift_period(period, -k) for k in range(11, -1, -1)]
    digest = file_digest(path)
    computed = {}

    def compute() -> pd.DataFrame:
        loaded = load_extract(path)
        try:
            values = compute_process(loaded, periods=months).assign(extract_date=str(loaded.extract_date))
            computed.update(synthetic=loaded.synthetic, extract_date=str(loaded.extract_date))
        finally:
            loaded.close()
        return values

    # One kind per extract and year of months: the documents of other periods keep theirs.
    values = cache.frame(f"process_{digest[:16]}_{months[-1]}", _cache_key(digest, months), compute,
                         folder=OUTPUTS_DIR / "extracts" / ".cache", format="parquet")
    info = {"path": str(path), "name": path.name, "sha256": digest}
    if computed:
        info.update(computed)
    else:
        info.update(synthetic=bool(values["synthetic"].any()) or "synthetic" in path.name.lower(),
                    extract_date=str(values["extract_date"].iloc[0]) if len(values) else "")
    return values, info


def process_table(area_code: str, period: str, extract: str, language: str = "fi") -> tuple[pd.DataFrame, dict]:
    """The area's and the nation's pooled values per process indicator (one row each)."""
    values, info = extract_values(extract, period)
    pool = pooled(values)
    registry = load_registry()
    rows = []
    for ident in INDICATORS:
        indicator = registry.get(ident)
        area = pool[(pool["indicator"] == ident) & (pool["area_code"] == area_code)]
        nation = pool[(pool["indicator"] == ident) & (pool["level"] == "national")]
        notes = values[(values["indicator"] == ident) & (values["area_code"] == area_code)]["note"]
        rows.append({
            "indicator": ident, "name": indicator.label(language) if indicator else ident,
            "decimals": indicator.decimals if indicator else 1,
            "value": area["value"].iloc[0] if len(area) else float("nan"),
            "lower": area["lower"].iloc[0] if len(area) else float("nan"),
            "upper": area["upper"].iloc[0] if len(area) else float("nan"),
            "denominator": area["denominator"].iloc[0] if len(area) else float("nan"),
            "months": int(area["months"].iloc[0]) if len(area) else 0,
            "national": nation["value"].iloc[0] if len(nation) else float("nan"),
            "rule_version": (area["rule_version"].iloc[0] if len(area)
                             else "+".join(sorted(set(values.loc[values["indicator"] == ident, "rule_version"]) - {""}))),
            "reason": "" if len(area) else _main_reason(notes),
        })
    return pd.DataFrame(rows), info


def _main_reason(notes: pd.Series) -> str:
    texts = [n for n in notes if isinstance(n, str) and n]
    if not texts:
        return "suppressed"
    for prefix, key in (("not measured: rule", "process_reason_no_rule"), ("not yet observable", "process_reason_follow_up"),
                        ("suppressed", "process_reason_suppressed"), ("no cohort", "process_reason_no_cohort")):
        if any(t.startswith(prefix) for t in texts):
            return key
    return "process_reason_suppressed"


def _rule_labels(versions: str, language: str) -> str:
    rules = load_rules().set_index("rule_id")
    names = [rules.loc[v, f"label_{language}"] if v in rules.index else v for v in versions.split("+") if v]
    return "; ".join(names)


#: The process indicator drawn month by month in the area document.
CHARTED = "initial_interview_within_5_days"
#: The section's macros.
TEMPLATE = "process.html.j2"


def monthly_series(area_code: str, period: str, extract: str, indicator: str = CHARTED) -> pd.DataFrame:
    """The area's and the nation's monthly values of one process indicator (published values
    only), as :func:`ohti.documents.charts.plot_area_vs_nation` takes them."""
    values, _ = extract_values(extract, period)
    part = values[values["indicator"] == indicator]
    area = part[part["area_code"] == area_code].set_index("period")["value"]
    nation = part[part["level"] == "national"].set_index("period")["value"]
    frame = pd.DataFrame({"area": area, "national": nation.reindex(area.index)}).sort_index()
    measured = frame["area"].notna() | frame["national"].notna()
    if not measured.any():
        return frame.iloc[0:0].assign(period=pd.Series(dtype="datetime64[ns]"))
    frame = frame.loc[: measured[measured].index[-1]]
    return frame.assign(period=pd.to_datetime(frame.index + "-01")).reset_index(drop=True)


def _chart(area_code: str, period: str, extract: str, language: str, synthetic: bool) -> Html:
    series = monthly_series(area_code, period, extract)
    if len(series) < 2 or series["area"].notna().sum() < 2:
        return Html("")
    indicator = get_indicator(CHARTED)
    name = indicator.label(language) + (f" ({label('synthetic_short', language)})" if synthetic else "")

    fig, alt = plot_area_vs_nation(series, area_name=unit_name("area", area_code, language),
                                   indicator_name=indicator.label(language),
                                   unit="%", decimals=indicator.decimals, language=language)
    return Html(figure_html(fig, alt + (f" {label('synthetic_banner', language)}" if synthetic else ""), caption=name))


def process_section_html(area_code: str, period: str, extract: str = "", language: str = "fi") -> Html:
    """The customer-process section's body: the measured indicators, or a plain statement that
    they are not measured; then the register indicators the document cannot show (the public ones
    it cannot show have a section of their own, :func:`ohti.documents.sections.public_not_measured_html`)."""
    configured = bool(str(extract or "").strip())
    others = content.not_measured(area_code, language, period)
    others = others[others["reason"] == "customer_register"]
    if not configured:
        return render(TEMPLATE, "not_configured", others=not_measured_html(others, language), language=language)
    table, info = process_table(area_code, period, extract, language)
    synthetic = info["synthetic"]
    intro = label("process_intro", language, name=info["name"], date=info["extract_date"], sha=info["sha256"][:12])
    tag = f" ({label('synthetic_short', language)})" if synthetic else ""
    rows = []
    for row in table.to_dict("records"):
        measured = row["months"] > 0
        reason = label(row["reason"], language) if row["reason"] and row["reason"] != "suppressed" else ""
        rows.append({
            "name": row["name"] + tag,
            "value": format_number(row["value"], row["decimals"], language) if measured else "–",
            "interval": (f"{format_number(row['lower'], row['decimals'], language)}–"
                         f"{format_number(row['upper'], row['decimals'], language)}") if measured else "",
            "national": format_number(row["national"], row["decimals"], language),
            "months": str(row["months"]) if measured else reason,
            "rule": _rule_labels(row["rule_version"], language),
        })
    columns = [("name", label("indicator", language), False), ("value", label("process_value", language), True),
               ("interval", label("process_interval", language), True),
               ("national", label("national_value", language), True),
               ("months", label("process_months", language), True),
               ("rule", label("process_rule", language), False)]

    caption = label("process_caption", language) + (f" — {label('synthetic_banner', language)}" if synthetic else "")
    unmeasured = others[~others["indicator"].isin(set(table["indicator"]))]
    return render(TEMPLATE, "measured", synthetic=synthetic, intro=intro,
                  table=html_table(rows, columns, caption=caption),
                  chart=_chart(area_code, period, extract, language, synthetic),
                  others=not_measured_html(unmeasured, language), language=language)
