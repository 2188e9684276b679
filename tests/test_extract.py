"""The extract schema's validation, the Finnish working-day calendar, and the synthetic
demonstration extract (reproducible, labelled, stocks equal to the real unemployed)."""

import datetime as dt

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ohti.errors import ParameterError, SourceDataError
from ohti.register.extract import COLUMNS, load_extract, validate_extract
from ohti.register.workdays import add_working_days, calendar, holidays_between, is_working_day

GOOD = [
    ("spell", "P1", "01", "", "2025-01-02", "2025-03-01", "open_labour_market"),
    ("event", "P1", "01", "initial_interview", "2025-01-03", "", ""),
    ("service", "P1", "01", "coaching", "2025-01-10", "", ""),
    ("spell", "P2", "45", "", "2025-02-03", "", ""),
]


def write_csv(tmp_path, rows, columns=COLUMNS):
    path = tmp_path / "extract.csv"
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


# --- working days --------------------------------------------------------------------------

def test_christmas_and_new_year_are_not_working_days():
    assert not is_working_day("2025-12-24") and not is_working_day("2025-12-25") and not is_working_day("2025-12-26")
    assert not is_working_day("2026-01-01") and not is_working_day("2026-01-06")  # Epiphany
    assert is_working_day("2025-12-29")
    assert add_working_days("2025-12-19", 5) == dt.date(2025, 12, 31)
    assert add_working_days("2026-01-02", 5) == dt.date(2026, 1, 12)
    assert add_working_days("2026-01-02", 10) == dt.date(2026, 1, 19)


def test_midsummer_and_easter():
    # 2025: Good Friday 18.4., Easter Monday 21.4.; Midsummer Eve 20.6. (a Friday)
    assert add_working_days("2025-04-17", 1) == dt.date(2025, 4, 22)
    assert add_working_days("2025-06-19", 1) == dt.date(2025, 6, 23)
    assert dt.date(2025, 6, 20) in holidays_between("2025-06-01", "2025-06-30")


def test_calendar_index_counts_working_days():
    cal = calendar("2025-12-19", "2025-12-31")
    index = dict(zip(cal["day"], cal["workday_index"]))
    assert index[dt.date(2025, 12, 31)] - index[dt.date(2025, 12, 19)] == 5
    with pytest.raises(ParameterError, match="before its start"):
        calendar("2025-12-31", "2025-01-01")


# --- schema validation ---------------------------------------------------------------------

def test_a_valid_extract_loads(tmp_path):
    summary = validate_extract(write_csv(tmp_path, GOOD))
    assert (summary["spells"], summary["events"], summary["services"], summary["persons"]) == (2, 1, 1, 2)
    assert summary["extract_date"] == "2025-03-01"  # the latest date, without metadata
    assert summary["synthetic"] is False


@pytest.mark.parametrize("row, message", [
    (("visit", "P9", "01", "", "2025-01-01", "", ""), r"column table: 1 row\(s\) is not one of spell, event, service"),
    (("spell", "", "01", "", "2025-01-01", "", ""), r"column person_id: 1 row\(s\) is empty"),
    (("spell", "P9", "46", "", "2025-01-01", "", ""), r"column area_code: 1 row\(s\) is not an employment-area code"),
    (("spell", "P9", "01", "", "1.1.2025", "", ""), r"column start_date: 1 row\(s\) is not a date"),
    (("spell", "P9", "01", "", "2025-02-01", "2025-01-01", "other"), r"column end_date: 1 row\(s\) is before start_date"),
    (("event", "P9", "01", "coffee", "2025-01-01", "", ""), r"column type: 1 row\(s\) is not an event type"),
    (("event", "P9", "01", "initial_interview", "2025-01-01", "2025-01-02", ""), r"is set on an event"),
    (("service", "P9", "01", "", "2025-01-01", "", ""), r"a service needs its type"),
    (("spell", "P9", "01", "", "2025-01-01", "2025-01-09", "retired"), r"column end_reason: 1 row\(s\) is not one of"),
    (("spell", "P9", "01", "", "2025-01-01", "2025-01-09", ""), r"is empty although the spell or service ended"),
    (("spell", "P9", "01", "", "2025-01-01", "", "other"), r"is set although the spell or service has not ended"),
    (("spell", "P1", "01", "", "2025-02-01", "", ""), r"overlap an earlier spell of the same person"),
])
def test_each_rule_is_reported(tmp_path, row, message):
    with pytest.raises(SourceDataError, match=message):
        load_extract(write_csv(tmp_path, GOOD + [row]))


def test_all_problems_are_reported_at_once_without_person_ids(tmp_path):
    rows = GOOD + [("visit", "SECRET-1", "99", "", "x", "", ""), ("event", "SECRET-2", "01", "coffee", "2025-01-01", "", "")]
    with pytest.raises(SourceDataError) as caught:
        load_extract(write_csv(tmp_path, rows))
    problems = caught.value.problems
    assert len(problems) == 4  # table, area_code, start_date, event type
    assert "rows 6" in problems[0]  # the CSV line (after the header)
    assert "SECRET" not in str(caught.value)


def test_missing_columns_are_named(tmp_path):
    path = write_csv(tmp_path, [row[:6] for row in GOOD], columns=COLUMNS[:6])
    with pytest.raises(SourceDataError, match="column end_reason: missing"):
        load_extract(path)


def test_unknown_files_are_refused(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        load_extract(str(tmp_path / "nothing.parquet"))
    other = tmp_path / "extract.xlsx"
    other.write_text("x")
    with pytest.raises(ParameterError, match="unknown format"):
        load_extract(other)


# --- the synthetic demonstration extract ---------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from ohti.register.demo import demo_extract_path

    return demo_extract_path("2023-10", folder=tmp_path_factory.mktemp("extracts"))


@pytest.mark.slow
def test_demo_stocks_equal_the_real_unemployed(demo):
    """The spells open at each month-end equal the real unemployed job seekers of the shipped
    StatFin tyonv 12r5 table (indicator 'unemployed') in every area and month."""
    from ohti.register.demo import real_stocks

    real = real_stocks("2023-10")
    month_ends = [pd.Period(m, "M").end_time.date() for m in real.columns]
    connection = duckdb.connect()
    quoted = str(demo).replace("'", "''")
    frame = connection.execute(f"""
        SELECT area_code, m.day, count(*) AS n
        FROM read_parquet('{quoted}') s, (SELECT unnest(?) AS day) m
        WHERE s."table" = 'spell' AND s.start_date <= m.day AND (s.end_date IS NULL OR s.end_date >= m.day)
        GROUP BY ALL""", [month_ends]).df()
    counted = frame.pivot(index="area_code", columns="day", values="n")
    counted.columns = [pd.Timestamp(d).strftime("%Y-%m") for d in counted.columns]
    pd.testing.assert_frame_equal(counted.reindex(index=real.index, columns=real.columns).astype("int64"),
                                  real, check_names=False)
    assert int(real.loc["01", "2023-10"]) > 10_000  # Espoo-Kauniainen: a real, large stock


@pytest.mark.slow
def test_demo_is_labelled_and_validates(demo):
    assert "synthetic" in demo.name
    metadata = {k.decode(): v.decode() for k, v in pq.read_schema(demo).metadata.items()}
    assert metadata["ohti.synthetic"] == "true"
    assert metadata["ohti.label"] == "synthetic demonstration data"
    summary = validate_extract(demo)
    assert summary["synthetic"] is True and summary["extract_date"] == "2023-10-31"


@pytest.mark.slow
def test_demo_is_reproducible_and_fills_up_to_a_size():
    from ohti.register.demo import generate

    first, _ = generate("2023-10", seed=7, months=2)
    again, _ = generate("2023-10", seed=7, months=2)
    pd.testing.assert_frame_equal(first, again)
    other, _ = generate("2023-10", seed=8, months=2)
    assert not first.equals(other)
    bigger, _ = generate("2023-10", seed=7, months=2, events=len(first) + 5000)
    assert len(bigger) == len(first) + 5000
    with pytest.raises(ParameterError, match="below the"):
        generate("2023-10", seed=7, months=2, events=10)


def test_demo_file_names_must_say_synthetic(tmp_path):
    from ohti.register.demo import write_demo_extract

    with pytest.raises(ParameterError, match="must contain 'synthetic'"):
        write_demo_extract(tmp_path / "demo.parquet", "2023-10")


def test_extract_commands(tmp_path, capsys):
    from ohti.cli import main

    assert main(["extract", "validate", str(write_csv(tmp_path, GOOD))]) == 0
    out = capsys.readouterr().out
    assert "spells=2" in out and "events=1" in out and "synthetic=False" in out
    bad = tmp_path / "bad"
    bad.mkdir()
    assert main(["extract", "validate", str(write_csv(bad, GOOD + [("visit", "P9", "01", "", "2025-01-01", "", "")]))]) == 2
    error = capsys.readouterr().err
    assert error.startswith("ohti: error: ") and "column table" in error and "Traceback" not in error
    assert main(["values", "--indicator", "unemployed", "--level", "area", "--extract", str(tmp_path / "none.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
