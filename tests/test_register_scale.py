"""The national register scale (issue 21): the demonstration extract written in batches, an
extract that is a folder of Parquet files, and DuckDB's memory limit and spill folder.

The figures at scale (100 million rows) are measured by ``make bench``, never asserted here;
these tests use small extracts.
"""

import re

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ohti._files import tree_digest
from ohti.errors import ParameterError, SourceDataError
from ohti.register.extract import describe_extract, load_extract, validate_extract
from ohti.register.process import compute_process

COLUMNS = ["table", "person_id", "area_code", "type", "start_date", "end_date", "end_reason"]
PERIOD = "2023-10"
#: Rows beyond the matched stocks of a one-month window: two batches of short spells, the
#: second cut short.
EXTRA_ROWS = 300_000


def write(path, rows, metadata=None):
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("start_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    schema = pa.schema([(c, pa.date32() if c.endswith("_date") else pa.string()) for c in COLUMNS])
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    table = table.replace_schema_metadata({"ohti.extract_date": "2026-12-31", **(metadata or {})})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


# spells and events over two years, so that a folder by year has two files
ROWS = [
    ("spell", "A", "01", None, "2025-12-19", None, None),
    ("event", "A", "01", "initial_interview", "2025-12-31", None, None),
    ("event", "A", "01", "employment_plan", "2025-12-31", None, None),
    ("spell", "B", "01", None, "2025-12-19", "2026-03-01", "open_labour_market"),
    ("event", "B", "01", "initial_interview", "2026-01-02", None, None),
    ("spell", "D", "02", None, "2026-01-02", None, None),
    ("event", "D", "02", "initial_interview", "2026-01-16", None, None),
    ("service", "D", "02", "coaching", "2026-02-01", "2026-03-15", "open_labour_market"),
]


@pytest.fixture
def one_and_folder(tmp_path):
    """The same rows as one file and as a folder of one file per year of start_date."""
    one = write(tmp_path / "extract.parquet", ROWS)
    folder = tmp_path / "by_year"
    for year in ("2025", "2026"):
        write(folder / f"part_{year}.parquet", [r for r in ROWS if r[4].startswith(year)])
    return one, folder


# --- an extract that is a folder -------------------------------------------------------------

def test_a_folder_gives_the_process_values_of_one_file(one_and_folder):
    one, folder = one_and_folder
    periods = ["2025-12", "2026-01", "2026-02", "2026-03"]
    from_file = compute_process(one, periods=periods, disclosure=False)
    from_folder = compute_process(folder, periods=periods, disclosure=False)
    pd.testing.assert_frame_equal(from_file, from_folder)
    assert from_file["denominator"].sum() > 0  # something was measured
    summary = validate_extract(folder)
    assert (summary["rows"], summary["spells"], summary["events"], summary["services"]) == (8, 3, 4, 1)
    assert summary["extract_date"] == "2026-12-31"  # from the files' metadata


def test_a_folder_digest_covers_its_files_in_name_order(one_and_folder):
    _, folder = one_and_folder
    described = describe_extract(folder)
    assert described == {"name": "by_year", "sha256": tree_digest(folder), "synthetic": False}
    extract = load_extract(folder)
    try:
        assert extract.digest == described["sha256"] and extract.rows == 8
    finally:
        extract.close()
    write(folder / "part_2026.parquet", [r for r in ROWS if r[4].startswith("2026")][:-1])
    assert describe_extract(folder)["sha256"] != described["sha256"]


def test_a_folder_is_synthetic_when_its_files_say_so(tmp_path):
    folder = tmp_path / "extract"
    for year in ("2025", "2026"):
        write(folder / f"{year}.parquet", [r for r in ROWS if r[4].startswith(year)], {"ohti.synthetic": "true"})
    assert describe_extract(folder)["synthetic"] is True
    assert validate_extract(folder)["synthetic"] is True


def test_an_empty_folder_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".hidden").write_text("")
    with pytest.raises(ParameterError, match="extract folder .* is empty"):
        load_extract(tmp_path / "empty")


def test_a_folder_of_mixed_formats_is_refused(one_and_folder):
    _, folder = one_and_folder
    pd.DataFrame([r for r in ROWS if r[4].startswith("2026")], columns=COLUMNS).to_csv(folder / "more.csv", index=False)
    with pytest.raises(SourceDataError, match=r"1 entr\(y/ies\) of the folder are not Parquet files \(more.csv\)"):
        load_extract(folder)
    with pytest.raises(SourceDataError, match="not Parquet files"):
        describe_extract(folder)


def test_a_folder_with_a_subfolder_is_refused(one_and_folder):
    _, folder = one_and_folder
    (folder / "2027").mkdir()
    with pytest.raises(SourceDataError, match=r"not Parquet files \(2027/\).*no subfolders"):
        load_extract(folder)


def test_files_whose_metadata_disagree_are_refused(one_and_folder):
    _, folder = one_and_folder
    write(folder / "part_2026.parquet", [r for r in ROWS if r[4].startswith("2026")],
          {"ohti.extract_date": "2026-06-30"})
    with pytest.raises(SourceDataError, match=r"metadata ohti.extract_date: the files disagree "
                                              r"\('2026-12-31' in part_2025.parquet; '2026-06-30' in part_2026.parquet\)"):
        load_extract(folder)
    with pytest.raises(SourceDataError, match="the files disagree"):
        describe_extract(folder)


def test_a_folder_problem_names_the_file_and_its_row(one_and_folder):
    _, folder = one_and_folder
    rows = [r for r in ROWS if r[4].startswith("2026")]
    rows[2] = ("event", "D", "99", "initial_interview", "2026-01-16", None, None)  # the file's 3rd row
    write(folder / "part_2026.parquet", rows)
    with pytest.raises(SourceDataError, match=r"column area_code: 1 row\(s\) .* \(rows part_2026.parquet:3; values '99'\)"):
        load_extract(folder)


# --- DuckDB's memory limit and spill folder --------------------------------------------------

def _setting(extract, name):
    return extract.connection.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]


def test_the_memory_limit_and_the_spill_folder_are_applied(one_and_folder, tmp_path):
    one, _ = one_and_folder
    extract = load_extract(one, memory_limit="300MB", temp_directory=tmp_path / "spill")
    try:
        assert _setting(extract, "memory_limit") in ("286.1 MiB", "300.0 MB")  # DuckDB prints MiB
        assert _setting(extract, "temp_directory") == extract.spill
        assert extract.spill.startswith(str(tmp_path / "spill"))
    finally:
        extract.close()
    assert not (tmp_path / "spill").exists() or not any((tmp_path / "spill").iterdir())  # removed when closed


def test_the_memory_limit_comes_from_the_environment_by_default(one_and_folder, monkeypatch, tmp_path):
    one, _ = one_and_folder
    monkeypatch.setenv("OHTI_DUCKDB_MEMORY", "1GB")
    monkeypatch.setenv("OHTI_DUCKDB_TEMP", str(tmp_path / "env-spill"))
    extract = load_extract(one)
    try:
        assert _setting(extract, "memory_limit") in ("953.6 MiB", "1.0 GB")
        assert extract.spill.startswith(str(tmp_path / "env-spill"))
    finally:
        extract.close()
    monkeypatch.delenv("OHTI_DUCKDB_MEMORY")
    extract = load_extract(one)
    try:
        assert _setting(extract, "memory_limit") in ("3.7 GiB", "4.0 GB")  # DEFAULT_MEMORY_LIMIT, 4GB
    finally:
        extract.close()


def test_a_bad_memory_limit_is_a_parameter_error(one_and_folder, tmp_path):
    one, _ = one_and_folder
    with pytest.raises(ParameterError, match="DuckDB memory limit 'lots'.*give e.g. 4GB"):
        load_extract(one, memory_limit="lots", temp_directory=tmp_path / "spill")
    assert not any((tmp_path / "spill").iterdir())  # its spill folder did not stay behind


# --- the demonstration extract written in batches --------------------------------------------

@pytest.fixture(scope="module")
def generated():
    """A one-month window filled up past two batches of short spells: in memory, and the size."""
    from ohti.register.demo import generate

    matched, _ = generate(PERIOD, seed=11, months=1)
    events = len(matched) + EXTRA_ROWS
    frame, metadata = generate(PERIOD, seed=11, months=1, events=events)
    return frame, metadata, events


@pytest.mark.slow
def test_written_batches_are_the_rows_of_the_in_memory_generator(generated, tmp_path):
    """The same seed gives the same rows in the same order, whether kept in memory or written
    batch by batch (each batch a row group)."""
    from ohti.register.demo import BATCH_SPELLS, write_demo_extract

    frame, metadata, events = generated
    path = write_demo_extract(tmp_path / "synthetic.parquet", PERIOD, seed=11, months=1, events=events)
    written = pq.read_table(path)
    pd.testing.assert_frame_equal(written.to_pandas(date_as_object=False), frame)
    assert len(frame) == events
    assert pq.ParquetFile(path).metadata.num_row_groups >= 3 + 2  # the matched spells' batches, the short ones
    assert {k.decode(): v.decode() for k, v in written.schema.metadata.items() if k != b"ARROW:schema"} == metadata
    assert metadata["ohti.synthetic"] == "true" and metadata["ohti.stock_months"] == "2023-10..2023-10"
    spells = frame[frame["table"] == "spell"]
    assert len(spells) > BATCH_SPELLS * 2
    # every spell is its own person, every other row belongs to one (the last batch is cut
    # by whole spells, keeping each spell's own row)
    assert spells["person_id"].is_unique
    assert set(frame["person_id"]) == set(spells["person_id"])
    assert frame["person_id"].str.fullmatch(r"SYN\d{8}").all()


@pytest.mark.slow
def test_a_folder_by_month_holds_the_same_rows(generated, tmp_path, capsys):
    from ohti.cli import main

    frame, _, events = generated
    assert main(["extract", "demo", "--period", PERIOD, "--seed", "11", "--months", "1", "--events", str(events),
                 "--partition", "month"]) == 0
    folder = tmp_path.parent / capsys.readouterr().out.strip()
    assert folder.is_dir() and folder.name.endswith("_m1_v2_by_month") and "synthetic" in folder.name
    parts = sorted(folder.iterdir())
    assert all(re.fullmatch(r"synthetic_\d{4}-\d{2}\.parquet", p.name) for p in parts) and len(parts) > 1
    for part in parts:
        starts = pq.read_table(part, columns=["start_date"]).column(0).to_pandas()
        assert {d.strftime("%Y-%m") for d in starts} == {part.stem.removeprefix("synthetic_")}
        assert pq.read_schema(part).metadata[b"ohti.synthetic"] == b"true"
    together = pq.read_table(folder).to_pandas(date_as_object=False)
    key = list(frame.columns)
    pd.testing.assert_frame_equal(together.sort_values(key, ignore_index=True),
                                  frame.sort_values(key, ignore_index=True))
    assert validate_extract(folder)["rows"] == events


@pytest.mark.parametrize("person", ["", None])
def test_an_empty_person_id_in_parquet_is_found_whatever_the_statistics_say(tmp_path, person):
    """The pass over the rules skips reading the ids only where every row group's statistics
    show none missing or empty."""
    rows = list(ROWS)
    rows[3] = ("spell", person, "01", None, "2025-12-19", "2026-03-01", "open_labour_market")
    path = write(tmp_path / "extract.parquet", rows)
    with pytest.raises(SourceDataError, match=r"column person_id: 1 row\(s\) is empty .*rows 4;"):
        load_extract(path)
