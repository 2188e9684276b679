"""Report frames as document sections (HTML) in the reader's language.

Each function shapes its frame into rows and texts (numbers formatted for the reader, notes
numbered as footnotes) and returns the section as :class:`~ohti.documents.templating.Html`,
written by its macro in ``templates/sections.html.j2`` (see :mod:`ohti.documents.templating`).
"""

from __future__ import annotations

import pandas as pd

from ohti._version import __version__, git_commit
from ohti.documents import charts, content, maps
from ohti.documents.assessments import render_assessment
from ohti.documents.tables import html_table
from ohti.documents.templating import Html, render
from ohti.i18n import format_number, format_period, label, translate_note
from ohti.indicators import periods
from ohti.indicators.comparison import compare_values
from ohti.indicators.disclosure import threshold_for
from ohti.indicators.registry import get_indicator, load_objectives
from ohti.paths import CATALOGUE_DIR, CATALOGUE_FILE
from ohti.sources.provenance import regional_division, source_rows

TEMPLATE = "sections.html.j2"


def members_html(profile: dict, language: str = "fi") -> Html:
    """The member municipalities with language status, group and region."""
    rows = profile["members"].to_dict("records")
    columns = [("name", label("municipality", language), False), ("code", label("code", language), False),
               ("language", label("language_status", language), False),
               ("group", label("municipality_group", language), False),
               ("maakunta", label("maakunta", language), False)]
    table = html_table(rows, columns, caption=label("members", language))
    return render(TEMPLATE, "members", profile=profile, table=table, language=language)


def _period_text(period: str) -> str:
    """A compact period for table cells: '10/2023' for a month, '2016' for a year."""
    return f"{int(period[5:])}/{period[:4]}" if len(period) == 7 else period


def indicator_table_html(table, language: str = "fi", *, link_catalogue: bool = True, explain: bool = False) -> Html:
    """The indicator table: area with its 95 % interval, whole country, significance, rank,
    change in a year and five-year trend; notes become numbered footnotes under the table.

    Each indicator's name links to its entry in the catalogue published beside the reports;
    the period column appears when an indicator's data end before the document's month.
    """
    if table.empty:
        return render(TEMPLATE, "paragraph", text=label("no_data", language))
    rows, footnotes = [], []
    for row in table.to_dict("records"):
        decimals = row["decimals"]
        name = f"{row['name']}, {row['unit']}" if row["unit"] else row["name"]
        note = translate_note(row["note"], language)
        if note:
            if note not in footnotes:
                footnotes.append(note)
            name += f" [{footnotes.index(note) + 1}]"
        rows.append({
            "name": name,
            "link": catalogue_link(row["indicator"]) if link_catalogue else None,
            "period": _period_text(row["period"]),
            "value": format_number(row["value"], decimals, language),
            "interval": _interval_text(row.get("lower"), row.get("upper"), decimals, language),
            "national": format_number(row["national"], decimals, language),
            "significance": label("sig_" + str(row.get("significance", "not compared")).replace(" ", "_"), language),
            "rank": rank_text(row, language, of=row["n_ranked"]),
            "change": format_number(row["change"], decimals, language, sign=True),
            "trend": trend_text(row.get("trend_label", "not calculated"), language),
        })
    columns = [("name", label("indicator", language), False)]
    if not table["current"].all():
        columns.append(("period", label("period", language), False))
    columns += [("value", label("area_value", language), True), ("interval", label("interval", language), True),
                ("national", label("national_value", language), True),
                ("significance", label("significance", language), False),
                ("rank", label("rank", language), True), ("change", label("change_year", language), True),
                ("trend", label("trend_heading", language), False)]
    # Columns with nothing to show (ranks and changes of a region, trends never calculated) go.
    # The verdicts go too where nothing is compared (the whole country is not set against itself).
    empty = {key for key in ("interval", "rank", "change", "trend", "significance")
             if all(row[key] in ("", label("no_data", language), label("sig_not_compared", language)) for row in rows)}
    if (table["value"].fillna(-1.0) == table["national"].fillna(-1.0)).all():
        # the whole country's own document: its figure once, under its own name
        empty.add("national")
        columns[[key for key, _, _ in columns].index("value")] = ("value", label("national_value", language), True)
    columns = [column for column in columns if column[0] not in empty]
    return render(TEMPLATE, "indicator_table", table=html_table(rows, columns), notes=footnotes, explain=explain,
                  language=language)


def rank_text(row, language: str = "fi", *, of=None) -> str:
    """A rank with its 95 % confidence set, "15 (11–19) / 45"; '' where there is no rank (a
    count, an incomplete sum, a figure of another period, or no interval)."""
    rank, lower, upper = (row.get(k) for k in ("rank", "rank_lower", "rank_upper"))
    if any(v is None or pd.isna(v) for v in (rank, lower, upper)):
        return ""
    text = f"{int(rank)} ({int(lower)}–{int(upper)})"
    return f"{text} / {int(of)}" if of is not None and not pd.isna(of) else text


def excess_text(row, language: str = "fi") -> str:
    """Observed minus expected in persons with its 95 % interval, "−1 103 (−5 836 … 5 008)"."""
    if any(pd.isna(row.get(k)) for k in ("excess", "excess_lower", "excess_upper")):
        return label("no_data", language)
    return (f"{format_number(row['excess'], 0, language, sign=True)} ({format_number(row['excess_lower'], 0, language, sign=True)}"
            f" … {format_number(row['excess_upper'], 0, language, sign=True)})")


def trend_text(trend_label, language: str = "fi") -> str:
    """A trend marker's label in the reader's language ('' where it was not calculated):
    ``trend_marker_<label>`` of the label table, e.g. ``trend_marker_no_significant_change``."""
    if trend_label in (None, "not calculated") or (isinstance(trend_label, float) and pd.isna(trend_label)):
        return ""
    return label("trend_marker_" + trend_label.replace(" ", "_"), language)


def red_red_html(table, language: str = "fi") -> Html:
    """The indicators that are significantly worse than the nation and getting worse."""
    flagged = table[table["red_red"]] if "red_red" in table else table.iloc[0:0]
    return render(TEMPLATE, "red_red", names=list(flagged["name"]), language=language)


def expected_area_html(results, code: str, language: str = "fi") -> Html:
    """The area's observed and expected values for each modelled outcome, with the models."""
    rows, notes, footnotes = [], [], []
    for result in results:
        indicator = get_indicator(result.indicator)
        row = result.table.set_index("area_code").loc[code]
        rows.append({
            "name": _footnoted(indicator.label(language), row.get("note"), footnotes, language),
            "observed": format_number(row["observed"], indicator.decimals, language),
            "expected": format_number(row["expected"], indicator.decimals, language),
            "ratio": _ratio_text(row, language),
            "excess": excess_text(row, language),
            "significance": label("sig_" + row["significance"].replace(" ", "_"), language),
        })
        notes.append(f"{indicator.label(language)}: {result.fit['family']}, pseudo-R² "
                     f"{format_number(result.fit['pseudo_r2'], 2, language)}")
    columns = [("name", label("indicator", language), False), ("observed", label("observed", language), True),
               ("expected", label("expected", language), True), ("ratio", label("ratio", language), True),
               ("excess", label("excess_persons", language), True),
               ("significance", label("significance_expected", language), False)]
    covariates = ", ".join(label("cov_" + c, language) for c in results[0].fit["covariates"]) if results else ""
    intro = label("expected_intro_short", language, covariates=covariates)
    return render(TEMPLATE, "expected_area", intro=intro, table=html_table(rows, columns), notes=footnotes,
                  models=notes)


def _footnoted(name: str, note, footnotes: list, language: str) -> str:
    """A row's name with the number of its note among ``footnotes`` (the note is added)."""
    text = translate_note(note if isinstance(note, str) else "", language)
    if not text:
        return name
    if text not in footnotes:
        footnotes.append(text)
    return f"{name} [{footnotes.index(text) + 1}]"


def _ratio_text(row, language: str) -> str:
    """Observed / expected with its interval; the language's "no data" where it is missing."""
    if pd.isna(row["ratio"]):
        return label("no_data", language)
    return (f"{format_number(row['ratio'], 2, language)} ({format_number(row['lower'], 2, language)}–"
            f"{format_number(row['upper'], 2, language)})")


def _interval_text(lower, upper, decimals: int, language: str) -> str:
    if lower is None or upper is None or pd.isna(lower) or pd.isna(upper):
        return ""
    return f"{format_number(lower, decimals, language)}–{format_number(upper, decimals, language)}"


def expected_html(result, language: str = "fi", *, highlight: str | None = None) -> Html:
    """The expected-versus-observed table of one outcome, with the model's description."""
    indicator = get_indicator(result.indicator)
    decimals = indicator.decimals
    rows, footnotes = [], []
    for row in result.table.to_dict("records"):
        name = ("▶ " if row["area_code"] == highlight else "") + row["area_name"]
        rows.append({
            "area_name": _footnoted(name, row.get("note"), footnotes, language),
            "observed": format_number(row["observed"], decimals, language),
            "expected": format_number(row["expected"], decimals, language),
            "ratio": _ratio_text(row, language),
            "excess": excess_text(row, language),
            "significance": label("sig_" + row["significance"].replace(" ", "_"), language),
        })
    columns = [("area_name", label("area", language), False), ("observed", label("observed", language), True),
               ("expected", label("expected", language), True), ("ratio", label("ratio", language), True),
               ("excess", label("excess_persons", language), True),
               ("significance", label("significance_expected", language), False)]
    intro = label("expected_intro", language, covariates=", ".join(label("cov_" + c, language) for c in result.fit["covariates"]),
                  family=result.fit["family"], r2=format_number(result.fit["pseudo_r2"], 2, language))
    return render(TEMPLATE, "expected", name=indicator.label(language), intro=intro, table=html_table(rows, columns),
                  notes=footnotes)


def peers_html(table, peer_names, language: str = "fi", *, k: int, features) -> Html:
    """The area beside its peer areas' combined value and the nation's; the area's notes
    (why a value is suppressed) become footnotes."""
    footnotes = []
    rows = [{
        "name": _footnoted(row["name"], row.get("note"), footnotes, language), "period": _period_text(row["period"]),
        "value": format_number(row["value"], row["decimals"], language),
        "peers": format_number(row["peers"], row["decimals"], language),
        "national": format_number(row["national"], row["decimals"], language),
        "difference": format_number(row["difference"], row["decimals"], language, sign=True),
    } for row in table.to_dict("records")]
    columns = [("name", label("indicator", language), False), ("period", label("period", language), False),
               ("value", label("area_value", language), True), ("peers", label("peers", language), True),
               ("national", label("national_value", language), True),
               ("difference", label("difference", language), True)]
    intro = label("peers_intro", language, k=k, features=", ".join(label("cov_" + f, language) for f in features))
    return render(TEMPLATE, "peers", intro=intro, names=list(peer_names),
                  table=html_table(rows, columns), notes=footnotes)


def _not_measured_groups(table) -> list:
    groups = [(reason, table.loc[table["reason"] == reason, "name"].tolist())
              for reason in ("customer_register", "not_at_area_level", "no_recent_data")]
    return [(reason, names) for reason, names in groups if names]


def not_measured_html(table, language: str = "fi") -> Html:
    """The catalogue's indicators this document cannot show, grouped by the reason."""
    return render(TEMPLATE, "not_measured", groups=_not_measured_groups(table), language=language)


def public_not_measured_html(code: str, period: str, language: str = "fi") -> Html:
    """The section on the public indicators of the catalogue this document cannot show (no
    figure at the area level, or none recent enough); nothing when there are none."""
    others = content.not_measured(code, language, period)
    groups = _not_measured_groups(others[others["reason"] != "customer_register"])
    return render(TEMPLATE, "not_measured_section", groups=groups, language=language) if groups else Html("")


def breakdown_html(table, indicators, language: str = "fi") -> Html:
    """Member municipalities' values, one column per indicator; notes become footnotes."""
    rows, footnotes = [], []
    for row in table.to_dict("records"):
        name = row["name"]
        note = translate_note(row["note"], language)
        if note:
            if note not in footnotes:
                footnotes.append(note)
            name += f" [{footnotes.index(note) + 1}]"
        cells = {"name": name}
        for indicator in indicators:
            cells[indicator.id] = format_number(row[indicator.id], indicator.decimals, language)
        rows.append(cells)
    columns = ([("name", label("municipality", language), False)]
               + [(i.id, i.label(language), True) for i in indicators])
    return render(TEMPLATE, "breakdown", table=html_table(rows, columns), notes=footnotes)


def heading(key: str, language: str = "fi", level: int = 2) -> Html:
    """A section heading from the label table."""
    return render(TEMPLATE, "heading", text=label(key, language), level=level)


def title_html(profile: dict, period: str, language: str = "fi") -> Html:
    """The document's title block: area name, code and month."""
    return render(TEMPLATE, "title_block", kicker=label("document_title", language),
                  name=f"{profile['name']} ({profile['code']})", period=period, language=language)


def paragraph(key: str, language: str = "fi") -> Html:
    """A paragraph of fixed text from the label table."""
    return render(TEMPLATE, "paragraph", text=label(key, language))


def region_title_html(profile: dict, period: str, language: str = "fi") -> Html:
    """The title block of a regional document."""
    kind = label(f"grouping_{profile['grouping']}", language)
    kicker = f"{label('region_document_title', language)} · {kind}"
    return render(TEMPLATE, "title_block", kicker=kicker, name=profile["name"], period=period, language=language)


def national_title_html(period: str, language: str = "fi") -> Html:
    """The title block of the national overview."""
    return render(TEMPLATE, "title_block", kicker=label("national_document_title", language),
                  name=label("national", language), period=period, language=language)


def region_areas_html(profile: dict, language: str = "fi") -> Html:
    """The employment areas of a region, with a note on those that span two regions."""
    rows = [{"name": r["name"], "code": r["code"], "inside": f"{r['inside']}/{r['total']}",
             "also": r["also"]} for r in profile["areas"].to_dict("records")]
    columns = [("name", label("area", language), False), ("code", label("code", language), False),
               ("inside", label("municipalities_inside", language), True), ("also", label("spans_note", language), False)]
    return render(TEMPLATE, "region_areas", table=html_table(rows, columns),
                  spans=bool((profile["areas"]["also"] != "").any()), language=language)


def areas_comparison_html(tables: dict, indicators, names: dict, language: str = "fi") -> Html:
    """Areas side by side: one row per area, one column per indicator, each cell the value
    and, in brackets, how it compares with the whole country."""
    rows = []
    for code, table in tables.items():
        by_id = table.set_index("indicator")
        cells = {"name": names[code]}
        for ident in indicators:
            if ident not in by_id.index:
                cells[ident] = ""
                continue
            row = by_id.loc[ident]
            significance = str(row["significance"])
            mark = "" if significance == "not compared" else f" ({label('sig_' + significance.replace(' ', '_'), language)})"
            cells[ident] = format_number(row["value"], int(row["decimals"]), language) + mark
        rows.append(cells)
    columns = [("name", label("area", language), False)] + [
        (i, get_indicator(i).label(language), True) for i in indicators]
    return html_table(rows, columns)


def league_table_html(table, indicator, language: str = "fi", *, highlight=()) -> Html:
    """One indicator's league table: rank, area, value with interval, significance, trend; the
    areas' notes (why a value is suppressed) become footnotes."""
    footnotes = []
    rows = [{
        "rank": rank_text(r, language),
        "name": _footnoted(("▶ " if r["area_code"] in highlight else "") + r["area_name"], r.get("note"), footnotes,
                           language),
        "value": format_number(r["value"], indicator.decimals, language),
        "interval": _interval_text(r["lower"], r["upper"], indicator.decimals, language),
        "significance": label("sig_" + r["significance"].replace(" ", "_"), language),
        "trend": trend_text(r["trend_label"], language) + (" ⚑" if r["red_red"] else ""),
    } for r in table.to_dict("records")]
    columns = [("rank", label("rank", language), False), ("name", label("area", language), False),
               ("value", indicator.unit[language] or label("area_value", language), True),
               ("interval", label("interval", language), True),
               ("significance", label("significance", language), False),
               ("trend", label("trend_heading", language), False)]
    return render(TEMPLATE, "league_table", table=html_table(rows, columns), notes=footnotes)


def flagged_html(table, language: str = "fi") -> Html:
    """Areas significantly worse than the nation (⚑ marks worse and getting worse)."""
    if table.empty:
        return render(TEMPLATE, "flagged", table=None, language=language)
    rows = [{"name": r["name"], "area": r["area_name"] + (" ⚑" if r["red_red"] else ""),
             "trend": trend_text(r["trend_label"], language)} for r in table.to_dict("records")]
    columns = [("name", label("indicator", language), False), ("area", label("area", language), False),
               ("trend", label("trend_heading", language), False)]
    return render(TEMPLATE, "flagged", table=html_table(rows, columns), language=language)


def funnel_html(indicator_id: str, period: str, language: str = "fi", *, focal: str | None = None) -> Html:
    """A funnel plot of one indicator over the 45 areas (with the focal area marked), as a
    figure with alt text and caption."""
    indicator = get_indicator(indicator_id)
    funnel = content.funnel_data(indicator_id, period)
    names = content.area_names(language)
    caption = indicator.label(language)
    if funnel.values.empty:
        return words_html(label("funnel_all_suppressed", language, indicator=caption), caption=caption)
    drawn = set(funnel.values["area_code"])
    fig, alt = charts.plot_funnel(funnel.values["value"], funnel.values["denominator"], funnel.limits,
                                  target=funnel.target, focal=names[focal] if focal in drawn else None,
                                  labels=funnel.values["area_code"].map(names), statistic=indicator.statistic,
                                  unit=indicator.unit[language], decimals=indicator.decimals, language=language)
    said = []
    if focal in funnel.suppressed:
        said.append(label("funnel_focal_suppressed", language, area=names[focal]))
    if funnel.suppressed:
        said.append(label("funnel_left_out", language, count=len(funnel.suppressed)))
    if not said:
        return Html(charts.figure_html(fig, alt, caption=caption))
    text = " ".join(said)
    return Html(charts.figure_html(fig, f"{alt} {text}", caption=f"{caption}. {text}"))


def choropleth_html(indicator_id: str, period: str, language: str = "fi", *, league=None) -> Html:
    """A map of the employment areas' values of one indicator (from its league table, which has
    passed the disclosure gate), or, where fewer than two distinct values are published, a
    sentence saying that the areas' figures are suppressed."""
    indicator = get_indicator(indicator_id)
    league = content.league_table(indicator_id, period, language=language) if league is None else league
    values = league.set_index("area_code")["value"]
    title = f"{indicator.label(language)}, {indicator.unit[language]}".rstrip(", ")
    if values.dropna().nunique() < 2:
        return words_html(label("map_all_suppressed", language, title=title), css_class="map")
    fig, alt = maps.plot_choropleth(values, title=title, decimals=indicator.decimals, language=language,
                                    polarity=indicator.polarity)
    return Html(charts.figure_html(fig, alt, raster=True, css_class="map"))


def changes_html(changes, previous: str | None, language: str = "fi", *, names=None, wanted: str | None = None) -> Html:
    """What changed since the edition of ``previous`` (:func:`ohti.documents.content.changes_since`
    rows of one area, or of all areas with ``names`` mapping area codes to names). ``wanted``:
    the month the document would have compared with, when its figures are missing
    (:func:`ohti.documents.content.comparison_edition`); the section says so first."""
    lead = []
    if wanted and previous:
        lead.append(label("changes_fallback", language, wanted=format_period(wanted, language),
                          previous=format_period(previous, language)))
    empty = label("changes_none", language, previous=format_period(wanted or previous, language))
    if previous is None or changes is None or changes.empty:
        if previous is not None and changes is not None:
            empty = label("changes_nothing", language, previous=format_period(previous, language))
        return render(TEMPLATE, "changes", lead=lead, intro="", table="", empty=empty)
    listed = changes[changes["kind"].isin(["added", "retired"])]
    # the indicators added and retired in a sentence each, not a row each (nor one per area)
    for kind in ("added", "retired"):
        shown = listed.loc[listed["kind"] == kind, "name"].drop_duplicates()
        if len(shown):
            lead.append(label(f"changes_{kind}_list", language, names=", ".join(shown)))
    changes = changes[~changes["kind"].isin(["added", "retired"])]
    if changes.empty:
        return render(TEMPLATE, "changes", lead=lead, intro="", table="",
                      empty=label("changes_nothing", language, previous=format_period(previous, language)))
    rows = []
    for row in changes.to_dict("records"):
        before, after = row["before"], row["after"]
        if row["kind"] == "verdict":
            before, after = (label("sig_" + v.replace(" ", "_"), language) for v in (before, after))
        rows.append({"area": (names or {}).get(row["area_code"], row["area_code"]), "name": row["name"],
                     "kind": label("change_" + row["kind"], language), "before": before, "after": after})
    columns = ([("area", label("area", language), False)] if names else []) + [
        ("name", label("indicator", language), False), ("kind", label("change_kind", language), False),
        ("before", format_period(previous, language), False), ("after", label("change_now", language), False)]
    intro = label("changes_all_areas_intro" if names else "changes_intro", language,
                  previous=format_period(previous, language))
    return render(TEMPLATE, "changes", lead=lead, intro=intro, table=html_table(rows, columns), empty=empty)


def words_html(text: str, *, caption: str | None = None, css_class: str | None = None) -> Html:
    """A figure that says in words why there is no chart (e.g. its figures are suppressed)."""
    return render(TEMPLATE, "words", text=text, caption=caption, css_class=css_class)


def series_html(code: str, indicator_id: str, period: str, language: str = "fi", *, area_name: str,
                years: int = 5) -> Html:
    """An area's monthly series against the whole country's (the area alone for a count, whose
    scale differs from the nation's), as a figure with alt text and caption.

    The series have passed the disclosure gate (:func:`ohti.documents.content.area_series`): suppressed
    months are not drawn, and where every month with a value is suppressed the figure says so
    in words instead of showing an empty chart.
    """
    indicator = get_indicator(indicator_id)
    name = indicator.label(language)
    series = content.area_series(code, indicator_id, period, years=years, language=language)
    if series["area"].isna().all() and series["suppressed"].any():
        months = series.loc[series["suppressed"], "period"]
        text = label("chart_suppressed", language, indicator=name, area=area_name,
                     start=months.iloc[0].strftime("%m/%Y"), end=months.iloc[-1].strftime("%m/%Y"),
                     threshold=format_number(threshold_for(indicator_id), 0, language))
        return words_html(text, caption=name)
    fig, alt = charts.plot_area_vs_nation(series, area_name=area_name, indicator_name=name,
                                          unit=indicator.unit[language], decimals=indicator.decimals,
                                          language=language, with_nation=indicator.statistic != "count")
    return Html(charts.figure_html(fig, alt, caption=name))


def caterpillar_html(indicator_id: str, period: str, language: str = "fi", *, highlight=(), league=None) -> Html:
    """The 45 areas' values with intervals in order, against the whole country's value."""
    indicator = get_indicator(indicator_id)
    league = content.league_table(indicator_id, period, language=language) if league is None else league
    shown = periods.resolve_period(indicator_id, period)
    national = compare_values(indicator_id, "national", periods=[shown])["value"].iloc[0]
    names = content.area_names(language)
    fig, alt = charts.plot_caterpillar(league, national=national, indicator_name=indicator.label(language),
                                       unit=indicator.unit[language], decimals=indicator.decimals,
                                       highlight={names[c] for c in highlight}, language=language)
    return Html(charts.figure_html(fig, alt, caption=indicator.label(language)))


def catalogue_link(indicator_id: str, from_dir: str = "..") -> str:
    """Relative link from a period's folder to an indicator's catalogue entry."""
    return f"{from_dir}/{CATALOGUE_DIR}/{CATALOGUE_FILE}#{indicator_id}"


def sources_html(language: str = "fi") -> Html:
    """The table of sources of an "about" section: what each covers, how current it is and
    whether it came with ohti, from a refresh or from an import
    (:func:`ohti.sources.provenance.source_rows`)."""
    return render(TEMPLATE, "sources", rows=source_rows(language), language=language)


def about_html(parameters: dict, language: str = "fi") -> Html:
    """The "about this document" section: sources with attribution and extraction dates,
    the division used, the ohti version and commit, and the parameters."""
    return render(TEMPLATE, "about", sources=sources_html(language),
                  division=regional_division(parameters.get("period", "")), version=__version__,
                  commit=git_commit(), parameters=[(str(key), str(value)) for key, value in sorted(parameters.items())],
                  language=language)


def key_messages_html(messages, language: str = "fi", *, expert: str | None = None, values: dict | None = None) -> Html:
    """The key findings: :func:`ohti.documents.summary.key_messages` rows (text and caveat),
    or the expert's key messages (Markdown, ``values`` filling ``{indicator}`` placeholders)
    in their place."""
    rendered = Html(render_assessment(expert, values or {})) if expert else None
    pairs = [] if messages is None else list(zip(messages["text"], messages["caveat"]))
    return render(TEMPLATE, "key_messages", messages=pairs, expert=rendered, language=language)


def objectives_html(table, unmeasured: dict, language: str = "fi") -> Html:
    """Where the area stands on each national objective: :func:`ohti.documents.summary.objectives_table`
    rows with the verdicts of the document's other tables, and, per objective, its indicators
    without a figure for the month (``unmeasured``) and what public data cannot show."""
    groups = []
    for objective in load_objectives().values():
        rows = table[table["objective"] == objective.id] if len(table) else table
        groups.append({
            "name": objective.label(language),
            "rows": [{"name": f"{row['name']}, {row['unit']}" if row["unit"] else row["name"],
                      "value": format_number(row["value"], row["decimals"], language),
                      "national": format_number(row["national"], row["decimals"], language),
                      "significance": label("sig_" + str(row.get("significance", "not compared")).replace(" ", "_"), language),
                      "rank": rank_text(row, language, of=row["n_ranked"])}
                     for row in rows.to_dict("records")],
            "missing": unmeasured.get(objective.id, []),
            "limits": objective.limits[language],
        })
    return render(TEMPLATE, "objectives", groups=groups, language=language)


def how_to_read_html(language: str = "fi") -> Html:
    """A short "how to read this document" section."""
    return render(TEMPLATE, "how_to_read", language=language)


def distribution_html(distribution, language: str = "fi") -> Html:
    """The areas' spread on each indicator (:func:`ohti.documents.content.area_distribution`):
    the whole country, the range and quartiles of the 45 areas, and how many areas differ
    significantly from the country in each direction."""
    rows = []
    for row in distribution.to_dict("records"):
        decimals = int(row["decimals"])
        worse, better = ("worse", "better") if row["polar"] else ("higher", "lower")
        rows.append({
            "name": f"{row['name']}, {row['unit']}" if row["unit"] else row["name"],
            "link": catalogue_link(row["indicator"]),
            "national": format_number(row["national"], decimals, language),
            "range": f"{format_number(row['minimum'], decimals, language)}–{format_number(row['maximum'], decimals, language)}",
            "quartiles": f"{format_number(row['q25'], decimals, language)}–{format_number(row['q75'], decimals, language)}",
            "median": format_number(row["median"], decimals, language),
            "differ": label("distribution_differ", language, worse=row["worse"], better=row["better"],
                            worse_word=label("sig_" + worse, language), better_word=label("sig_" + better, language))
            if row["compared"] else label("sig_not_compared", language),
        })
    columns = [("name", label("indicator", language), False), ("national", label("national_value", language), True),
               ("median", label("distribution_median", language), True),
               ("quartiles", label("distribution_quartiles", language), True),
               ("range", label("distribution_range", language), True),
               ("differ", label("distribution_differ_heading", language), False)]
    return render(TEMPLATE, "distribution", table=html_table(rows, columns), language=language)


def national_series_html(indicator_id: str, period: str, language: str = "fi", *, years: int = 10) -> Html:
    """The whole country's monthly series of one indicator over ``years``, series breaks
    lettered and gaps in the data shaded (:func:`ohti.documents.content.national_series`)."""
    indicator = get_indicator(indicator_id)
    name = indicator.label(language)
    series = content.national_series(indicator_id, period, years=years, language=language)
    fig, alt = charts.plot_area_vs_nation(series, area_name=label("national", language), indicator_name=name,
                                          unit=indicator.unit[language], decimals=indicator.decimals,
                                          language=language, with_nation=False)
    return Html(charts.figure_html(fig, alt, caption=name))


def ranks_overview_html(leagues: dict, language: str = "fi") -> Html:
    """The league tables of several indicators side by side: one row per area (in name order),
    each cell the area's value and its rank with the rank's 95 % interval; a value whose sum
    lacks member municipalities is marked once, with one note under the table."""
    indicators = list(leagues)
    names = content.area_names(language)
    rows, incomplete = {}, False
    for ident, league in leagues.items():
        decimals = get_indicator(ident).decimals
        for row in league.to_dict("records"):
            cells = rows.setdefault(row["area_code"], {"name": names[row["area_code"]]})
            value = format_number(row["value"], decimals, language)
            partial = str(row.get("note") or "").startswith("incomplete")
            incomplete |= partial
            rank = rank_text(row, language)
            cells[ident] = value + ("*" if partial else "") + (f" · {rank}" if rank else "")
    ordered = sorted(rows.values(), key=lambda cells: cells["name"])
    for cells in ordered:
        for ident in indicators:
            cells.setdefault(ident, "")
    columns = [("name", label("area", language), False)] + [
        (ident, get_indicator(ident).label(language), True) for ident in indicators]
    return render(TEMPLATE, "ranks_overview", table=html_table(ordered, columns), incomplete=incomplete,
                  language=language)
