"""Process and outcome indicators from small hand-made extracts with answers worked by hand.

Working days: Finnish calendar. 19.12.2025 is a Friday; 24–26.12.2025 are Christmas Eve,
Christmas Day and Boxing Day, so the 5th working day after it is 31.12.2025. 2.1.2026 is a
Friday and 6.1.2026 Epiphany, so the 5th working day after it is 12.1.2026 and the 10th
(the 2026 rule after HE 108/2025) is 19.1.2026.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ohti.errors import DefinitionError
from ohti.register.process import RULES_PATH, compute_process, load_rules, pooled, rule_for

COLUMNS = ["table", "person_id", "area_code", "type", "start_date", "end_date", "end_reason"]


def spell(person, start, end=None, reason=None, area="01"):
    return ("spell", person, area, None, start, end, reason if end else None)


def event(person, kind, day, area="01"):
    return ("event", person, area, kind, day, None, None)


def service(person, start, end, reason, area="01"):
    return ("service", person, area, "labour_market_training", start, end, reason)


def write(tmp_path, rows, extract_date="2026-12-31", name="extract.parquet"):
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("start_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    schema = pa.schema([(c, pa.date32() if c.endswith("_date") else pa.string()) for c in COLUMNS])
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    table = table.replace_schema_metadata({"ohti.extract_date": extract_date})
    path = tmp_path / name
    pq.write_table(table, path)
    return path


def value(frame, indicator, period, area="01"):
    row = frame[(frame["indicator"] == indicator) & (frame["period"] == period) & (frame["area_code"] == area)]
    assert len(row) == 1
    return row.iloc[0]


@pytest.fixture
def interviews(tmp_path):
    rows = [
        # December 2025, the 2025 rule (5 working days): deadline 31.12.2025 over Christmas
        spell("A", "2025-12-19"), event("A", "initial_interview", "2025-12-31"),
        event("A", "employment_plan", "2025-12-31"),
        spell("B", "2025-12-19"), event("B", "initial_interview", "2026-01-02"),
        # ended (employed) before the deadline without an interview: not in the cohort
        spell("C", "2025-12-30", "2025-12-31", "open_labour_market"),
        # January 2026, the 2026 rule (10 working days): deadline 19.1.2026
        spell("D", "2026-01-02"), event("D", "initial_interview", "2026-01-16"),
        spell("E", "2026-01-02"), event("E", "initial_interview", "2026-01-20"),
        event("E", "employment_plan", "2026-01-27"),
    ]
    return write(tmp_path, rows)


def test_initial_interview_counts_finnish_working_days_and_the_rule_change(interviews):
    values = compute_process(interviews, periods=["2025-12", "2026-01"], disclosure=False)
    december = value(values, "initial_interview_within_5_days", "2025-12")
    assert (december["numerator"], december["denominator"]) == (1, 2)
    assert december["value"] == pytest.approx(50.0)
    assert december["rule_version"] == "te24_2025"
    january = value(values, "initial_interview_within_5_days", "2026-01")
    # D at 16.1. would be late under the 5-day rule (12.1.) but is in time under the 10-day rule
    assert (january["numerator"], january["denominator"]) == (1, 2)
    assert january["rule_version"] == "he108_2026"


def test_employment_plan_made_at_the_interview(interviews):
    values = compute_process(interviews, periods=["2025-12", "2026-01"], disclosure=False)
    december = value(values, "employment_plan_at_initial_interview", "2025-12")
    assert (december["numerator"], december["denominator"]) == (1, 1)
    # January: B (interviewed 2.1.), D and E; E's plan came a week after the interview
    january = value(values, "employment_plan_at_initial_interview", "2026-01")
    assert (january["numerator"], january["denominator"]) == (0, 3)
    assert january["value"] == 0.0


def test_supplementary_discussions_measured_under_2025_not_under_2026(tmp_path):
    rows = [spell("A", "2025-06-02"), event("A", "initial_interview", "2025-06-03")]
    rows += [event("A", "supplementary_discussion", d) for d in
             ("2025-06-17", "2025-07-01", "2025-07-15", "2025-08-05", "2025-09-02")]
    rows += [spell("B", "2025-06-09"), event("B", "initial_interview", "2025-06-10"),
             event("B", "supplementary_discussion", "2025-06-24")]
    # C left after a month: not unemployed for the 3 months, not in the denominator
    rows += [spell("C", "2025-06-02", "2025-07-04", "education"), event("C", "initial_interview", "2025-06-04")]
    rows += [spell("D", "2026-01-05"), event("D", "initial_interview", "2026-01-07")]
    values = compute_process(write(tmp_path, rows), periods=["2025-06", "2026-01"], disclosure=False)
    june = value(values, "supplementary_job_search_discussions", "2025-06")
    assert (june["numerator"], june["denominator"]) == (1, 2)
    january = value(values, "supplementary_job_search_discussions", "2026-01")
    assert np.isnan(january["value"]) and np.isnan(january["denominator"])
    assert january["note"] == "not measured: rule he108_2026 sets no such requirement"
    assert january["rule_version"] == "he108_2026"


def test_flow_into_long_unemployment_with_spells_crossing_month_ends(tmp_path):
    rows = [
        spell("A", "2025-01-31", "2025-05-15", "open_labour_market"),  # unemployed on 30.4. (3 months on)
        spell("B", "2025-01-15", "2025-03-01", "open_labour_market"),  # left before 15.4.
        spell("C", "2025-02-01", "2025-05-01", "other"),               # February cohort, unemployed on 1.5.
    ]
    values = compute_process(write(tmp_path, rows), periods=["2025-01", "2025-02"], disclosure=False)
    january = value(values, "flow_to_unemployment_over_3_months", "2025-01")
    assert (january["numerator"], january["denominator"]) == (1, 2)
    february = value(values, "flow_to_unemployment_over_3_months", "2025-02")
    assert (february["numerator"], february["denominator"]) == (1, 1)


def test_repeated_intensive_period(tmp_path):
    rows = [
        spell("A", "2025-01-10"), event("A", "supplementary_discussion", "2025-07-15"),
        event("A", "job_search_discussion", "2025-07-30"),
        spell("B", "2025-01-20"), event("B", "job_search_discussion", "2025-07-25"),
        spell("C", "2025-01-05", "2025-07-20", "open_labour_market"),  # left during the period
    ]
    values = compute_process(write(tmp_path, rows), periods=["2025-07"], disclosure=False)
    july = value(values, "repeated_intensive_period_6_months", "2025-07")
    assert (july["numerator"], july["denominator"]) == (1, 2)


def test_open_labour_market_after_a_service(tmp_path):
    rows = [
        spell("A", "2024-11-01", "2024-12-31", "service"), service("A", "2025-01-01", "2025-02-10", "open_labour_market"),
        spell("B", "2024-11-01", "2024-12-31", "service"), service("B", "2025-01-01", "2025-02-20", "open_labour_market"),
        spell("B", "2025-04-01"),  # back to unemployment within 3 months
        spell("C", "2024-11-01", "2024-12-31", "service"), service("C", "2025-01-01", "2025-02-25", "unemployed"),
    ]
    values = compute_process(write(tmp_path, rows), periods=["2025-02"], disclosure=False)
    three = value(values, "open_labour_market_3_months_after_service", "2025-02")
    assert (three["numerator"], three["denominator"]) == (1, 3)
    six = value(values, "open_labour_market_6_months_after_service", "2025-02")
    assert (six["numerator"], six["denominator"]) == (1, 3)


def test_koto_assessment_and_plan(tmp_path):
    rows = [
        spell("A", "2025-03-01"), event("A", "integration_client", "2025-03-03"),
        event("A", "integration_assessment", "2025-05-02"), event("A", "integration_plan", "2025-05-16"),
        spell("B", "2025-03-01"), event("B", "integration_client", "2025-03-10"),
        event("B", "integration_assessment", "2025-05-20"),
    ]
    values = compute_process(write(tmp_path, rows), periods=["2025-03", "2025-05"], disclosure=False)
    assessed = value(values, "integration_needs_assessment", "2025-03")  # within 2 months: by 3.5. / 10.5.
    assert (assessed["numerator"], assessed["denominator"]) == (1, 2)
    plan = value(values, "integration_plan", "2025-05")  # within 14 days of the assessment
    assert (plan["numerator"], plan["denominator"]) == (1, 2)


def test_months_whose_follow_up_is_not_over_are_not_measured(tmp_path):
    rows = [spell("A", "2025-06-02"), spell("B", "2025-06-20")]
    values = compute_process(write(tmp_path, rows, extract_date="2025-07-31"), periods=["2025-06"], disclosure=False)
    row = value(values, "flow_to_unemployment_over_3_months", "2025-06")
    assert np.isnan(row["value"])
    assert row["note"].startswith("not yet observable")


def test_national_row_sums_the_areas(interviews, tmp_path):
    rows = [spell("A", "2025-01-31", "2025-05-15", "other", area="01"), spell("B", "2025-01-15", area="45")]
    values = compute_process(write(tmp_path, rows), periods=["2025-01"], disclosure=False)
    nation = value(values, "flow_to_unemployment_over_3_months", "2025-01", area="SSS")
    assert (nation["numerator"], nation["denominator"], nation["level"]) == (2, 2, "national")


def test_small_counts_are_suppressed(interviews):
    values = compute_process(interviews, periods=["2025-12"])
    december = value(values, "initial_interview_within_5_days", "2025-12")
    assert december["disclosure"] == "primary"
    assert np.isnan(december["value"]) and np.isnan(december["numerator"])
    assert "suppressed" in december["note"]


def test_no_person_id_leaves_the_engine(interviews, tmp_path, capsys):
    from ohti.cli import main

    ids = {"A", "B", "C", "D", "E"}
    # ids that cannot occur by chance in any output text
    rows = [(t, f"PSEUDO-{p}-7f3a", *rest) for t, p, *rest in pd.read_parquet(interviews).itertuples(index=False)]
    path = write(tmp_path, rows, name="ids.parquet")
    secret = {f"PSEUDO-{p}-7f3a" for p in ids}
    values = compute_process(path, disclosure=False)
    text = values.to_csv() + pooled(values).to_csv()
    assert main(["values", "--indicator", "initial_interview_within_5_days", "--level", "area",
                 "--extract", str(path), "--no-disclosure"]) == 0
    text += capsys.readouterr().out
    assert not any(s in text for s in secret)
    assert "PSEUDO" not in text


def test_rule_table_versions_by_date():
    assert rule_for(dt.date(2022, 5, 1)) is None
    assert rule_for(dt.date(2022, 5, 2)) == "nordic_2022"
    assert rule_for(dt.date(2025, 12, 31)) == "te24_2025"
    assert rule_for(dt.date(2026, 1, 1)) == "he108_2026"
    rules = load_rules().set_index("rule_id")
    assert rules.loc["te24_2025", "interview_days"] == 5
    assert rules.loc["he108_2026", "interview_days"] == 10


def test_rule_table_is_validated(tmp_path):
    bad = tmp_path / "rules.yaml"
    text = RULES_PATH.read_text(encoding="utf-8")
    bad.write_text(text.replace("valid_from: 2026-01-01", "valid_from: 2025-06-01"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="overlap"):
        load_rules(str(bad))
    bad.write_text(text.replace("initial_interview_working_days: 10", "initial_interview_working_days: -1"),
                   encoding="utf-8")
    with pytest.raises(DefinitionError, match="not a whole number"):
        load_rules(str(bad))


# --- the area document's section and the build's wiring --------------------------------------

def test_area_section_states_plainly_when_no_extract_is_configured():
    from ohti.documents.process_section import process_section_html

    text = process_section_html("01", "2023-10", "", "en")
    assert "are not measured in this document" in text and "public statistics do not hold" in text
    assert "ohti build" not in text and "--extract" not in text  # no command lines for readers
    assert "Initial interview within five working days" in text  # listed among the unmeasured


def test_area_section_shows_and_labels_a_synthetic_extract(tmp_path, monkeypatch):
    import ohti.paths
    from ohti.documents import process_section
    from ohti.documents.process_section import process_section_html

    monkeypatch.setattr(ohti.paths, "OUTPUTS_DIR", tmp_path / "outputs")
    monkeypatch.setattr(process_section, "OUTPUTS_DIR", tmp_path / "outputs")
    rows = []
    for month in ("01", "02"):  # 40 spells in area 01 each month, 30 interviewed in time
        for k in range(40):
            person = f"Q{month}{k}"
            rows.append(spell(person, f"2023-{month}-01"))
            day = f"2023-{month}-03" if k < 30 else f"2023-{month}-20"
            rows += [event(person, "initial_interview", day), event(person, "employment_plan", day)]
    path = write(tmp_path, rows, extract_date="2023-10-31", name="synthetic_hand_made.parquet")
    text = process_section_html("01", "2023-10", str(path), "en")
    assert text.count("synthetic demonstration data") >= 9  # every row of the table
    assert "Synthetic demonstration data." in text
    assert "75.0" in text  # 60 of 80
    assert "<img" in text and "Synthetic demonstration data." in text.split("<img", 1)[1]  # the chart's alt text
    assert "Nordic labour market service model" in text  # the rule version measured under
    assert "Q01" not in text and "Q02" not in text
    assert list((tmp_path / "outputs" / "extracts" / ".cache").glob("process_*.parquet"))


def test_build_passes_the_extract_to_area_documents_and_their_stamps(tmp_path):
    from ohti.build import stamps
    from ohti.publish.edition import area_jobs, with_extract

    path = write(tmp_path, [spell("A", "2023-01-02")], name="synthetic_small.parquet")
    specs = area_jobs(["01"], "2023-10", "fi", "ely")
    wired = with_extract(specs, path)
    area = [s for s in wired if s["parameters"].get("area_code") == "01"][0]
    assert area["parameters"]["extract"] == str(path) and str(path) in area["inputs"]
    regional = [s for s in wired if "area_code" not in s["parameters"]]
    assert regional and all("extract" not in s["parameters"] for s in regional)
    assert with_extract(specs, None) == specs
    before = stamps.document_parts({}, notebook=area["notebook"], parameters=area["parameters"], inputs=area["inputs"])
    write(tmp_path, [spell("A", "2023-01-03")], name="synthetic_small.parquet")
    after = stamps.document_parts({}, notebook=area["notebook"], parameters=area["parameters"], inputs=area["inputs"])
    assert before["inputs"] != after["inputs"]  # a changed extract rebuilds the documents
