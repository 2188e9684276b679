import pytest

from ohti.errors import UnknownAreaError, UnknownLevelError
from ohti.sources import areas


def test_key_has_308_municipalities_and_45_mainland_areas():
    key = areas.load_key()
    assert len(key) == 308
    assert key["area_code"].nunique() == 46  # 45 mainland areas + Åland (46)
    assert len(areas.units("area")) == 45
    assert "46" not in areas.units("area").index


def test_level_sizes():
    assert len(areas.units("municipality")) == 308
    assert len(areas.units("ely")) == 16  # 15 ELY centres + Åland
    assert len(areas.units("maakunta")) == 19
    assert len(areas.units("evk")) == 10


def test_aland_municipalities_stay_at_municipality_level():
    municipalities = areas.units("municipality")
    mariehamn = municipalities.loc["478"]
    assert mariehamn["name_fi"] == "Maarianhamina"
    assert mariehamn["area_code"] == ""  # outside the reform
    assert areas.membership("area").loc["478"].sum() == 0


def test_pertunmaa_is_recoded_to_mantyharju():
    assert areas.recode_to_2025(__import__("pandas").Series(["588", "091"])).tolist() == ["507", "091"]
    matrix = areas.membership("municipality")
    assert matrix.loc["588", "507"] == 1 and matrix.loc["507", "507"] == 1
    assert matrix.loc["588"].sum() == 1


def test_every_mainland_municipality_belongs_to_exactly_one_area():
    matrix = areas.membership("area")
    per_municipality = matrix.sum(axis=1)
    aland = areas.load_key().index[areas.load_key()["area_code"] == "46"]
    assert (per_municipality.drop(aland) == 1).all()
    assert (per_municipality.loc[aland] == 0).all()
    # 292 mainland municipalities plus the 12 merged codes older statistics use (all on the mainland)
    assert int(matrix.to_numpy().sum()) == 292 + len(areas.load_mergers())


def test_area_members_match_an_interkunnallinen_agreement():
    # SOURCE.txt spot check: Eteläinen Keski-Suomi = Joutsa, Jämsä, Keuruu, Luhanka, Multia,
    # Mänttä-Vilppula, Petäjävesi, Toivakka.
    code = areas.units("area").index[areas.units("area")["name_fi"] == "Eteläinen Keski-Suomi"][0]
    names = set(areas.members("area", code)["name_fi"])
    assert names == {"Joutsa", "Jämsä", "Keuruu", "Luhanka", "Multia", "Mänttä-Vilppula", "Petäjävesi", "Toivakka"}


def test_areas_list_parent_codes_and_member_counts():
    table = areas.units("area")
    helsinki = table[table["name_fi"] == "Helsinki"].iloc[0]
    assert helsinki["n_municipalities"] == 1 and helsinki["ely_code"] == "01" and helsinki["maakunta_code"] == "01"
    assert table["n_municipalities"].sum() == 292


def test_unknown_level_and_code_raise_clear_errors():
    with pytest.raises(UnknownLevelError, match="unknown level 'kunta'; choose one of: municipality"):
        areas.units("kunta")
    with pytest.raises(UnknownAreaError, match="unknown area code '99'"):
        areas.check_codes("area", ["99"])


def test_codes_are_normalised():
    assert areas.check_codes("area", ["1", "01"]) == ["01", "01"]
    assert areas.check_codes("municipality", ["91"]) == ["091"]
