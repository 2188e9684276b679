"""The first page of a document: key messages drafted from the figures, and where the area
stands on the national objectives 2025–2027.

Both read the area's indicator table (:func:`ohti.documents.content.indicator_table`), so a
figure carries the same verdict here as in every other table of the document: nothing is
judged again. A key message is drafted only from what the statistics call significant (a
difference from the whole country, a five-year trend, a change since the previous edition),
each with the caveat a careful reader would add; the expert's own key messages replace the
drafted ones where the assessment has them (:func:`expert_key_messages`).
"""

from __future__ import annotations

import re

import pandas as pd

from ohti.documents.assessments import assessment_path, read_assessment
from ohti.i18n import format_number, format_period, label, translate_note
from ohti.indicators.registry import get_indicator, load_objectives, load_registry

#: At most this many drafted messages: a first page is read in a minute.
MAX_MESSAGES = 6
#: Verdicts that say a value differs from the whole country's.
DIFFERENT = ("worse", "better", "higher", "lower")
#: Trend markers that say a series moved (Fingertips' labels of :mod:`ohti.stats.trends`).
MOVING = ("worse", "better", "increasing", "decreasing")
#: The order of the message kinds: what needs attention first.
KIND_ORDER = {"worse": 0, "red_red": 1, "trend_worse": 2, "better": 3, "higher": 4, "lower": 4,
              "trend_better": 5, "change": 6, "trend": 7}
COLUMNS = ["kind", "indicator", "text", "caveat"]


def _value(row, column: str, language: str) -> str:
    text = format_number(row[column], int(row["decimals"]), language)
    unit = str(row.get("unit") or "")
    return f"{text} {unit}".strip() if unit else text


def _expected_caveat(result, code: str, language: str) -> str | None:
    """Whether the area's structure explains its difference: the expected value and its verdict."""
    rows = result.table.set_index("area_code")
    if code not in rows.index or pd.isna(rows.loc[code, "expected"]):
        return None
    row = rows.loc[code]
    indicator = get_indicator(result.indicator)
    expected = format_number(row["expected"], indicator.decimals, language)
    unit = indicator.unit[language]
    key = "message_structure_explains" if row["significance"] == "similar" else "message_structure_not_enough"
    return label(key, language, expected=f"{expected} {unit}".strip())


def key_messages(table: pd.DataFrame, *, code: str | None = None, changes: pd.DataFrame | None = None,
                 previous: str | None = None, expected=(), language: str = "fi") -> pd.DataFrame:
    """Key messages drafted from the area's indicator table.

    Parameters
    ----------
    table : DataFrame
        The area's :func:`~ohti.documents.content.indicator_table`; its key indicators with data
        of the document's month are read.
    code : str, optional
        The area's code, for the expected values.
    changes : DataFrame, optional
        The area's rows of :func:`~ohti.documents.content.changes_since` (``previous`` its edition).
    expected : sequence of :class:`ohti.analysis.expected.Expected`
        Models of outcomes: where one covers a differing indicator, the caveat says whether the
        area's structure explains the difference.

    Returns
    -------
    DataFrame
        ``kind, indicator, text, caveat``, most pressing first, at most :data:`MAX_MESSAGES`
        rows; empty when nothing is significant (the section then says so).
    """
    models = {result.indicator: result for result in expected}
    shown = table[table["current"] & table["key"]]
    rows = []
    for row in shown.to_dict("records"):
        significance = str(row.get("significance"))
        if significance in DIFFERENT:
            caveat = (_expected_caveat(models[row["indicator"]], code, language)
                      if code and row["indicator"] in models else None)
            note = translate_note(row.get("note"), language)
            caveat = caveat or (note[0].upper() + note[1:] + "." if note else label(
                f"message_caveat_{row['comparison']}", language))
            rows.append((significance, row["indicator"], label(
                f"message_{significance}", language, name=row["name"], value=_value(row, "value", language),
                national=_value(row, "national", language)), caveat))
        trend = str(row.get("trend_label") or "")
        if trend in MOVING:
            kind = "trend_worse" if trend == "worse" else "trend_better" if trend == "better" else "trend"
            rows.append((kind, row["indicator"], label(
                "message_trend", language, name=row["name"],
                trend=label("trend_marker_" + trend, language).lower()), label("message_caveat_trend", language)))
        if row.get("red_red"):
            rows.append(("red_red", row["indicator"], label("message_red_red", language, name=row["name"]),
                         label("message_caveat_trend", language)))
    if changes is not None and not changes.empty and previous:
        rows += _change_messages(rows, changes[changes["indicator"].isin(set(shown["indicator"]))], previous,
                                 str(shown["period"].max()) if len(shown) else previous, language)
    messages = pd.DataFrame(rows, columns=COLUMNS)
    if messages.empty:
        return messages
    messages["_order"] = messages["kind"].map(KIND_ORDER)
    key_order = {ident: number for number, ident in enumerate(shown["indicator"])}
    messages["_indicator"] = messages["indicator"].map(key_order)
    messages = (messages.sort_values(["_order", "_indicator"], kind="stable").drop(columns=["_order", "_indicator"])
                .drop_duplicates("text").head(MAX_MESSAGES).reset_index(drop=True))
    messages.loc[messages["caveat"].duplicated(), "caveat"] = ""  # a caveat is said once
    return messages


def _change_messages(rows: list, changes: pd.DataFrame, previous: str, shown: str, language: str) -> list:
    """Messages of the verdicts and ranks that changed since ``previous``. A verdict that changed
    for an indicator with a message already is said in that message ("(lokakuu 2023: ei eroa)");
    a rank that moved is said only for an indicator without a message."""
    then = format_period(previous, language)
    caveat = label("message_caveat_change" if previous[5:] == shown[5:] else "message_caveat_change_month",
                   language, previous=then)
    said = {row[1]: position for position, row in enumerate(rows)}
    added = []
    for row in changes[changes["kind"] == "verdict"].to_dict("records"):
        before, after = (label("sig_" + v.replace(" ", "_"), language) for v in (row["before"], row["after"]))
        if row["indicator"] in said:
            kind, ident, text, old_caveat = rows[said[row["indicator"]]]
            suffix = label("message_then", language, previous=then, before=before)
            rows[said[row["indicator"]]] = (kind, ident, text.rstrip(".") + f" {suffix}.", old_caveat + " " + caveat)
        else:
            added.append(("change", row["indicator"], label("message_change_verdict", language, name=row["name"],
                                                            previous=then, before=before, after=after), caveat))
            said[row["indicator"]] = -1
    for row in changes[changes["kind"] == "rank"].to_dict("records"):
        if row["indicator"] not in said:
            added.append(("change", row["indicator"], label("message_change_rank", language, name=row["name"],
                                                            previous=then, before=row["before"], after=row["after"]),
                          caveat))
    return added


#: The heading an expert gives the key messages in the assessment text, in each language.
EXPERT_HEADING = re.compile(r"^#{2,4}\s*(keskeiset viestit|viktigaste budskap|huvudbudskap|key messages)\s*$",
                            re.IGNORECASE | re.MULTILINE)


def expert_key_messages(code: str, period: str, language: str = "fi") -> str | None:
    """The key messages of the expert assessment: the Markdown under its heading "Keskeiset
    viestit" ("Viktigaste budskap", "Key messages") up to the next heading, or None."""
    path = assessment_path(code, period, language)
    if path is None:
        return None
    text = read_assessment(path)
    match = EXPERT_HEADING.search(text)
    if not match:
        return None
    rest = text[match.end():]
    following = re.search(r"^#{1,4}\s", rest, re.MULTILINE)
    body = (rest[:following.start()] if following else rest).strip()
    return body or None


def objectives_table(table: pd.DataFrame) -> pd.DataFrame:
    """The indicators of each national objective with the area's figures: the rows of the
    area's indicator table (the same verdicts), one per objective and indicator, in the order of
    ``ohti/objectives.yaml`` and of the registry, with ``objective`` first; an indicator that
    speaks to two objectives appears under both. Indicators the document cannot show (register
    data, or no recent public figures) have no row: :func:`objectives_unmeasured` names them."""
    pieces = []
    shown = table[table["current"]]
    for objective in load_objectives().values():
        rows = shown[shown["indicator"].map(lambda ident: objective.id in get_indicator(ident).objectives)]
        pieces.append(rows.assign(objective=objective.id))
    if not pieces:
        return table.iloc[0:0].assign(objective=pd.Series(dtype=str))
    result = pd.concat(pieces, ignore_index=True)
    return result[["objective", *[c for c in result.columns if c != "objective"]]]


def objectives_unmeasured(table: pd.DataFrame, language: str = "fi") -> dict[str, list[str]]:
    """For each objective, the names of its indicators that have no figure of the document's
    month (customer-register indicators, public ones without recent data)."""
    shown = set(table.loc[table["current"], "indicator"])
    return {objective.id: [indicator.label(language) for indicator in load_registry().values()
                           if objective.id in indicator.objectives and indicator.id not in shown]
            for objective in load_objectives().values()}
