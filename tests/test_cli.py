import io
import subprocess
import sys

import pandas as pd
import pytest

from ohti.cli import main


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_values_national_prints_the_published_figure(capsys):
    status, out, _ = run(capsys, "values", "--indicator", "unemployed", "--level", "national", "--period", "2023-10")
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("level,area_code,area_name,period,indicator,value,numerator,denominator,note")
    assert lines[0].endswith(",lower,upper,significance,rank,rank_lower,rank_upper")  # extended, never renamed
    assert lines[1].startswith("national,SSS,Koko maa,2023-10,unemployed,256070,256070,,")


def test_values_for_one_area(capsys):
    status, out, _ = run(capsys, "values", "--indicator", "unemployment_rate", "--level", "area",
                         "--period", "2023-10", "--area", "36")
    table = pd.read_csv(io.StringIO(out), dtype={"area_code": str})
    assert status == 0 and len(table) == 1
    assert table.loc[0, "area_name"] == "Savonlinna"
    assert table.loc[0, "value"] == pytest.approx(100 * 1770 / 16417)


@pytest.mark.parametrize("level,rows", [("municipality", 308), ("area", 45), ("ely", 16), ("maakunta", 19), ("evk", 10)])
def test_areas_lists_every_unit(capsys, level, rows):
    status, out, _ = run(capsys, "areas", "--level", level)
    table = pd.read_csv(io.StringIO(out), dtype=str)
    assert status == 0 and len(table) == rows
    assert table.columns[:3].tolist() == ["code", "name_fi", "name_sv"]
    assert "n_municipalities" in table.columns


@pytest.mark.parametrize("argv,message", [
    (["values", "--indicator", "nope", "--level", "area", "--period", "2023-10"], "unknown indicator 'nope'"),
    (["values", "--indicator", "unemployed", "--level", "kunta", "--period", "2023-10"], "unknown level 'kunta'"),
    (["values", "--indicator", "unemployed", "--level", "area", "--period", "2023-10", "--area", "99"], "unknown area code '99'"),
    (["values", "--indicator", "unemployed", "--level", "area", "--period", "2031-01"], "outside the data"),
    (["areas", "--level", "region"], "unknown level 'region'"),
    (["build", "--areas", "99"], "unknown area code '99'"),
    (["build", "--formats", "docx"], "unknown format(s) docx"),
])
def test_errors_are_one_line_and_status_2(capsys, argv, message):
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


@pytest.mark.slow
def test_entry_point_runs_without_traceback():
    result = subprocess.run([sys.executable, "-m", "ohti", "values", "--indicator", "x", "--level", "area"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.startswith("ohti: error: unknown indicator 'x'") and "Traceback" not in result.stderr


@pytest.mark.slow
def test_indicators_lists_the_catalogue(capsys):
    status, out, _ = run(capsys, "indicators", "--format", "csv")
    table = pd.read_csv(io.StringIO(out))
    assert status == 0
    assert {"unemployed", "labour_force", "unemployment_rate", "vacancies", "vacancies_per_unemployed"} <= set(table["id"])


def test_an_indicator_without_values_at_the_level_is_one_line(capsys):
    # the foreign citizens' activation rate is published for the whole country only (StatFin 12u5)
    status, out, err = run(capsys, "values", "--indicator", "activation_rate_foreign", "--level", "area", "--area", "36")
    assert status == 2 and out == ""
    assert err.strip() == ("ohti: error: indicator 'activation_rate_foreign' has no values at the level area: the public "
                           "statistics hold it for other levels only; see ohti indicators for where it can be computed")
