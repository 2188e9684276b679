"""Labels and number, date and period formats in Finnish, Swedish and English.

Finnish and Swedish use a decimal comma and a narrow no-break space as the thousands
separator; missing values are shown as a dash-free text, never as zero.
"""

from __future__ import annotations

import functools
import math
import re

import yaml
from babel.dates import format_date
from babel.numbers import format_decimal

from ohti.errors import ParameterError
from ohti.paths import PACKAGE_DIR

LANGUAGES = ("fi", "sv", "en")
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
THIN_SPACE = "\u202f"
MINUS = "\u2212"


def check_language(language: str) -> str:
    """Return ``language`` if supported, else raise :class:`ParameterError`."""
    if language not in LANGUAGES:
        raise ParameterError(f"unknown language '{language}'; choose one of: {', '.join(LANGUAGES)}")
    return language


@functools.lru_cache(maxsize=1)
def _labels() -> dict:
    # libyaml's loader when PyYAML has it (the same safe subset, about ten times quicker)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((PACKAGE_DIR / "labels.yaml").read_text(encoding="utf-8"), Loader=loader)  # noqa: S506


def label(key: str, language: str = "fi", **fields) -> str:
    """A heading or label in ``language``; ``fields`` fill ``{placeholders}``."""
    text = _labels()[key][check_language(language)]
    return text.format(**fields) if fields else text


def format_number(value, decimals: int = 0, language: str = "fi", *, sign: bool = False) -> str:
    """Format a number for a reader: ``1234.5`` → ``'1 234,5'`` in Finnish.

    Parameters
    ----------
    value : float or None
        NaN and None give the language's "no data" text.
    decimals : int
        Decimals shown (fixed).
    language : str
        fi, sv or en.
    sign : bool
        Show a plus sign for positive values (for changes).

    Examples
    --------
    >>> format_number(256070, 0, "fi")
    '256\u202f070'
    >>> format_number(8.6756, 1, "sv")
    '8,7'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return label("no_data", language)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    text = format_decimal(round(float(value), decimals) + 0.0, format=pattern, locale=LOCALES[check_language(language)])
    if language in ("fi", "sv"):
        text = text.replace("\u00a0", THIN_SPACE).replace(" ", THIN_SPACE)
    text = text.replace("-", MINUS).replace("\u2212", MINUS)
    if sign and float(value) > 0 and round(float(value), decimals) != 0:
        text = "+" + text
    return text


def format_period(period: str, language: str = "fi") -> str:
    """A month 'YYYY-MM' as words: 'lokakuu 2023', 'oktober 2023', 'October 2023'."""
    import datetime

    year, month = (int(part) for part in period.split("-"))
    return format_date(datetime.date(year, month, 1), "LLLL y", locale=LOCALES[check_language(language)])


YEAR_BEFORE = "a year before: "
_NOTE_PATTERNS = (
    (re.compile(r"^incomplete: (?P<variable>.+) not published for (?P<missing>\d+) of (?P<size>\d+) (municipalities|rows)$"), "note_incomplete"),
    (re.compile(r"^(?P<variable>.+) not published \(suppressed in source\)$"), "note_suppressed"),
    (re.compile(r"^denominator is zero$"), "note_zero_denominator"),
    (re.compile(r"^suppressed: fewer than (?P<threshold>\d+) persons$"), "note_disclosure_primary"),
    (re.compile(r"^suppressed: could reveal a suppressed cell \(secondary\)$"), "note_disclosure_secondary"),
    (re.compile(r"^whole-country row \(includes job seekers with no known municipality\)$"), "note_national"),
    (re.compile(r"^(?P<variable>.+) of (?P<year>\d{4}), the latest published year$"), "note_latest_year"),
    (re.compile(r"^no data a year before \(the period a year earlier is not in the data\)$"), "note_no_year_before"),
    (re.compile(r"^no data for this period$"), "note_no_data"),
    (re.compile(r"^no data for this month in the loaded statistics \(ohti refresh fills the gap\)$"), "note_no_data_month"),
)


def _variable_label(expression: str, language: str) -> str:
    parts = [part.strip() for part in expression.split("+")]
    labels = _labels()
    return " + ".join(labels[f"variable_{p}"][language] if f"variable_{p}" in labels else p for p in parts)


_FI_ONES = {"ablative": ("", "yhdeltä", "kahdelta", "kolmelta", "neljältä", "viideltä", "kuudelta", "seitsemältä",
                         "kahdeksalta", "yhdeksältä"),
            "elative": ("", "yhdestä", "kahdesta", "kolmesta", "neljästä", "viidestä", "kuudesta", "seitsemästä",
                        "kahdeksasta", "yhdeksästä")}
_FI_TEN = {"ablative": "kymmeneltä", "elative": "kymmenestä"}
_SV_NUMBERS = ("noll", "en", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv")


def finnish_number(number: int, case: str) -> str:
    """A whole number 1–99 as a Finnish word in the ablative ('yhdeltä') or elative
    ('neljästä') case, as a sentence says how many of how many; digits beyond 99.

    Examples
    --------
    >>> finnish_number(2, "ablative"), finnish_number(4, "elative"), finnish_number(13, "elative")
    ('kahdelta', 'neljästä', 'kolmestatoista')
    """
    if not 1 <= number <= 99:
        return str(number)
    ones, tens = number % 10, number // 10
    if number == 10:
        return _FI_TEN[case]
    if tens == 1:
        return _FI_ONES[case][ones] + "toista"
    return (_FI_ONES[case][tens] + _FI_TEN[case] if tens else "") + _FI_ONES[case][ones]


def _incomplete_fields(fields: dict, language: str) -> dict:
    """The words of "a sum lacks k of n member municipalities" in ``language``."""
    missing, size = int(fields["missing"]), int(fields["size"])
    if language == "fi":
        plural = fields["variable"].split(" ")[-1].endswith("t")  # "avoimet työpaikat" puuttuvat
        return {**fields, "verb": "puuttuvat" if plural else "puuttuu",
                "missing": finnish_number(missing, "ablative"), "size": finnish_number(size, "elative")}
    if language == "sv":
        return {**fields, "missing": _SV_NUMBERS[missing] if missing < len(_SV_NUMBERS) else str(missing),
                "size": _SV_NUMBERS[size] if size < len(_SV_NUMBERS) else str(size)}
    return fields


def translate_note(note: str, language: str = "fi") -> str:
    """Put a value's note (written in English by :mod:`ohti.indicators.compute`) into ``language``.

    Examples
    --------
    >>> translate_note("incomplete: vacancies not published for 2 of 4 municipalities", "fi")
    'summa on vajaa: avoimet työpaikat puuttuvat kahdelta neljästä jäsenkunnasta'
    """
    check_language(language)
    translated = []
    for part in (p for p in str(note or "").split("; ") if p):
        prefix = ""
        if part.startswith(YEAR_BEFORE):
            part, prefix = part[len(YEAR_BEFORE):], label("note_year_before", language) + " "
        for pattern, key in _NOTE_PATTERNS:
            match = pattern.match(part)
            if match:
                fields = match.groupdict()
                if "variable" in fields:
                    fields["variable"] = _variable_label(fields["variable"], language)
                if key == "note_incomplete":
                    fields = _incomplete_fields(fields, language)
                translated.append(prefix + label(key, language, **fields))
                break
        else:
            translated.append(prefix + part)
    return "; ".join(translated)
