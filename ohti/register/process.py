"""Customer-process and outcome indicators measured from a customer-register extract.

Every computation runs inside DuckDB on the extract's person-level tables
(:mod:`ohti.register.extract`); only aggregates per indicator, employment area and month leave the
engine, and they pass the disclosure gate (:func:`ohti.indicators.disclosure.suppress_counts`) before
anything shows them.

Definitions (cohort month: the month of the day the deadline starts to run; area: the area of
residence recorded on that row; rule: the version of ``rules.yaml`` in force on that day)

``initial_interview_within_5_days``
    Unemployment spells starting in the month; numerator: the spell's first initial interview
    on or before the N-th working day after the start (N = 5 under the 2022 and 2025 rules,
    10 under the 2026 rule). Spells that ended before the deadline without an interview are
    left out (the person was no longer a job seeker).
``employment_plan_at_initial_interview``
    Spells whose first initial interview falls in the month; numerator: an employment plan
    recorded on the day of the interview (within the rule's ``employment_plan_days``).
``supplementary_job_search_discussions``
    Spells whose initial interview falls in the month and that last the rule's months after
    it; numerator: at least the rule's count of supplementary discussions in those months.
    Not measured under a rule without a fixed number (2026).
``repeated_intensive_period_6_months``
    Spells reaching 6 months of unemployment in the month and lasting through the intensive
    period; numerator: at least the rule's number of (supplementary or regular) job-search
    discussions in the period. Not measured under a rule without the period (2026).
``flow_to_unemployment_over_3_months``
    Unemployment spells starting in the month; numerator: still unemployed 3 months later.
``open_labour_market_3_months_after_service`` / ``..._6_months_...``
    Services ending in the month; numerator: the service ended to the open labour market and
    the person started no unemployment spell or service within the 3 (6) months after.
``integration_needs_assessment``
    Integration-client relationships starting in the month; numerator: the assessment
    started within the rule's months.
``integration_plan``
    Assessments in the month; numerator: an integration plan within the rule's days.

A month whose follow-up reaches past the extract date is "not yet observable" (missing),
never measured on a part of its cohort.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import numpy as np
import pandas as pd

from ohti.errors import DefinitionError, ParameterError
from ohti.indicators.disclosure import parent_links, suppress_counts
from ohti.indicators.registry import load_registry
from ohti.paths import PACKAGE_DIR
from ohti.register.extract import AREA_CODES, Extract, load_extract
from ohti.register.workdays import add_working_days, calendar
from ohti.sources.files import NATIONAL_CODE
from ohti.stats.intervals import wilson_limits
from ohti.yamlsafe import load_yaml

RULES_PATH = PACKAGE_DIR / "rules.yaml"
LEVEL = "area"
#: The registry's customer-register indicators this module measures, in document order.
INDICATORS = (
    "initial_interview_within_5_days",
    "employment_plan_at_initial_interview",
    "supplementary_job_search_discussions",
    "repeated_intensive_period_6_months",
    "flow_to_unemployment_over_3_months",
    "open_labour_market_3_months_after_service",
    "open_labour_market_6_months_after_service",
    "integration_needs_assessment",
    "integration_plan",
)
COLUMNS = ["indicator", "level", "area_code", "period", "value", "numerator", "denominator", "lower", "upper",
           "rule_version", "note", "synthetic"]


@functools.lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> pd.DataFrame:
    """The deadline rule table (``rules.yaml``), validated: one row per rule version."""
    file = Path(path) if path else RULES_PATH
    document = load_yaml(file)
    problems, rows = [], []
    versions = (document or {}).get("versions")
    if not isinstance(versions, list) or not versions:
        raise DefinitionError([f"{file}: needs a list 'versions'"])
    needed = ("id", "valid_from", "valid_to", "label", "sources", "initial_interview_working_days",
              "employment_plan_days", "supplementary_discussions", "intensive_period",
              "integration_assessment_months", "integration_plan_days")
    for number, version in enumerate(versions, 1):
        where = f"{file}, version {version.get('id', number)!r}" if isinstance(version, dict) else f"{file}, #{number}"
        if not isinstance(version, dict):
            problems.append(f"{where}: not a mapping")
            continue
        problems += [f"{where}, field {f}: missing" for f in needed if f not in version]
        if any(f not in version for f in needed):
            continue
        supplementary = version["supplementary_discussions"] or {}
        intensive = version["intensive_period"] or {}
        start, stop = version["valid_from"], version["valid_to"]
        if not isinstance(start, dt.date) or (stop is not None and not isinstance(stop, dt.date)):
            problems.append(f"{where}: valid_from / valid_to must be dates (YYYY-MM-DD)")
            continue
        if stop is not None and stop < start:
            problems.append(f"{where}: valid_to {stop} is before valid_from {start}")
        for field in ("initial_interview_working_days", "employment_plan_days",
                      "integration_assessment_months", "integration_plan_days"):
            value = version[field]
            if value is not None and (not isinstance(value, int) or value < 0):
                problems.append(f"{where}, field {field}: {value!r} is not a whole number ≥ 0 or null")
        rows.append({
            "rule_id": version["id"], "valid_from": start, "valid_to": stop or dt.date(9999, 12, 31),
            "label_fi": version["label"]["fi"], "label_sv": version["label"]["sv"], "label_en": version["label"]["en"],
            "interview_days": version["initial_interview_working_days"],
            "plan_days": version["employment_plan_days"],
            "supplementary_count": supplementary.get("count"), "supplementary_months": supplementary.get("months"),
            "intensive_after": intensive.get("after_months"), "intensive_length": intensive.get("length_months"),
            "intensive_discussions": intensive.get("discussions"),
            "assessment_months": version["integration_assessment_months"],
            "koto_plan_days": version["integration_plan_days"],
        })
    table = pd.DataFrame(rows).sort_values("valid_from", ignore_index=True) if rows else pd.DataFrame()
    for before, after in zip(rows and table.itertuples(), rows and list(table.itertuples())[1:]):
        if after.valid_from <= before.valid_to:
            problems.append(f"{file}: versions {before.rule_id} and {after.rule_id} overlap")
    if problems:
        raise DefinitionError(problems)
    return table


def rule_for(day, rules: pd.DataFrame | None = None) -> str | None:
    """The id of the rule version in force on `day` (None before the first)."""
    rules = load_rules() if rules is None else rules
    day = dt.date.fromisoformat(str(day)) if not isinstance(day, dt.date) else day
    for rule_id, start, stop in zip(rules["rule_id"], rules["valid_from"], rules["valid_to"]):
        if start <= day <= stop:  # the versions are in order and do not overlap
            return str(rule_id)
    return None


_RULE_NUMBERS = ("interview_days", "plan_days", "supplementary_count", "supplementary_months", "intensive_after",
                 "intensive_length", "intensive_discussions", "assessment_months", "koto_plan_days")


#: The cohort row a spell gives for each indicator measured from spells (``spell_facts``
#: columns): whether the spell is in the cohort, its cohort day, the rule version, whether the
#: rule requires it, the follow-up end, met, eligible.
_SPELL_COHORTS = {
    "initial_interview_within_5_days": {
        "cohort": "rule_start IS NOT NULL", "day": "start_date", "rule_id": "rule_start",
        "required": "interview_deadline IS NOT NULL", "until": "interview_deadline",
        "ok": "coalesce(interview <= interview_deadline, false)",
        "eligible": "NOT (stop < interview_deadline AND (interview IS NULL OR interview > stop))"},
    "employment_plan_at_initial_interview": {
        "cohort": "interview IS NOT NULL AND rule_interview IS NOT NULL", "day": "interview",
        "rule_id": "rule_interview", "required": "plan_days IS NOT NULL", "until": "interview + plan_days",
        "ok": "plans > 0", "eligible": "true"},
    "supplementary_job_search_discussions": {
        "cohort": "interview IS NOT NULL AND rule_interview IS NOT NULL", "day": "interview",
        "rule_id": "rule_interview", "required": "supplementary_count IS NOT NULL", "until": "supplementary_until",
        "ok": "supplementary >= supplementary_count", "eligible": "stop >= supplementary_until"},
    "repeated_intensive_period_6_months": {
        "cohort": "stop >= six AND rule_six IS NOT NULL", "day": "six", "rule_id": "rule_six",
        "required": "intensive_from IS NOT NULL", "until": "CAST(intensive_to - INTERVAL 1 DAY AS DATE)",
        "ok": "intensive >= intensive_discussions", "eligible": "stop >= CAST(intensive_to - INTERVAL 1 DAY AS DATE)"},
    "flow_to_unemployment_over_3_months": {
        "cohort": "rule_start IS NOT NULL", "day": "start_date", "rule_id": "rule_start", "required": "true",
        "until": "CAST(start_date + INTERVAL 3 MONTH AS DATE)", "ok": "stop >= start_date + INTERVAL 3 MONTH",
        "eligible": "true"},
}
#: The spell indicators whose cohorts need the events counted in each spell's windows.
_COUNTED = ("employment_plan_at_initial_interview", "supplementary_job_search_discussions",
            "repeated_intensive_period_6_months")
_SERVICE_INDICATORS = ("open_labour_market_3_months_after_service", "open_labour_market_6_months_after_service")
_INTEGRATION_INDICATORS = ("integration_needs_assessment", "integration_plan")


def _setup(connection, extract, rules: pd.DataFrame, first: dt.date, last: dt.date, indicators) -> None:
    """The cohorts of the `indicators`, counted inside DuckDB: those measured from spells straight
    into their counts by area and month (``spell_counts``: the person-level spell facts are never
    stored), the service and KOTO ones as small tables their queries read."""
    start = min(extract.first_date, extract.extract_date) - dt.timedelta(days=400)
    cal = calendar(start, max(extract.extract_date, extract.last_date or extract.extract_date) + dt.timedelta(days=800))
    connection.register("calendar_frame", cal)
    connection.execute("CREATE OR REPLACE TEMP TABLE cal AS SELECT day, working, workday_index FROM calendar_frame")
    connection.execute("""CREATE OR REPLACE TEMP TABLE workday AS
                          SELECT workday_index, day FROM cal WHERE working""")
    connection.unregister("calendar_frame")
    # the rule versions as a one-byte enumeration in the order of their ids (so that min and max
    # of a column of them are those of the ids); the tables of an earlier computation go first
    for table in ("spell_counts", "service_outcome", "integration_events"):
        connection.execute(f"DROP TABLE IF EXISTS {table}")
    versions = ", ".join(f"'{v}'" for v in sorted(rules["rule_id"].astype(str)))
    connection.execute(f"CREATE OR REPLACE TYPE rule_version AS ENUM ({versions})")
    connection.register("rules_frame", rules.drop(columns=["label_fi", "label_sv", "label_en"]))
    numbers = ", ".join(f"CAST({c} AS INTEGER) AS {c}" for c in _RULE_NUMBERS)
    connection.execute(f"""CREATE OR REPLACE TEMP TABLE rules AS
                           SELECT rule_id, CAST(valid_from AS DATE) AS valid_from, CAST(valid_to AS DATE) AS valid_to,
                                  {numbers} FROM rules_frame""")
    connection.unregister("rules_frame")
    spell_indicators = [i for i in indicators if i in _SPELL_COHORTS]
    if spell_indicators:
        _day_tables(connection, rules)
        connection.execute(f"CREATE TEMP TABLE spell_counts AS {_spell_counts(first, last, spell_indicators)}")
    if any(i in _SERVICE_INDICATORS for i in indicators):
        # the first start of a spell or a service after each service ends in the months asked
        # for (for the outcomes)
        connection.execute(f"""
            CREATE TEMP TABLE service_outcome AS
            WITH ended AS (SELECT line AS vid, person_id, area_code, end_date, end_reason,
                                  {_rule_case(rules, "end_date")} AS rule_id
                           FROM services WHERE end_date BETWEEN DATE '{first}' AND DATE '{last}'),
                 starts AS (SELECT person_id, start_date FROM spells WHERE start_date > DATE '{first}'
                            UNION ALL SELECT person_id, start_date FROM services WHERE start_date > DATE '{first}')
            SELECT e.vid, any_value(e.area_code) AS area_code, any_value(e.end_date) AS end_date,
                   any_value(e.end_reason) AS end_reason, any_value(e.rule_id) AS rule_id,
                   min(t.start_date) AS next_start
            FROM ended e LEFT JOIN starts t ON t.person_id = e.person_id AND t.start_date > e.end_date
            GROUP BY e.vid""")
    if any(i in _INTEGRATION_INDICATORS for i in indicators):
        # the KOTO events (few): their cohorts and windows all fall in the months asked for or after
        connection.execute(f"""
            CREATE TEMP TABLE integration_events AS
            SELECT person_id, area_code, type, event_date FROM events
            WHERE type IN ('integration_client', 'integration_assessment', 'integration_plan')
              AND event_date >= DATE '{first}'""")


def _day_tables(connection, rules: pd.DataFrame) -> None:
    """The rules and deadlines a spell's cohort days set, looked up by day (``cal`` covers every
    day a spell can start or have its interview on): ``start_day`` by the start of a spell (the
    rule in force then, the interview deadline, 6 months on and the rule then, the intensive
    period), ``interview_day`` by its first initial interview (the rule, the plan's days, the
    supplementary discussions' count and last day). A few thousand rows, computed once, in
    place of the same rules worked out again for each of millions of spells."""
    connection.execute(f"""
        CREATE OR REPLACE TEMP TABLE start_day AS
        WITH d AS (SELECT day, workday_index, {_rule_case(rules, "day")} AS rule_start,
                          CAST(day + INTERVAL 6 MONTH AS DATE) AS six FROM cal),
             r AS (SELECT *, {_rule_case(rules, "six")} AS rule_six FROM d),
             v AS (SELECT *, {_rule_value(rules, "rule_start", "interview_days")} AS interview_days,
                          {_rule_value(rules, "rule_six", "intensive_after")} AS intensive_after,
                          {_rule_value(rules, "rule_six", "intensive_length")} AS intensive_length,
                          {_rule_value(rules, "rule_six", "intensive_discussions")} AS intensive_discussions
                   FROM r)
        SELECT v.day, v.rule_start, v.six, v.rule_six, v.intensive_discussions, w.day AS interview_deadline,
               CAST(v.day + to_months(v.intensive_after) AS DATE) AS intensive_from,
               CAST(v.day + to_months(v.intensive_after) + to_months(v.intensive_length) AS DATE) AS intensive_to
        FROM v LEFT JOIN workday w ON w.workday_index = v.workday_index + v.interview_days""")
    connection.execute(f"""
        CREATE OR REPLACE TEMP TABLE interview_day AS
        WITH r AS (SELECT day, {_rule_case(rules, "day")} AS rule_interview FROM cal),
             v AS (SELECT *, {_rule_value(rules, "rule_interview", "plan_days")} AS plan_days,
                          {_rule_value(rules, "rule_interview", "supplementary_count")} AS supplementary_count,
                          {_rule_value(rules, "rule_interview", "supplementary_months")} AS supplementary_months
                   FROM r)
        SELECT day, rule_interview, plan_days, supplementary_count,
               CAST(day + to_months(supplementary_months) AS DATE) AS supplementary_until
        FROM v""")


def _spell_counts(first: dt.date, last: dt.date, indicators) -> str:
    """SQL of the cohort counts by indicator, area and month of the indicators measured from
    spells, in one pass over the spells and the events.

    Each spell gets its first initial interview, then the rules in force on its three cohort
    days (the start, the interview, 6 months on) and the windows they set, from the day tables
    (:func:`_day_tables`), then the events that fall in its windows (only for spells whose
    counts are measured: an interview, the intensive period reached); then it gives one cohort
    row per indicator, counted by area and month. Only spells that can have a cohort day in the
    months asked for are read (the interview falls within the spell, so it is in those months
    only if the spell reaches them); every window starts on or after its cohort day, so events
    before the first month asked for count for no cohort that is measured, nor do events after
    the spell's last window.
    """
    counted = any(i in _COUNTED for i in indicators)
    counts = """
        counted AS (
            SELECT f.sid, f.person_id, f.interview, i.plan_days, i.supplementary_until, d.intensive_from,
                   d.intensive_to
            FROM sf f JOIN start_day d ON d.day = f.start_date LEFT JOIN interview_day i ON i.day = f.interview
            WHERE f.interview IS NOT NULL OR (f.stop >= d.six AND d.intensive_from IS NOT NULL)),
        sc AS (
            SELECT f.sid,
                   count(*) FILTER (WHERE e.type = 'employment_plan'
                                    AND e.event_date BETWEEN f.interview AND f.interview + f.plan_days) AS plans,
                   count(*) FILTER (WHERE e.type = 'supplementary_discussion' AND e.event_date > f.interview
                                    AND e.event_date <= f.supplementary_until) AS supplementary,
                   count(*) FILTER (WHERE e.type IN ('supplementary_discussion', 'job_search_discussion')
                                    AND e.event_date >= f.intensive_from AND e.event_date < f.intensive_to) AS intensive
            FROM counted f
            JOIN (SELECT person_id, type, event_date FROM events
                  WHERE type IN ('employment_plan', 'supplementary_discussion', 'job_search_discussion')
                    AND event_date >= DATE '{first}') e
              ON e.person_id = f.person_id AND e.event_date >= least(f.interview, f.intensive_from)
             AND e.event_date <= greatest(f.interview + f.plan_days, f.supplementary_until, f.intensive_to)
            GROUP BY f.sid),""".format(first=first) if counted else ""
    tallies = ("coalesce(c.plans, 0) AS plans, coalesce(c.supplementary, 0) AS supplementary, "
               "coalesce(c.intensive, 0) AS intensive" if counted else "0 AS plans, 0 AS supplementary, 0 AS intensive")
    # one cohort row per spell and indicator: a SELECT of each indicator's expressions, filtered
    # to its cohort in the months asked for (DuckDB pushes the filters into spell_facts)
    cohorts = "\n        UNION ALL ".join(
        f"""SELECT '{i}' AS indicator, area_code, {c["day"]} AS day, {c["rule_id"]} AS rule_id,
                   {c["required"]} AS required, {c["until"]} AS until, {c["ok"]} AS ok, {c["eligible"]} AS eligible
            FROM spell_facts WHERE ({c["cohort"]}) AND {c["day"]} BETWEEN DATE '{first}' AND DATE '{last}'"""
        for i, c in ((i, _SPELL_COHORTS[i]) for i in indicators))
    return f"""
        WITH sp AS MATERIALIZED (
            SELECT line AS sid, person_id, area_code, start_date, coalesce(end_date, DATE '9999-12-31') AS stop
            FROM spells
            WHERE start_date <= DATE '{last}'
              AND (coalesce(end_date, DATE '9999-12-31') >= DATE '{first}'
                   OR start_date + INTERVAL 6 MONTH >= DATE '{first}')),
        first_interview AS (
            SELECT s.sid, min(e.event_date) AS interview
            FROM sp s JOIN (SELECT person_id, event_date FROM events WHERE type = 'initial_interview') e
              ON e.person_id = s.person_id AND e.event_date >= s.start_date AND e.event_date <= s.stop
            GROUP BY s.sid),
        sf AS MATERIALIZED (
            SELECT s.sid, s.person_id, s.area_code, s.start_date, s.stop, f.interview
            FROM sp s LEFT JOIN first_interview f USING (sid)
            WHERE s.start_date >= DATE '{first}' OR f.interview >= DATE '{first}'
                  OR s.start_date + INTERVAL 6 MONTH >= DATE '{first}'),{counts}
        spell_facts AS MATERIALIZED (
            SELECT f.*, d.* EXCLUDE (day), i.* EXCLUDE (day), {tallies}
            FROM sf f LEFT JOIN start_day d ON d.day = f.start_date LEFT JOIN interview_day i ON i.day = f.interview
            {"LEFT JOIN sc c USING (sid)" if counted else ""}),
        cohort AS (
        {cohorts})
        SELECT indicator, {_COUNTS}
        FROM cohort
        GROUP BY ALL"""


_RULE_JOIN = "JOIN rules r ON {day} BETWEEN r.valid_from AND r.valid_to"


def _rule_value(rules: pd.DataFrame, rule_column: str, field: str) -> str:
    """SQL for a rule field of the version named in `rule_column` (NULL where unset)."""
    cases = " ".join(f"WHEN '{r['rule_id']}' THEN {int(r[field])}" for r in rules.to_dict("records")
                     if pd.notna(r[field]))
    return f"CAST(CASE {rule_column} {cases} END AS INTEGER)" if cases else "CAST(NULL AS INTEGER)"


def _rule_case(rules: pd.DataFrame, day: str) -> str:
    """SQL naming the rule version in force on `day` (NULL before the first)."""
    cases = " ".join(f"WHEN {day} BETWEEN DATE '{r.valid_from}' AND DATE '{r.valid_to}' THEN '{r.rule_id}'"
                     for r in rules.itertuples())
    return f"CAST(CASE {cases} END AS rule_version)"


#: The counts of cohort rows (area_code, day, rule_id, required, until, ok, eligible) by area
#: and month: rows that are required, eligible and observed.
_COUNTS = """CAST(area_code AS VARCHAR) AS area_code, date_trunc('month', day) AS month,
               CAST(min(rule_id) AS VARCHAR) AS first_rule, CAST(max(rule_id) AS VARCHAR) AS last_rule,
               bool_and(required) AS required,
               max(until) AS until,
               count(*) FILTER (WHERE eligible) AS denominator,
               count(*) FILTER (WHERE eligible AND ok) AS numerator"""

_QUERIES = {
    # cohort rows of the indicators not measured from spells: area_code, day (the cohort day),
    # rule_id, required, until, ok, eligible
    "open_labour_market_3_months_after_service": "__service__3",
    "open_labour_market_6_months_after_service": "__service__6",
    "integration_needs_assessment": f"""
        SELECT c.area_code, c.event_date AS day, r.rule_id, r.assessment_months IS NOT NULL AS required,
               CAST(c.event_date + to_months(coalesce(r.assessment_months, 0)) AS DATE) AS until,
               EXISTS (SELECT 1 FROM integration_events a WHERE a.person_id = c.person_id
                       AND a.type = 'integration_assessment' AND a.event_date BETWEEN c.event_date
                       AND c.event_date + to_months(r.assessment_months)) AS ok,
               true AS eligible
        FROM integration_events c {_RULE_JOIN.format(day="c.event_date")}
        WHERE c.type = 'integration_client'""",
    "integration_plan": f"""
        SELECT a.area_code, a.event_date AS day, r.rule_id, r.koto_plan_days IS NOT NULL AS required,
               a.event_date + coalesce(r.koto_plan_days, 0) AS until,
               EXISTS (SELECT 1 FROM integration_events p WHERE p.person_id = a.person_id
                       AND p.type = 'integration_plan'
                       AND p.event_date BETWEEN a.event_date AND a.event_date + r.koto_plan_days) AS ok,
               true AS eligible
        FROM integration_events a {_RULE_JOIN.format(day="a.event_date")}
        WHERE a.type = 'integration_assessment'""",
}


def _service_query(months: int) -> str:
    return f"""
        SELECT area_code, end_date AS day, rule_id, true AS required,
               CAST(end_date + INTERVAL {months} MONTH AS DATE) AS until,
               end_reason = 'open_labour_market'
               AND (next_start IS NULL OR next_start > end_date + INTERVAL {months} MONTH) AS ok,
               true AS eligible
        FROM service_outcome WHERE rule_id IS NOT NULL"""


def _query(indicator: str) -> str:
    text = _QUERIES[indicator]
    return _service_query(int(text.rsplit("__", 1)[1])) if text.startswith("__service__") else text


def _aggregate(connection, indicator: str, first: dt.date, last: dt.date, extract_date: dt.date) -> pd.DataFrame:
    """Cohort counts by area and month: rows that are required, eligible and observed."""
    if indicator in _SPELL_COHORTS:  # counted by _setup
        sql = f"SELECT * EXCLUDE (indicator) FROM spell_counts WHERE indicator = '{indicator}'"
    else:
        sql = f"""
            WITH cohort AS ({_query(indicator)})
            SELECT {_COUNTS}
            FROM cohort
            WHERE day BETWEEN DATE '{first}' AND DATE '{last}'
            GROUP BY ALL"""
    frame = connection.execute(sql).df()
    frame["period"] = pd.to_datetime(frame["month"]).dt.strftime("%Y-%m")
    frame["rule_version"] = frame["first_rule"].where(frame["first_rule"] == frame["last_rule"],
                                                      frame["first_rule"] + "+" + frame["last_rule"])
    return frame.drop(columns=["month", "first_rule", "last_rule"])


def _months(periods, extract) -> list[str]:
    if periods is None:
        end = pd.Period(extract.extract_date, "M")
        return [str(end - k) for k in range(11, -1, -1)]
    months = [str(p) for p in periods]
    for month in months:
        try:
            pd.Period(month, "M")
        except ValueError as error:
            raise ParameterError(f"period {month!r} is not a month (YYYY-MM)") from error
    return months


def _follow_up_end(indicator: str, month_end: dt.date, rule: pd.Series | None) -> dt.date | None:
    """The last follow-up day a cohort of the month needs (for the 'not yet observable' check)."""
    offset = pd.DateOffset
    end = pd.Timestamp(month_end)
    if indicator == "initial_interview_within_5_days":
        return None if rule is None or pd.isna(rule["interview_days"]) else add_working_days(month_end, int(rule["interview_days"]))
    if indicator == "employment_plan_at_initial_interview":
        return None if rule is None or pd.isna(rule["plan_days"]) else (end + offset(days=int(rule["plan_days"]))).date()
    if indicator == "supplementary_job_search_discussions":
        return None if rule is None or pd.isna(rule["supplementary_months"]) else (end + offset(months=int(rule["supplementary_months"]))).date()
    if indicator == "repeated_intensive_period_6_months":
        return None if rule is None or pd.isna(rule["intensive_length"]) else (end + offset(months=int(rule["intensive_length"]))).date()
    if indicator == "flow_to_unemployment_over_3_months":
        return (end + offset(months=3)).date()
    if indicator.startswith("open_labour_market_"):
        return (end + offset(months=int(indicator.split("_")[3]))).date()
    if indicator == "integration_needs_assessment":
        return None if rule is None or pd.isna(rule["assessment_months"]) else (end + offset(months=int(rule["assessment_months"]))).date()
    if indicator == "integration_plan":
        return None if rule is None or pd.isna(rule["koto_plan_days"]) else (end + offset(days=int(rule["koto_plan_days"]))).date()
    raise ParameterError(f"unknown process indicator {indicator!r}")


_REQUIREMENT = {
    "initial_interview_within_5_days": "interview_days", "employment_plan_at_initial_interview": "plan_days",
    "supplementary_job_search_discussions": "supplementary_count",
    "repeated_intensive_period_6_months": "intensive_after", "integration_needs_assessment": "assessment_months",
    "integration_plan": "koto_plan_days",
}


def compute_process(extract, *, indicators=None, periods=None, disclosure: bool = True,
                    threshold: int | None = None, national: bool = True, memory_limit: str | None = None,
                    temp_directory=None) -> pd.DataFrame:
    """Process and outcome indicators of every employment area and month of an extract.

    Parameters
    ----------
    extract : ohti.register.extract.Extract, str or Path
        A loaded extract, or a file (or ``demo``) to load.
    indicators : list of str, optional
        Ids of :data:`INDICATORS` (all by default).
    periods : list of str, optional
        Months 'YYYY-MM' (the 12 months ending at the extract date by default).
    disclosure : bool, default True
        Suppress small counts (primary and secondary, :func:`ohti.indicators.disclosure.suppress_counts`).
    threshold : int, optional
        The disclosure threshold; each indicator's registry ``suppression_threshold`` by default.
    national : bool, default True
        Add the whole country's row (code SSS) per indicator and month.
    memory_limit, temp_directory : optional
        DuckDB's memory limit and where it spills, when `extract` is loaded here
        (:func:`ohti.register.extract.load_extract`; a loaded extract keeps its own).

    Returns
    -------
    DataFrame
        ``indicator, level, area_code, period, value, numerator, denominator, lower, upper,
        rule_version, note, synthetic`` (+ ``disclosure``): value in per cent, Wilson 95 %
        limits, the rule version(s) measured under, and a note where the value is missing.
        Aggregates only: no person ids.
    """
    own = not isinstance(extract, Extract)
    if own:
        extract = load_extract(extract, memory_limit=memory_limit, temp_directory=temp_directory)
    try:
        chosen = list(INDICATORS) if indicators is None else list(indicators)
        unknown = [i for i in chosen if i not in INDICATORS]
        if unknown:
            raise ParameterError(f"not a process indicator: {', '.join(unknown)} (known: {', '.join(INDICATORS)})")
        months = _months(periods, extract)
        rules = load_rules()
        connection = extract.connection
        first = pd.Period(min(months), "M").start_time.date()
        last = pd.Period(max(months), "M").end_time.date()
        _setup(connection, extract, rules, first, last, chosen)
        codes = list(AREA_CODES) + ([NATIONAL_CODE] if national else [])
        frames = []
        for indicator in chosen:
            counts = _aggregate(connection, indicator, first, last, extract.extract_date)
            if national and not counts.empty:
                whole = counts.groupby("period", as_index=False).agg(
                    rule_version=("rule_version", lambda v: "+".join(sorted(set("+".join(v).split("+"))))),
                    required=("required", "all"), until=("until", "max"),
                    denominator=("denominator", "sum"), numerator=("numerator", "sum"))
                counts = pd.concat([counts, whole.assign(area_code=NATIONAL_CODE)], ignore_index=True)
            grid = pd.MultiIndex.from_product([codes, months], names=["area_code", "period"]).to_frame(index=False)
            frame = grid.merge(counts, on=["area_code", "period"], how="left")
            frames.append(_finish(frame, indicator, rules, extract))
        out = pd.concat(frames, ignore_index=True)
        x, n = out["numerator"].to_numpy(float), out["denominator"].to_numpy(float)
        with np.errstate(invalid="ignore", divide="ignore"):
            out["value"] = np.where(n > 0, 100 * x / n, np.nan)
        lower, upper = wilson_limits(np.where(n > 0, x, np.nan), np.where(n > 0, n, np.nan))
        out["lower"], out["upper"] = 100 * lower, 100 * upper
        out["synthetic"] = extract.synthetic
        out = out[COLUMNS]
        if disclosure:
            out = _disclose(out, threshold)
        return out
    finally:
        if own:
            extract.close()


def _finish(frame: pd.DataFrame, indicator: str, rules: pd.DataFrame, extract) -> pd.DataFrame:
    """Missing values where nothing is measurable, with the reason; the rule of empty months."""
    frame = frame.copy()
    by_id = {r["rule_id"]: r for r in rules.to_dict("records")}
    month_note, month_rule = {}, {}
    field = _REQUIREMENT.get(indicator)
    for period in frame["period"].unique():
        month = pd.Period(period, "M")
        rule_id = rule_for(month.end_time.date(), rules)
        rule = by_id.get(rule_id)
        follow = _follow_up_end(indicator, month.end_time.date(), None if rule is None else pd.Series(rule))
        if rule_id is None:
            note = "not measured: no rule version covers this month"
        elif field and pd.isna(rule[field]):
            note = f"not measured: rule {rule_id} sets no such requirement"
        elif follow is not None and follow > extract.extract_date:
            note = f"not yet observable: follow-up ends {follow}, after the extract date {extract.extract_date}"
        else:
            note = ""
        month_note[period], month_rule[period] = note, rule_id or ""
    notes = frame["period"].map(month_note)
    empty = (notes == "") & ~(frame["denominator"].fillna(0) > 0)
    notes = notes.where(~empty, "no cohort in this month")
    versions = frame["rule_version"].where(frame["rule_version"].notna(), frame["period"].map(month_rule))
    frame["rule_version"] = versions
    frame["note"] = notes
    missing = frame["note"] != ""
    frame.loc[missing, ["numerator", "denominator"]] = np.nan
    frame["numerator"] = frame["numerator"].astype(float)
    frame["denominator"] = frame["denominator"].astype(float)
    frame["indicator"] = indicator
    frame["level"] = np.where(frame["area_code"] == NATIONAL_CODE, "national", LEVEL)
    for column in ("value", "lower", "upper"):
        frame[column] = np.nan
    return frame


def _disclose(frame: pd.DataFrame, threshold: int | None) -> pd.DataFrame:
    registry = load_registry()
    links = parent_links()
    links = links[(links["level"] == LEVEL) & (links["parent_level"] == "national")]
    pieces = []
    for indicator, part in frame.groupby("indicator", sort=False):
        limit = threshold or int(getattr(registry.get(indicator), "suppression_threshold", 5))
        pieces.append(suppress_counts(part, limit, count_columns=("numerator", "denominator"), links=links))
    return pd.concat(pieces).loc[frame.index]


def pooled(values: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and unit, the months with a published value pooled: numerator and
    denominator summed over them, with Wilson 95 % limits. Months that are suppressed, not yet
    observable or not measured stay out, so the pooled value reveals nothing they hide."""
    ok = values[values["value"].notna()]
    grouped = ok.groupby(["indicator", "level", "area_code"], as_index=False).agg(
        numerator=("numerator", "sum"), denominator=("denominator", "sum"), months=("period", "nunique"),
        first=("period", "min"), last=("period", "max"),
        rule_version=("rule_version", lambda v: "+".join(sorted(set("+".join(v).split("+")) - {""}))))
    x, n = grouped["numerator"].to_numpy(float), grouped["denominator"].to_numpy(float)
    grouped["value"] = 100 * x / n
    lower, upper = wilson_limits(x, n)
    grouped["lower"], grouped["upper"] = 100 * lower, 100 * upper
    return grouped
