"""Labels and number, date and period formats in Finnish, Swedish and English.

Finnish and Swedish use a decimal comma and a narrow no-break space as the thousands
separator; missing values are shown as a dash-free text, never as zero.
"""

from __future__ import annotations

import functools
import math

import yaml
from babel.dates import format_date
from babel.numbers import format_decimal

from .errors import ParameterError
from .paths import PACKAGE_DIR

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
    return yaml.safe_load((PACKAGE_DIR / "labels.yaml").read_text(encoding="utf-8"))


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
