import math

import pytest

from ohti.errors import ParameterError
from ohti.i18n import format_number, format_period, label


@pytest.mark.parametrize("value,decimals,language,expected", [
    (256070, 0, "fi", "256\u202f070"),
    (256070, 0, "sv", "256\u202f070"),
    (256070, 0, "en", "256,070"),
    (10.7815, 1, "fi", "10,8"),
    (0.0881, 2, "sv", "0,09"),
    (10.7815, 1, "en", "10.8"),
    (-0.34, 1, "fi", "\u22120,3"),
])
def test_numbers_follow_the_language(value, decimals, language, expected):
    assert format_number(value, decimals, language) == expected


def test_sign_and_missing():
    assert format_number(1.3, 1, "fi", sign=True) == "+1,3"
    assert format_number(0.01, 1, "fi", sign=True) == "0,0"
    assert format_number(math.nan, 1, "fi") == "ei tietoa"
    assert format_number(None, 1, "sv") == "uppgift saknas"


def test_periods_and_labels():
    assert format_period("2023-10", "fi") == "lokakuu 2023"
    assert format_period("2023-10", "sv") == "oktober 2023"
    assert format_period("2023-10", "en") == "October 2023"
    assert label("summary", "sv") == "Sammanfattning"


def test_unknown_language():
    with pytest.raises(ParameterError, match="unknown language 'de'"):
        label("summary", "de")
