import shutil

import pandas as pd
import pytest

from ohti.errors import SourceDataError
from ohti.paths import DATA_DIR
from ohti.sources import access, files, loaders, variables


def lines_for(real_lines, code, months=("2023-09", "2023-10")):
    return [line for line in real_lines if line.split(",")[0] == code and line.split(",")[3] in months]


def test_shipped_snapshot_loads_with_expected_shape():
    tidy = access.load_employment_statistics()
    history = tidy[tidy["period"] <= "2023-10"]
    assert set(history["variable"]) == {"unemployed", "labour_force", "vacancies"}
    assert tidy["period"].min() == "2006-01" and tidy["period"].max() == "2026-06"
    municipal = history[history["unit_level"] == "municipality"]
    assert municipal["unit_code"].nunique() == 309  # the 2021-2024 division, before recoding
    # 2026-06: the PxWeb response's 22 contents that ohti uses (TYOTOSUUS and KASSASSA are not used)
    latest = tidy[tidy["period"] == "2026-06"]
    assert latest["variable"].nunique() == 21
    assert latest.loc[latest["unit_level"] == "municipality", "unit_code"].nunique() == 308  # 2025 division
    assert sorted(set(tidy["period"]))[-2:] == ["2023-10", "2026-06"]  # the gap stays a gap


def test_suppressed_cells_are_missing_not_zero():
    tidy = access.load_employment_statistics()
    vacancies = tidy[(tidy["variable"] == "vacancies") & (tidy["unit_level"] == "municipality")]
    # SOURCE.txt: 10,143 NA in vacancies across all row types; municipal rows hold most of them.
    assert vacancies["value"].isna().sum() > 0
    assert vacancies.loc[vacancies["value"].isna(), "suppressed"].all()
    # Pertunmaa 2023-10 vacancies are suppressed in the source (an empty cell): missing, not 0.
    cell = vacancies[(vacancies["unit_code"] == "588") & (vacancies["period"] == "2023-10")]
    assert cell["value"].isna().all()


@pytest.mark.parametrize("marker", [".", "..", "...", "", "NA"])
def test_every_suppression_marker_becomes_missing(real_12r5_lines, write_12r5, marker):
    lines = [real_12r5_lines[0]] + lines_for(real_12r5_lines, "KU091")
    fields = lines[1].split(",")
    fields[6] = marker
    lines[1] = ",".join(fields)
    tidy = loaders.load_12r5(write_12r5(lines))
    cell = tidy[(tidy["variable"] == "vacancies") & (tidy["period"] == "2023-09")]
    assert cell["value"].isna().all() and cell["suppressed"].all()


def test_latin1_and_bom_files_are_read(real_12r5_lines, write_12r5):
    lines = [real_12r5_lines[0]] + lines_for(real_12r5_lines, "KU091")
    for encoding in ("latin-1", "utf-8-sig"):
        tidy = loaders.load_12r5(write_12r5(lines, encoding=encoding))
        assert len(tidy) == 6


def test_all_problems_are_reported_at_once(real_12r5_lines, write_12r5):
    lines = [real_12r5_lines[0]] + lines_for(real_12r5_lines, "KU091") + lines_for(real_12r5_lines, "KU005")
    bad = lines[1].split(",")
    bad[4] = "-12"  # negative count
    lines[1] = ",".join(bad)
    bad = lines[2].split(",")
    bad[2], bad[0] = "999", "KU999"  # unknown municipality
    lines[2] = ",".join(bad)
    bad = lines[3].split(",")
    bad[3] = "2023-13"  # no such month
    lines[3] = ",".join(bad)
    bad = lines[4].split(",")
    bad[6] = "abc"  # not a number
    lines[4] = ",".join(bad)
    lines.append(lines[4])  # repeated row
    with pytest.raises(SourceDataError) as caught:
        loaders.load_12r5(write_12r5(lines))
    problems = "\n".join(caught.value.problems)
    assert "row 2, column tyottomat_tyonhakijat: '-12' is negative" in problems
    assert "row 3, column kuntakoodi: '999' is not a municipality in the 2025 key" in problems
    assert "row 4, column kuukausi: '2023-13' is not a month YYYY-MM" in problems
    assert "row 5, column avoimet_tyopaikat: 'abc' is neither a number nor a suppression marker" in problems
    assert "row 6, column alue_code: 'KU005' is repeated for the same period" in problems
    assert "row 6, column avoimet_tyopaikat: 'abc' is neither" in problems  # the repeated row's own problem
    assert len(caught.value.problems) == 6
    assert [p.split(",")[0] for p in caught.value.problems] == ["row 2", "row 3", "row 4", "row 5", "row 6", "row 6"]


def test_missing_column_is_named(real_12r5_lines, write_12r5):
    lines = [",".join(line.split(",")[:6]) for line in [real_12r5_lines[0]] + lines_for(real_12r5_lines, "KU091")]
    with pytest.raises(SourceDataError, match="missing column\\(s\\) avoimet_tyopaikat"):
        loaders.load_12r5(write_12r5(lines))


def test_unemployed_above_labour_force_is_refused(real_12r5_lines, write_12r5):
    lines = [real_12r5_lines[0]] + lines_for(real_12r5_lines, "KU091", months=("2023-10",))
    fields = lines[1].split(",")
    fields[4] = str(float(fields[5]) + 1)
    lines[1] = ",".join(fields)
    with pytest.raises(SourceDataError, match="exceeds the labour force"):
        loaders.load_12r5(write_12r5(lines))


def test_changed_shipped_file_fails_its_checksum(monkeypatch, tmp_path):
    import shutil

    from ohti import paths

    copy = tmp_path / "data"
    shutil.copytree(paths.DATA_DIR, copy)
    (copy / "municipality_key" / "municipality_mergers.csv").write_text("old_code,new_code\n", encoding="utf-8")
    monkeypatch.setattr(files, "DATA_DIR", copy)
    monkeypatch.setattr(loaders, "DATA_DIR", copy)
    monkeypatch.setattr(files, "MANIFEST_PATH", copy / "MANIFEST.csv")
    with pytest.raises(SourceDataError, match="differs from the manifest"):
        files.shipped_path("municipality_key/municipality_mergers.csv")


def test_manifest_lists_provenance_for_every_shipped_file():
    manifest = files.load_manifest()
    for column in ("file", "sha256", "publisher", "licence", "origin", "extracted", "coverage"):
        assert (manifest[column].str.len() > 0).all(), column
    assert set(manifest["licence"]) == {"CC BY 4.0"}
    for name in manifest["file"]:
        files.shipped_path(name)  # present and unchanged


def test_decimal_comma_is_parsed():
    numbers, suppressed, invalid = files.parse_counts(pd.Series(["1234,0", "12", "...", "x"]))
    assert numbers.iloc[0] == 1234.0 and numbers.iloc[1] == 12.0
    assert suppressed.tolist() == [False, False, True, False]
    assert invalid.tolist() == [False, False, False, True]


def test_latest_complete_period_is_the_last_month():
    # 2026-06 covers the 308 municipalities of the 2025 division (Pertunmaa is in Mäntyharju)
    assert access.latest_complete_period() == "2026-06"


def test_a_validated_source_is_kept_on_disk_and_read_from_there(monkeypatch, tmp_path):
    monkeypatch.setattr(access, "SOURCE_CACHE_DIR", tmp_path)
    access.load_source.cache_clear()
    first = access.load_source("tyonv_12u4")
    (cached,) = tmp_path.glob("tyonv_12u4-*.pickle")
    marked = first.assign(value=-1.0)  # a frame no loader would give: proves where the next one comes from
    marked.to_pickle(cached)
    access.load_source.cache_clear()
    assert (access.load_source("tyonv_12u4")["value"] == -1.0).all()
    access.load_source.cache_clear()


def test_the_cache_does_not_hide_a_changed_shipped_file(monkeypatch, tmp_path):
    monkeypatch.setattr(access, "SOURCE_CACHE_DIR", tmp_path / "cache")
    access.load_source.cache_clear()
    access.load_source("tyonv_12u4")
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    name = variables.SOURCES["tyonv_12u4"].files[0]
    (copy / name).write_bytes((copy / name).read_bytes() + b"\n")
    monkeypatch.setattr(files, "DATA_DIR", copy)
    monkeypatch.setattr(loaders, "DATA_DIR", copy)
    monkeypatch.setattr(files, "MANIFEST_PATH", copy / "MANIFEST.csv")
    access.load_source.cache_clear()
    with pytest.raises(SourceDataError, match="sha256"):
        access.load_source("tyonv_12u4")
    access.load_source.cache_clear()


def _tidy_rows(rows):
    return pd.DataFrame(rows, columns=["unit_level", "unit_code", "period", "variable", "value", "suppressed"])


def test_a_later_file_replaces_its_units_and_their_merged_predecessors():
    """A refreshed table on the 2026 division has no row for Pertunmaa (588), whose job seekers
    are in Mäntyharju (507): the shipped 588 row of the same month must go too, or the recoding
    to the 2025 division would count them twice. Units the later file does not have stay (an
    import of one municipality leaves the others as they were)."""
    shipped = _tidy_rows([("municipality", "588", "2020-01", "unemployed", 40.0, False),
                          ("municipality", "507", "2020-01", "unemployed", 300.0, False),
                          ("municipality", "507", "2019-12", "unemployed", 310.0, False),
                          ("municipality", "507", "2020-01", "vacancies", 9.0, False),
                          ("municipality", "091", "2020-01", "unemployed", 40000.0, False)])
    refreshed = _tidy_rows([("municipality", "507", "2020-01", "unemployed", 341.0, False)])
    combined = loaders._combined([shipped, refreshed])
    by_key = {(r.unit_code, r.period, r.variable): r.value for r in combined.itertuples()}
    assert by_key == {("507", "2020-01", "unemployed"): 341.0, ("507", "2019-12", "unemployed"): 310.0,
                      ("507", "2020-01", "vacancies"): 9.0, ("091", "2020-01", "unemployed"): 40000.0}
