"""The "about this document" section: every source with its period, the publisher's update
time and where the copy came from; the labour force's age; the division in force."""

from conftest import soup_of

from ohti.documents import sections


def _about(period, language):
    return soup_of(sections.about_html({"period": period, "language": language}, language))


def test_each_source_says_its_period_update_and_origin():
    rows = [[c.get_text(strip=True) for c in tr.find_all("td")] for tr in _about("2026-06", "fi").find("tbody").find_all("tr")]
    by_period = {(r[1], r[2]): r for r in rows}
    keha = by_period[("2026-06", "2026-07-21")]
    assert keha[0].startswith("Lähde: KEHA-keskus, Työnvälitystilasto.") and "(poimittu 2026-08-11)" in keha[3]
    assert ("2006-01 … 2023-10", "—") in by_period  # the CSV history says no update time of its own
    assert ("2025", "2026-04-01") in by_period  # population 31.12.2025 (11re)
    assert len(rows) == len({tuple(r) for r in rows})  # a source of two files is one row


def test_the_labour_force_age_and_the_division_in_force_are_named():
    fi = _about("2026-06", "fi").get_text(" ")
    assert "noin kaksi vuotta vanha" in fi and "elinvoimakeskusten aluejako" in fi
    assert "ELY-keskusten aluejako" in _about("2023-10", "fi").get_text(" ")
    sv = _about("2026-06", "sv").get_text(" ")
    assert "livskraftscentraler" in sv and "uttaget 2026-08-11" in sv
