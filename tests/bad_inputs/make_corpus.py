"""Make the bad-input corpus: each file is a few real lines of a shipped file with one edit.

Run from the project root: ``.venv/bin/python tests/bad_inputs/make_corpus.py``. The exact
error each file must produce is kept, reviewed, in ``expected.yaml`` (this script does not
write it), so that a change in a loader's messages shows up as a failing test
(tests/test_validate.py), not as a silent update.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from ohti.paths import DATA_DIR

HERE = Path(__file__).resolve().parent


def shipped_lines(name: str) -> list[str]:
    raw = (DATA_DIR / name).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return raw.decode("utf-8-sig").splitlines()


def pick(lines: list[str], *starts: str) -> list[str]:
    """The header and the lines that start with one of ``starts``, in the order given."""
    return [lines[0]] + [line for start in starts for line in lines[1:] if line.startswith(start)]


def edit(line: str, position: int, value: str, sep: str = ",") -> str:
    fields = line.split(sep)
    fields[position] = value
    return sep.join(fields)


def write(name: str, lines: list[str], *, encoding: str = "utf-8", gzip_it: bool = False, cut: int | None = None):
    data = ("\n".join(lines) + "\n").encode(encoding)
    if gzip_it:
        data = gzip.compress(data, mtime=0)
    if cut:
        data = data[:cut]
    (HERE / name).write_bytes(data)


def main():
    r5 = shipped_lines("tyonv_12r5/tyonv_12r5_all_regions_2006_2023.csv.gz")
    base = pick(r5, "KU091,kunta,091,2023-09", "KU091,kunta,091,2023-10", "KU005,kunta,005,2023-10",
                "ELY01,ely,,2023-10", "SSS,koko_maa,,2023-10")
    # base: 1 header, 2 KU091 2023-09, 3 KU091 2023-10, 4 KU005 2023-10, 5 ELY01, 6 SSS
    lines = list(base); lines[1] = edit(lines[1], 4, "-12"); write("12r5_negative_count.csv", lines)
    lines = list(base); lines[2] = edit(lines[2], 6, "abc"); write("12r5_not_a_number.csv", lines)
    lines = list(base); lines[3] = edit(edit(lines[3], 0, "KU999"), 2, "999"); write("12r5_unknown_municipality.csv", lines)
    lines = list(base); lines[2] = edit(lines[2], 3, "2023-13"); write("12r5_month_13.csv", lines)
    lines = list(base); lines[2] = edit(lines[2], 3, "2203-10"); write("12r5_period_in_future.csv", lines)
    lines = list(base); lines[1] = edit(lines[1], 3, "1923-09"); write("12r5_period_before_table.csv", lines)
    lines = list(base) + [base[3]]; write("12r5_repeated_row.csv", lines)
    lines = list(base); lines[3] = edit(lines[3], 4, "3702.0"); write("12r5_unemployed_above_labour_force.csv", lines)
    lines = list(base); lines[3] = edit(lines[3], 4, "215.5"); write("12r5_fraction_of_a_person.csv", lines)
    lines = [",".join(line.split(",")[:6]) for line in base]; write("12r5_missing_column.csv", lines)
    lines = list(base); lines[3] = edit(lines[3], 4, "215,0"); write("12r5_unquoted_decimal_comma.csv", lines)
    lines = list(base); lines[3] = edit(lines[3], 2, "020"); write("12r5_code_mismatch.csv", lines)
    lines = list(base); lines[3] = edit(lines[3], 1, "municipality"); write("12r5_unknown_row_type.csv", lines)
    lines = list(base); lines[4] = edit(lines[4], 0, "ELY1"); write("12r5_malformed_ely_code.csv", lines)
    lines = list(base); lines[4] = edit(lines[4], 2, "091"); write("12r5_code_on_ely_row.csv", lines)
    write("12r5_no_rows.csv", base[:1])
    write("12r5_truncated.csv.gz", base, gzip_it=True, cut=120)
    lines = list(base); lines[2] = ",".join(lines[2].split(",")[:6]); write("12r5_short_row.csv", lines)
    lines = ["area,type,municipality,month,unemployed,labour_force,vacancies"] + base[1:]
    write("12r5_english_header.csv", lines)

    re11 = shipped_lines("vaerak_11re/vaerak_11re_vaesto_kunnittain_1972_2023.csv.gz")
    base = pick(re11, "SSS,KOKO MAA,2023", "KU005,Alajärvi,2023", "KU091,Helsinki,2023")
    lines = list(base); lines[2] = edit(lines[2], 0, "KU999"); write("11re_unknown_municipality.csv", lines)
    lines = list(base); lines[3] = edit(lines[3], 2, "20x3"); write("11re_malformed_year.csv", lines)
    lines = list(base); lines[2] = edit(lines[2], 3, "\"9 113,5\""); write("11re_decimal_population.csv", lines, encoding="latin-1")

    v23 = shipped_lines("tyonv_2310/data_kunta_2310.csv.gz")
    base = pick(v23, "154.0,75.0,,,2020-07-01,Akaa", "120.0,55.0,,,2020-07-01,Äänekoski", "205.0,136.0,9.0,51.0,2020-08-01,Äänekoski")
    lines = list(base); lines[2] = edit(lines[2], 5, "Ääneskoski"); write("2310_unknown_name.csv", lines)
    lines = list(base); lines[1] = edit(lines[1], 1, "175.0"); write("2310_new_above_open.csv", lines)
    lines = list(base); lines[3] = lines[3].replace("Äänekoski", "Äänekoski".encode("utf-8").decode("latin-1"))
    write("2310_double_encoded_name.csv", lines)

    kf = shipped_lines("kuntien_avainluvut/kuntien_avainluvut_2006_2016.csv.gz")
    base = pick(kf, "Äänekoski,2016", "Akaa,2016")
    lines = list(base); lines[1] = edit(lines[1], 27, "101.3"); write("key_figures_share_above_100.csv", lines)
    lines = list(base); lines[2] = edit(lines[2], 5, "17043.0"); write("key_figures_employed_above_population.csv", lines)

    g1001 = shipped_lines("tyonv_1001/data_perustiedot.csv")
    base = pick(g1001, '"KOKO MAA","2020M05"', '"KOKO MAA","2020M06"', '"Hattula","2020M06"')
    lines = list(base); lines[3] = edit(lines[3], 13, "467"); write("1001_group_above_unemployed.csv", lines)
    lines = list(base); lines[0] = lines[0].encode("utf-8").decode("latin-1"); write("1001_double_encoded_header.csv", lines)
    lines = [line.replace(",", ";") for line in base]; lines[2] = edit(lines[2], 3, '"416 873,4"', sep=";")
    write("1001_fraction_semicolon.csv", lines)

    u4 = shipped_lines("tyonv_12u4_12u5/tyonv_12u4_koko_maa_monthly.csv")
    lines = u4[:1] + u4[-2:] + u4[-1:]; write("12u4_repeated_month.csv", lines)
    u5 = shipped_lines("tyonv_12u4_12u5/tyonv_12u5_koko_maa_monthly.csv")
    lines = u5[:1] + u5[-2:]; lines[2] = edit(lines[2], 5, "x"); write("12u5_not_a_number.csv", lines)

    key = shipped_lines("municipality_key/municipality_key_2025.csv")
    lines = key[:4]; lines[3] = edit(lines[3], 0, lines[2].split(",")[0]); write("key_repeated_code.csv", lines)
    lines = key[:4]; fields = lines[0].split(","); lines[2] = edit(lines[2], fields.index("tyollisyysalue_code"), "")
    write("key_missing_area.csv", lines)

    mergers = shipped_lines("municipality_key/municipality_mergers.csv")
    lines = mergers[:4]; lines[2] = edit(lines[2], 2, "298"); write("mergers_unknown_successor.csv", lines)


if __name__ == "__main__":
    main()
