"""Strict input, bounded cost: hostile or careless files are refused quickly, in one line
each, before anything is computed (every case here was a traceback, a hang or gigabytes)."""

from __future__ import annotations

import gzip
import os
import time

import pytest

from ohti.errors import DefinitionError, ParameterError, SourceDataError
from ohti.indicators.registry import parse_registry
from ohti.sources import access, files, loaders, variables
from ohti.yamlsafe import load_yaml

ENTRY = """
  - id: unemployed
    name: {fi: Työttömät, sv: Arbetslösa, en: Unemployed}
    description: {fi: x, sv: x, en: x}
    interpretation: {fi: x, sv: x, en: x}
    unit: {fi: henkilöä, sv: personer, en: persons}
    statistic: count
    multiplier: 1
    numerator: unemployed
    %s
    denominator: null
    polarity: neutral
    kind: outcome
    theme: job_seekers
    decimals: 0
    source: tyonv_12r5
    ci_method: byar
    suppression_threshold: 5
    legal_basis: null
    key: []
"""


def test_a_registry_with_a_key_given_twice_is_refused():
    # a second numerator made 'unemployed' the labour force (158 536 instead of 13 754 in Espoo)
    text = "indicators:" + ENTRY % "numerator: labour_force"
    with pytest.raises(DefinitionError, match="indicator registry: registry, line 10: key 'numerator' is given twice"):
        parse_registry(text, set(access.source_variables()))
    with pytest.raises(DefinitionError, match="key 'indicators' is given twice"):
        parse_registry("indicators:" + ENTRY % "" + "indicators: []\n", set(access.source_variables()))


def test_a_yaml_alias_bomb_is_refused_at_once():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(20))
    started = time.monotonic()
    with pytest.raises(DefinitionError, match=r"draft.yaml: line 1: the value there is used again through an alias") as caught:
        load_yaml(bomb, "draft.yaml")
    assert time.monotonic() - started < 1 and len(str(caught.value)) < 200


def test_parameters_refuse_aliases(tmp_path):
    from ohti.sources.checks import load_parameters

    path = tmp_path / "run.yaml"
    path.write_text("area_code: &a '01'\nperiod: *a\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="an alias"):
        load_parameters(path)


@pytest.mark.slow
def test_a_gzip_bomb_is_refused_without_inflating_it(tmp_path):
    path = tmp_path / "bomb.csv.gz"
    with gzip.open(path, "wb", compresslevel=9) as handle:
        chunk = b"0" * 1_000_000
        for _ in range(250):  # 250 MB of zeros in about 250 kB
            handle.write(chunk)
    started = time.monotonic()
    with pytest.raises(SourceDataError, match="decompresses to more than 200,000,000 bytes"):
        files.read_text(path)
    assert time.monotonic() - started < 5


def test_a_fifo_and_a_folder_are_refused_not_read(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(SourceDataError, match="is not a regular file"):
        loaders.load_12r5(fifo)
    assert time.monotonic() - started < 2  # reading a FIFO would wait for a writer forever
    with pytest.raises(SourceDataError, match="is not a regular file"):
        files.read_text(tmp_path)
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    with pytest.raises(SourceDataError, match="cannot be read"):
        files.read_text(loop)


def test_nan_infinity_and_impossible_counts_are_refused(tmp_path):
    real = files.shipped_path(variables.SOURCES["tyonv_12r5"].files[0])
    lines = files.read_text(real).splitlines()
    header, first = lines[0], next(line for line in lines[1:] if line.startswith("KU091,"))
    cells = first.split(",")
    rows = []
    for value in ("NaN", "inf", "123456789"):
        row = list(cells)
        row[4] = value
        rows.append(",".join(row).replace(cells[3], f"2019-0{len(rows) + 1}", 1))
    path = tmp_path / "12r5.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    with pytest.raises(SourceDataError) as caught:
        loaders.load_12r5(path)
    problems = caught.value.problems
    assert any("'NaN' is neither a number nor a suppression marker" in p for p in problems)
    assert any("'inf' is neither a number nor a suppression marker" in p for p in problems)
    assert any("'123456789' is larger than any population" in p for p in problems)


def test_a_long_value_is_quoted_as_a_short_excerpt():
    text = "indicators:" + (ENTRY % "").replace("polarity: neutral", "polarity: " + "x" * 5000)
    with pytest.raises(DefinitionError) as caught:
        parse_registry(text, set(access.source_variables()))
    assert len(str(caught.value)) < 400 and "…" in str(caught.value)


def test_a_large_file_of_the_wrong_kind_is_refused_by_its_header(tmp_path):
    """A 59 MB junk CSV once took 1.3 GB to be refused: its header is checked before its rows."""
    import tracemalloc

    path = tmp_path / "junk.csv"
    path.write_text("a,b,c\n" + "1,2,3\n" * 2_000_000, encoding="utf-8")  # 12 MB
    tracemalloc.start()
    with pytest.raises(SourceDataError, match="missing column"):
        loaders.load_12r5(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 200_000_000  # the text, not millions of parsed rows
    big = tmp_path / "big.csv"
    with open(big, "wb") as handle:
        handle.truncate(files.MAX_INPUT_BYTES + 1)  # sparse: no disk used
    with pytest.raises(SourceDataError, match="a data file may have at most"):
        files.read_text(big)


def test_a_gzip_file_of_two_members_is_read_whole_and_trailing_junk_is_refused(tmp_path):
    path = tmp_path / "two.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n1,2\n") + gzip.compress(b"3,4\n"))
    assert files.read_text(path) == "a,b\n1,2\n3,4\n"
    junk = tmp_path / "junk.csv.gz"
    junk.write_bytes(gzip.compress(b"a,b\n1,2\n") + b"trailing")
    with pytest.raises(SourceDataError, match="data follow its end"):
        files.read_text(junk)
