"""Input validation: the bad-input corpus, `ohti validate`, and run parameters (issue 6)."""

import gzip
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import clear_ohti_caches

from ohti import cli
from ohti.errors import ParameterError, SourceDataError
from ohti.paths import AREA_NOTEBOOK, DATA_DIR
from ohti.publish import edition
from ohti.sources import areas, checks, loaders, variables
from ohti.sources import files as source_files
from ohti.sources.files import read_rows, read_table

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))

#: The loader that reads each kind of corpus file (by the file name's prefix).
LOADERS = {
    "12r5_": loaders.load_12r5, "11re_": loaders.load_11re, "2310_": loaders.read_2310_municipal,
    "key_figures_": loaders.load_key_figures, "1001_": loaders.load_1001, "12u4_": loaders.read_12u4,
    "12u5_": loaders.read_12u5,
}


def loader_problems(name):
    """The problems the loader of a corpus file raises (the key files have validators)."""
    path = CORPUS / name
    if name.startswith("key_") and not name.startswith("key_figures_"):
        return areas.validate_key_file(path)
    if name.startswith("mergers_"):
        raw, found = read_rows(path)
        return areas.validate_mergers(raw, path, areas.load_key().index, found)
    loader = next(f for prefix, f in LOADERS.items() if name.startswith(prefix))
    with pytest.raises(SourceDataError) as caught:
        loader(path)
    assert str(caught.value).startswith(f"{path}: {len(caught.value.problems)} problem(s): ")
    return caught.value.problems


# --- the corpus -------------------------------------------------------------------------------

def test_corpus_has_at_least_20_files_each_with_its_expected_error():
    files = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".csv", ".gz"))
    assert len(files) >= 20
    assert sorted(EXPECTED) == files  # every file is paired with its error, and no pairing is stale
    assert all(entry["problems"] and entry["rule"] and entry["edit"] for entry in EXPECTED.values())


def test_corpus_covers_every_rule_of_the_issue():
    rules = " ".join(entry["rule"] for entry in EXPECTED.values())
    for rule in ("schema", "area key", "period", "duplicate", "negative", "non-numeric", "numerator > denominator",
                 "encoding", "Latin-1", "decimal comma", "gzip", "part > whole", "unknown kind"):
        assert rule in rules, rule


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gets_its_exact_error(name):
    assert checks.validate_file(CORPUS / name) == EXPECTED[name]["problems"]


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n != "12r5_english_header.csv"))
def test_loader_refuses_bad_file_with_the_same_problems(name):
    assert loader_problems(name) == EXPECTED[name]["problems"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_command_prints_each_problem_with_its_file_and_exits_2(capsys, monkeypatch, name):
    monkeypatch.chdir(CORPUS)
    status = cli.main(["validate", name])
    out, err = capsys.readouterr()
    problems = EXPECTED[name]["problems"]
    assert status == 2 and err == ""
    assert out.splitlines() == [f"{name}: {p}" for p in problems] + [
        f"1 of 1 file(s) have problems: {len(problems)} problem{'s' if len(problems) > 1 else ''}; "
        "nothing was computed or written"]


def test_validate_command_reports_several_files_together(capsys, monkeypatch):
    monkeypatch.chdir(CORPUS)
    names = ["12r5_negative_count.csv", "2310_unknown_name.csv", "mergers_unknown_successor.csv"]
    status = cli.main(["validate", *names])
    lines = capsys.readouterr().out.splitlines()
    assert status == 2
    assert lines[:-1] == [f"{n}: {p}" for n in names for p in EXPECTED[n]["problems"]]
    assert lines[-1] == "3 of 3 file(s) have problems: 3 problems; nothing was computed or written"


@pytest.mark.slow
def test_shipped_data_is_valid(capsys):
    status = cli.main(["validate"])
    out = capsys.readouterr().out
    assert status == 0 and out == "16 files valid\n"  # 12 CSV files and 4 PxWeb responses


def test_missing_file_is_a_problem(capsys, tmp_path):
    status = cli.main(["validate", str(tmp_path / "nope.csv")])
    assert status == 2 and "nope.csv: the file does not exist" in capsys.readouterr().out


# --- nothing is written -----------------------------------------------------------------------

@pytest.fixture
def broken_shipped_12r5(monkeypatch, tmp_path):
    """A copy of the shipped data whose 12r5 file is a corpus file (with a matching checksum)."""
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    name = variables.SOURCES["tyonv_12r5"].files[0]
    data = gzip.compress((CORPUS / "12r5_negative_count.csv").read_bytes(), mtime=0)
    (copy / name).write_bytes(data)
    manifest = (copy / "MANIFEST.csv").read_text(encoding="utf-8").splitlines()
    manifest = [",".join([line.split(",")[0], hashlib.sha256(data).hexdigest(), *line.split(",")[2:]])
                if line.startswith(name + ",") else line for line in manifest]
    (copy / "MANIFEST.csv").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    monkeypatch.setattr(source_files, "DATA_DIR", copy)
    monkeypatch.setattr(loaders, "DATA_DIR", copy)
    monkeypatch.setattr(source_files, "MANIFEST_PATH", copy / "MANIFEST.csv")
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    monkeypatch.setattr(edition, "OUTPUTS_DIR", outputs)
    clear_ohti_caches()
    yield outputs
    monkeypatch.undo()
    clear_ohti_caches()


@pytest.mark.parametrize("argv", [
    ["values", "--indicator", "unemployment_rate", "--level", "area", "--period", "2023-10"],
    ["build", "--areas", "36", "--formats", "html", "--quiet"],
])
def test_a_bad_source_stops_every_command_before_anything_is_written(capsys, broken_shipped_12r5, argv):
    status = cli.main(argv)
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert "row 2, column tyottomat_tyonhakijat: '-12' is negative" in err
    assert list(broken_shipped_12r5.rglob("*")) == []  # nothing written


# --- what is accepted -------------------------------------------------------------------------

def _lines_12r5():
    text = (CORPUS / "12r5_negative_count.csv").read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace(",-12,", ",37420.0,")
    return text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "utf-16"])
def test_encodings_are_read(tmp_path, encoding):
    path = tmp_path / "12r5.csv"
    path.write_bytes(("\n".join(_lines_12r5()) + "\n").encode(encoding))
    assert checks.validate_file(path) == []
    assert len(loaders.load_12r5(path)) == 15


def test_semicolons_decimal_commas_thousands_spaces_markers_and_blank_lines_are_read(tmp_path):
    lines = [line.replace(",", ";") for line in _lines_12r5()]
    lines[1] = lines[1].replace("37420.0", "37\u00a0420,0").replace("6795.0", "...")
    lines.insert(2, "")
    path = tmp_path / "12r5.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tidy = loaders.load_12r5(path)
    cell = tidy[(tidy["unit_code"] == "091") & (tidy["period"] == "2023-09")].set_index("variable")
    assert cell.at["unemployed", "value"] == 37420 and cell.at["vacancies", "suppressed"]
    lines[4] = lines[4].replace(";215.0;", ";-1;")  # a line after the blank line keeps its own number
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert checks.validate_file(path) == ["row 5, column tyottomat_tyonhakijat: '-1' is negative"]


@pytest.mark.slow
def test_every_shipped_file_is_recognised_by_its_header():
    kinds = [checks.detect_kind(p).name for p in checks.default_files()]
    pxweb = "PxWeb response (StatFin json / json-stat2)"
    assert kinds[:7] == ["12r5 extract (StatFin tyonv 12r5)", pxweb, "population (StatFin vaerak 11re)", pxweb,
                         pxweb, pxweb, "vacancies during the month by municipality (StatFin 2310)"]
    assert kinds.count(pxweb) == 4  # 12r5 2026-06, 11re, 11ra and 121w of 2025
    assert kinds[-4:] == ["municipality key", "municipality key", "municipal mergers", "municipality name aliases"]
    assert len(set(kinds)) == len(kinds) - 1 - 3  # the two key files are one kind, and so are the four responses


def test_a_misspelt_column_is_still_recognised_and_named(tmp_path):
    lines = _lines_12r5()
    lines[0] = lines[0].replace("kuukausi", "kuukaus")
    path = tmp_path / "12r5.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert checks.detect_kind(path).name.startswith("12r5")
    assert checks.validate_file(path)[0].startswith("missing column(s) kuukausi; expected")


def test_many_bad_rows_are_counted_after_the_first_200(tmp_path):
    lines = _lines_12r5()[:2]
    months = [f"{y}-{m:02d}" for y in range(2006, 2024) for m in range(1, 13)]  # 216 rows
    body = [lines[1].replace("2023-09", month).replace(",37420.0,", ",-1,") for month in months]
    path = tmp_path / "12r5.csv"
    path.write_text("\n".join([lines[0], *body]) + "\n", encoding="utf-8")
    problems = checks.validate_file(path)
    assert len(problems) == 201
    assert problems[-1] == "column tyottomat_tyonhakijat: 16 more row(s) after row 201 where the value is negative"


def test_read_table_refuses_a_ragged_file():
    with pytest.raises(SourceDataError, match="row 4: .* has 8 fields where the header has 7"):
        read_table(CORPUS / "12r5_unquoted_decimal_comma.csv")


# --- parameters (item 6) ----------------------------------------------------------------------

def test_notebook_declares_its_parameters():
    assert checks.notebook_parameters(AREA_NOTEBOOK) == {"area_code": "01", "period": "2026-06", "language": "fi",
                                                           "extract": "", "compare_with": ""}


def test_unknown_parameter_is_refused_with_the_allowed_ones():
    with pytest.raises(ParameterError, match=r"unknown parameter 'perod' \(the notebook declares: area_code, "
                                             r"period, language, compare_with, extract\); Papermill would only warn") as caught:
        checks.check_parameters(AREA_NOTEBOOK, {"area_code": "36", "perod": "2023-10"})
    assert caught.value.unknown == ["perod"] and caught.value.allowed == ["area_code", "period", "language", "compare_with", "extract"]


def test_known_parameters_pass_unchanged():
    parameters = {"area_code": "36", "period": "2023-06"}
    assert checks.check_parameters(AREA_NOTEBOOK, parameters) is parameters


def test_yaml_parameters_are_read_safely_and_checked(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text('area_code: "36"\nperiod: "2023-10"\nlanguage: sv\n', encoding="utf-8")
    assert checks.load_parameters(path, AREA_NOTEBOOK) == {"area_code": "36", "period": "2023-10", "language": "sv"}


@pytest.mark.parametrize("text,message", [
    ("area_code: 01\n", r"parameter 'area_code': 1 is a whole number, the notebook expects text like '01'; "
                        r"quote it in YAML \(area_code: \"1\"\)"),
    ("language: no\n", r"parameter 'language': False is true/false, the notebook expects text"),
    ("period: 2023-10-01\n", r"parameter 'period': datetime.date\(2023, 10, 1\) is a date"),
    ("area: '36'\n", r"unknown parameter 'area'"),
    ("area_code: '36'\narea_code: '37'\n", r"parameter 'area_code' is given twice \(line 2\)"),
    ("!!python/object/apply:os.system ['echo hi']\n", r"not valid YAML for a safe loader"),
    ("- 36\n- 37\n", r"parameters must be a mapping \(name: value\), not a list"),
    ("1x: 2\n", r"parameter name\(s\) '1x' are not valid names"),
])
def test_bad_yaml_parameters_are_refused(tmp_path, text, message):
    path = tmp_path / "run.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        checks.load_parameters(path, AREA_NOTEBOOK)


def test_notebook_without_parameters_cell_is_refused(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1"}]}), encoding="utf-8")
    with pytest.raises(ParameterError, match="no cell is tagged 'parameters'"):
        checks.check_parameters(path, {"x": 2})
